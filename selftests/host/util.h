/* SPDX-License-Identifier: GPL-2.0 */
/* util.h - helpers for the host tests: run the kiste binary and capture its output. */
#ifndef KISTE_HOST_UTIL_H
#define KISTE_HOST_UTIL_H

#include <stddef.h>

struct run_result {
	int status;	 /* exit code, or 128+signal */
	int wstatus;	 /* the raw wait status: exited, or killed by a signal */
	char out[16384]; /* stdout, NUL-terminated (truncated if longer) */
	char err[16384]; /* stderr, likewise */
};

/* The kiste binary: $KISTE_BIN, else ../bin/kiste next to this test's directory. */
const char *kiste_bin(void);
/* Runs kiste with the NULL-terminated @args (not including argv[0]); -1 if it could not run. */
int run_kiste(const char *const *args, struct run_result *r);
/* Number of '\n'-terminated lines in @s. */
size_t count_lines(const char *s);

#endif /* KISTE_HOST_UTIL_H */
