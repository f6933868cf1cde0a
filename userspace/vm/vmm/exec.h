/* SPDX-License-Identifier: GPL-2.0 */
/* exec.h - `kiste exec` in vm mode: the VMM's end of exec.sock and of the channel's exec slots. */
#ifndef KISTE_LINUX_EXEC_H
#define KISTE_LINUX_EXEC_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include <kiste/vm_agent.h>

/* One connection of kiste exec's, and the slot its process has in the guest. */
struct linux_exec_sess {
	int fd;			/* the connection; -1: the slot is free */
	int phase;		/* exec.c's enum */
	uint32_t stage_len;	/* stdin bytes received and not yet in the ring */
	uint32_t stage_off;
	bool out_blocked;	/* the connection was full: wait for POLLOUT */
	bool taken;		/* the staged stdin went in: TAKEN is owed to the caller */
	bool data_waits;	/* a second stdin message waits in the connection (not read) */
	uint8_t *stage;		/* KISTE_EXEC_DATA_MAX bytes */
	/* The host's own counts: the guest's copies in the slot are never read back. */
	uint32_t in_head;
	uint32_t out_tail[2];
};

struct linux_exec {
	int listen_fd;		/* exec.sock, listening; -1: no exec */
	struct kiste_chan_exec *slot[KISTE_CHAN_EXEC_SLOTS];
	struct linux_exec_sess sess[KISTE_CHAN_EXEC_SLOTS];
	uint8_t *buf;		/* one message: a request, or a DATA message out */
	unsigned int quiet;	/* rounds in a row that moved nothing (the poll slows down) */
};

/* @chan: the channel's start in guest RAM.  -ENOMEM with nothing held, else 0. */
int linux_exec_init(struct linux_exec *x, int listen_fd, uint8_t *chan);
/*
 * Adds its descriptors to @p (from @n, at most 1 + KISTE_CHAN_EXEC_SLOTS)
 * and lowers *@timeout_ms while a session runs (the rings are polled).
 * Returns how many it added.
 */
unsigned int linux_exec_poll(struct linux_exec *x, struct pollfd *p, int *timeout_ms);
/* After poll: accepts, reads requests and stdin, moves the rings. */
void linux_exec_serve(struct linux_exec *x, const struct pollfd *p);
/*
 * The VM stopped: what the rings hold goes out, then every process still
 * running is reported killed; frees what init took.  Again, or without
 * init: nothing.
 */
void linux_exec_end(struct linux_exec *x);

#endif /* KISTE_LINUX_EXEC_H */
