/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exec_standin.h - kiste exec's stand-in: the process's signals passed on,
 * its status back as kiste run gives it, and -t's terminal relayed.
 */
#ifndef KISTE_CLI_EXEC_STANDIN_H
#define KISTE_CLI_EXEC_STANDIN_H

#include <signal.h>
#include <stdbool.h>

void exec_forward_setup(sigset_t *waitmask);
void exec_forward_winch(sigset_t *waitmask);
struct shim_relay;
int exec_stand_in(int sock, const char *what, const sigset_t *waitmask, struct shim_relay *relay);
int exec_stand_in_tty(int sock, int tsock, bool input, const char *what,
		      const sigset_t *waitmask);

#endif
