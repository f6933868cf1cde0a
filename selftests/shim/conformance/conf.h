/* SPDX-License-Identifier: GPL-2.0 */
/* conf.h - what the conformance programs share: one numbered line per observed result. */
#ifndef KISTE_CONF_H
#define KISTE_CONF_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every line is "ok N - WHAT: RESULT" where RESULT is what was observed (a
 * value, or -1 and the errno's name), never a verdict: the driver runs the
 * program natively and sandboxed and the difference is the test.  Results
 * that differ between two native runs (descriptor numbers, pids, times) are
 * printed as what is stable about them ("fd", "self", ">=1").
 */
static int conf_n;

static inline void conf_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* lines out before any fork */
}

static inline void say(const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d - %s: ", ++conf_n, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline const char *ename(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "E?";
}

/* A call's result as itself, or "-1 ENAME". */
static inline long chk(const char *what, long r)
{
	int e = errno;

	if (r < 0)
		say(what, "-1 %s", ename(e));
	else
		say(what, "%ld", r);
	errno = e;
	return r;
}

/* A call that returns a new descriptor: "fd", or "-1 ENAME". */
static inline long chkfd(const char *what, long r)
{
	int e = errno;

	if (r < 0)
		say(what, "-1 %s", ename(e));
	else
		say(what, "fd");
	errno = e;
	return r;
}

static inline int conf_done(void)
{
	printf("1..%d\n", conf_n);
	return 0;
}

#endif /* KISTE_CONF_H */
