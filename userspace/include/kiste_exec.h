/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiste_exec.h - `kiste exec`'s wire: the request a running shim container's
 * init serves on ROOT/ID/exec.sock, and the messages on that connection.
 *
 * One SOCK_SEQPACKET connection per process.  The caller sends one request
 * (struct kiste_exec_req, then its strings) with the new process's
 * descriptors 0..nfds-1 attached (SCM_RIGHTS); the init answers STARTED with
 * the process's pid in the container, or ERROR with one line, and EXITED with
 * its wait status when it ends.  The caller may send SIGNAL messages for it
 * meanwhile.  The socket lies in the container's folder under --root (mode
 * 0700, its owner's), which is what keeps others out.
 */
#ifndef KISTE_EXEC_H
#define KISTE_EXEC_H

#include <stdint.h>

#define KISTE_OCI_EXEC_SOCK "exec.sock"
#define KISTE_EXEC_MAGIC 0x6b783031U	/* "kx01" */
/* A request's strings: at most this many bytes, argc and envc as execve's. */
#define KISTE_EXEC_STRINGS_MAX (128 * 1024)
#define KISTE_EXEC_ARGS_MAX 4096
/* Descriptors a request carries: 0-2 and up to 13 more (runc's --preserve-fds). */
#define KISTE_EXEC_FDS_MAX 16
/* Processes one container's init runs for `kiste exec` at once. */
#define KISTE_EXEC_SESSIONS 32

#define KISTE_EXEC_F_USER 1U	/* uid and gid are the process's (else the container's) */
/*
 * A terminal: the last descriptor attached is the engine's console socket
 * (connected); the process gets a new pty of the container's devpts as its
 * 0-2 and controlling terminal, and the master goes to that socket.
 */
#define KISTE_EXEC_F_TTY 2U
/*
 * Stdio on the connection itself (vm mode: no descriptor crosses into a
 * guest).  The request carries no descriptors (nfds 0); after STARTED the
 * caller sends DATA messages with value 0 (stdin; an empty one is its EOF)
 * and WINSIZE ones (F_TTY), and gets DATA with value 1 (stdout) or 2
 * (stderr) until EXITED.  One stdin message is in flight at most: the next
 * goes after the server's TAKEN, so a SIGNAL never waits behind stdin the
 * process does not read (the server reads a SIGNAL past a waiting DATA).  Each DATA message is a struct kiste_exec_data and
 * up to KISTE_EXEC_DATA_MAX bytes (SOCK_SEQPACKET keeps the boundaries).
 * With F_TTY the process's 0-2 are a new pty of the sandbox's, and what it
 * writes comes as stdout.
 */
#define KISTE_EXEC_F_STREAM 4U
#define KISTE_EXEC_DATA_MAX (32 * 1024)

struct kiste_exec_req {
	uint32_t magic;
	uint32_t len;		/* bytes of strings that follow: cwd, argv, env, each NUL-ended */
	uint32_t argc, envc;
	uint32_t uid, gid;
	uint32_t nfds;		/* descriptors attached, 3..KISTE_EXEC_FDS_MAX */
	uint32_t flags;
	uint16_t rows, cols;	/* F_TTY: the terminal's size; 0: the default */
};

enum kiste_exec_kind {
	KISTE_EXEC_STARTED = 1,	/* value: the process's pid in the container */
	KISTE_EXEC_EXITED,	/* value: its wait status */
	KISTE_EXEC_ERROR,	/* value: a negative errno; text: one line */
	KISTE_EXEC_SIGNAL,	/* caller to init: value, a signal for the process */
	KISTE_EXEC_DATA,	/* F_STREAM: value, the stream (0 stdin, 1 stdout, 2 stderr) */
	KISTE_EXEC_WINSIZE,	/* F_STREAM, F_TTY, caller to init: value, rows << 16 | cols */
	KISTE_EXEC_TAKEN,	/* F_STREAM, init to caller: the stdin message is in; send the next */
};

/* F_STREAM's DATA and WINSIZE messages: this header, then DATA's bytes. */
struct kiste_exec_data {
	int32_t kind;
	int32_t value;
};

struct kiste_exec_msg {
	int32_t kind;
	int32_t value;
	char text[240];
};

#endif /* KISTE_EXEC_H */
