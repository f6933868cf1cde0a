/* SPDX-License-Identifier: GPL-2.0 */
/* relay.h - the caller's descriptors 0-2 relayed through pipes when the sandbox could change their file's metadata. */
#ifndef KISTE_SHIM_RELAY_H
#define KISTE_SHIM_RELAY_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "libkiste.h"

/* The plan's words (the shared page) for each of descriptors 0..2. */
#define SHIM_RELAY_KEEP (-1)	/* the caller's descriptor, as it is */
#define SHIM_RELAY_CLOSE (-2)	/* an O_PATH descriptor: not passed on */

/* One pipe between the sandbox and one open file description of the caller's. */
struct shim_relay_chan {
	int host;		/* the caller's descriptor (the lowest of 0..2 naming it) */
	int mine;		/* the launcher's end of the pipe, non-blocking; -1 once closed */
	int theirs;		/* the sandbox's end (kept for input: what it left unread) */
	bool out;		/* sandbox -> caller's file (else the file -> sandbox) */
	bool stream;		/* the file is not a regular file or block device */
	bool done;		/* EOF or an error: nothing more moves */
	bool trace;		/* the --trace-output file's channel (host is kiste's own copy) */
	bool tty;		/* -t: the sandbox's terminal (mine is a copy of its master) */
	bool eof_typed;		/* tty: the end of the caller's input is in buf (kiste_tty_eof) */
	int last;		/* tty: the last byte typed into it, -1: none */
	size_t len, off;	/* bytes in buf, and how many of them have moved on */
	char *buf;
};

/*
 * -t: a pty the sandbox's init makes in its own devpts, whose master comes
 * over a socket; the caller's 1 gets what the sandbox writes to it, its 0
 * (with -i) is typed into it, and a terminal at its 0 is raw meanwhile
 * (lib/tty_raw.c, vm mode's rule too).
 */
struct shim_relay_tty {
	bool on;
	bool input;		/* -i */
	int sock;		/* the launcher's end, until the master came; -1 */
	int master;		/* -1 until it came */
	int winfd;		/* the caller's terminal whose size the pty takes, or -1 */
};

struct shim_relay {
	int nchan;
	struct shim_relay_chan chan[4];	/* 0..2's and the trace file's; -t: the terminal's two */
	struct shim_relay_tty tty;
	int cand[3];		/* per descriptor: its channel if the plan takes it, or KEEP/CLOSE */
	struct stat st[3];
	int *plan;		/* MAP_SHARED: written by the launcher, read by the workload */
};

/*
 * Launcher, before the sandbox's first process: a pipe for each of 0..2 that
 * names a file, directory, device node (no terminal) or named FIFO; 1 and 2
 * on one open file description share one.  Nothing is relayed until the plan.
 * With @tty (-t) none of 0..2 is the workload's (its terminal is): no pipes.
 */
int shim_relay_prepare(struct shim_relay *r, bool tty, struct kiste_err *err);
/*
 * Launcher, -t: *@init_end becomes the socket the init sends the master
 * over (kiste_console_make), *@rows and *@cols the caller's terminal's size
 * (0 without one).  @input: -i.
 */
int shim_relay_tty(struct shim_relay *r, bool input, int *init_end, unsigned int *rows,
		   unsigned int *cols, struct kiste_err *err);
/* The sandbox's first process, at once: the launcher's ends are not its own. */
void shim_relay_child(struct shim_relay *r);
/*
 * Launcher, once the sandbox's ids are mapped (@init: its first process, whose
 * uid_map and gid_map are read; 0 without namespaces): a descriptor is
 * relayed when the sandbox could change its object's metadata.
 */
int shim_relay_plan(struct shim_relay *r, pid_t init, bool host_root, struct kiste_err *err);
/*
 * Launcher, after shim_relay_prepare: the --trace-output file @fd (the
 * caller's) is written through a pipe too, so no descriptor of it, and so no
 * magic link to it, is ever the sandbox's (hostile review: a gate jump could
 * chmod it through /proc/self/fd); shim_relay_trace_fd is the pipe's end the
 * guest kernel writes (GK_FD_TRACE), or -1.
 */
int shim_relay_trace(struct shim_relay *r, int fd, struct kiste_err *err);
int shim_relay_trace_fd(const struct shim_relay *r);
/* The workload, before anything else of place_fds: the pipes become 0..2. */
int shim_relay_place(const struct shim_relay *r);
bool shim_relay_active(const struct shim_relay *r);
/*
 * kiste_run_supervise() with the relay in its poll loop: forwards INT, TERM
 * and HUP, kills at @timeout_s, reaps @child into *@wstatus, then moves what
 * the sandbox wrote before it ended.  True when the timeout fired.
 */
bool shim_relay_supervise(struct shim_relay *r, pid_t child, const sigset_t *set,
			  unsigned int timeout_s, int *wstatus);

/*
 * kiste exec (cli/oci_exec.c, cli/exec_standin.c): the same rule for the
 * caller's 0..2 as a run's (README.md, "Descriptors 0-2"), kiste exec's
 * stand-in moving the bytes until the process's status.  @init: the sandbox's
 * init, whose maps are read; -1 when they are unknown (every candidate is
 * relayed).  No -t here: its 0..2 are the terminal's.
 */
int shim_relay_exec_plan(struct shim_relay *r, pid_t init, bool host_root, struct kiste_err *err);
/* What the request sends as @fd (0..2): the sandbox's pipe, @fd itself, or -1 (none). */
int shim_relay_exec_fd(const struct shim_relay *r, int fd);
/* The request went: the stand-in's copies of the output pipes' sandbox ends closed. */
void shim_relay_exec_sent(struct shim_relay *r);
/* No request went (or no process): every pipe closed, the buffers freed. */
void shim_relay_exec_free(struct shim_relay *r);
/* Whether @fd (a --preserve-fds one) is a descriptor the relay would take: 1, 0, or -errno. */
int shim_relay_changeable(int fd, pid_t init, bool host_root);
/* The stand-in's poll loop: the channels' entries from @p[0] (SHIM_RELAY_NPOLL at most). */
#define SHIM_RELAY_NPOLL 4
int shim_relay_exec_poll(struct shim_relay *r, struct pollfd *p, int *who);
void shim_relay_exec_step(struct shim_relay *r, const struct pollfd *p, const int *who, int n);
/* The process has ended: what its pipes hold goes on, unread input goes back (as a run's end). */
void shim_relay_exec_end(struct shim_relay *r);

#endif
