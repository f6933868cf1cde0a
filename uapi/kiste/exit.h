/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * exit.h - the exit statuses of kiste (DESIGN.md), shared by the CLI, the vm
 * guest agent (which reports the status kiste run exits with) and the
 * freestanding unikernel bindings.
 *
 * `kiste run` exits with the workload's status, 128+N when it died of signal
 * N, or one of 125, 126, 127 below; every other subcommand exits 0, 1 or 2.
 */
#ifndef _UAPI_KISTE_EXIT_H
#define _UAPI_KISTE_EXIT_H

enum kiste_exit {
	KISTE_EXIT_OK = 0,
	KISTE_EXIT_FAIL = 1,		/* a subcommand failed */
	KISTE_EXIT_USAGE = 2,		/* a subcommand was called wrongly */
	KISTE_EXIT_REFUSED = 125,	/* kiste run: kiste failed or refused to start */
	KISTE_EXIT_NOEXEC = 126,	/* kiste run: found, but cannot be executed */
	KISTE_EXIT_NOTFOUND = 127,	/* kiste run: not found */
	KISTE_EXIT_SIGNAL = 128,	/* kiste run: + N when the workload died of signal N */
};

#endif /* _UAPI_KISTE_EXIT_H */
