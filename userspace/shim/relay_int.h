/* SPDX-License-Identifier: GPL-2.0 */
/* relay_int.h - the relay's internals shared by relay.c and relay_tty.c (-t). */
#ifndef KISTE_SHIM_RELAY_INT_H
#define KISTE_SHIM_RELAY_INT_H

#include <stdbool.h>

#include "relay.h"

/* One read or write: memory per channel is this buffer and the pipe's 64 KiB. */
#define RELAY_BUF (64 * 1024)

/*
 * relay_tty.c, for the poll loop: the master arrived on the socket (@late: the
 * sandbox has ended already), the caller's terminal's size passed on (SIGWINCH).
 * The caller's terminal's raw mode and its restoring are lib/tty_raw.c's.
 */
void relay_tty_attach(struct shim_relay *r, bool late);
void relay_tty_resize(struct shim_relay_tty *t);

#endif
