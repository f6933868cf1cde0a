// SPDX-License-Identifier: GPL-2.0
// lib.c - the guest kernel's strlcpy, printing and exit (the libc subset is ../../freestanding/).
#include "gk.h"

size_t gk_strlcpy(char *d, const char *s, size_t n)
{
	size_t len = strlen(s);

	if (n) {
		size_t k = len < n - 1 ? len : n - 1;

		memcpy(d, s, k);
		d[k] = 0;
	}
	return len;
}

static void vprint(int fd, const char *fmt, va_list ap)
{
	char buf[1024];
	int len = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (len > (int)sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	hs3(__NR_write, fd, buf, len);
}

void gk_printf(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fd, fmt, ap);
	va_end(ap);
}

void gk_exit(int code)
{
	for (;;)
		hs1(__NR_exit_group, code);
}

/* One line on the guest kernel's own stderr, then exit with @code. */
void gk_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(gk.trace_fd, fmt, ap);
	va_end(ap);
	gk_exit(code);
}
