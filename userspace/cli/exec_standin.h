/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exec_standin.h - kiste exec's stand-in: the process's signals passed on,
 * its status back as kiste run gives it, and -t's terminal relayed.
 */
#ifndef KISTE_CLI_EXEC_STANDIN_H
#define KISTE_CLI_EXEC_STANDIN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* runc exec's status when the process could not be started (a usage error stays 2). */
#define OCI_EXEC_FAILED 255

struct kiste_err;
struct shim_relay;

/*
 * vm mode's exec (KISTE_EXEC_F_STREAM): the process's stdio goes over the
 * connection, and the stand-in moves it.  Where it takes stdin from and
 * puts stdout and stderr; -1: nowhere.
 */
struct exec_stream {
	int in;
	int out[2];		/* stdout's, stderr's */
	int console;		/* --console-socket's slave (in and out too): its size followed */
	bool tty;		/* F_TTY: no input is no input, not an EOF (a shell would end) */
	bool caller_tty;	/* a named run's -t: the caller's terminal, raw with -i; SIGWINCH */
	uint16_t rows, cols;	/* the size the request gave */
};

void exec_forward_setup(sigset_t *waitmask);
void exec_forward_winch(sigset_t *waitmask);
/* The first signal caught and not passed on yet (SIGWINCH aside), or 0. */
int exec_signal_waiting(void);
int exec_stand_in(int sock, const char *what, const sigset_t *waitmask, struct shim_relay *relay);
int exec_stand_in_tty(int sock, int tsock, bool input, const char *what,
		      const sigset_t *waitmask);
int exec_stream_console(const char *path, unsigned int rows, unsigned int cols,
			struct kiste_err *err);
int exec_stand_in_stream(int sock, const struct exec_stream *st, const char *what,
			 const sigset_t *waitmask);

#endif
