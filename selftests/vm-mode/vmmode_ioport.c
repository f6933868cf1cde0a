// SPDX-License-Identifier: GPL-2.0
// vmmode_ioport.c - run in a vm-mode guest: may this process reach the agent's channel ports?
//
// The agent (PID 1) holds I/O permission for its channel's ports, and fork
// shares the I/O bitmap: a process it starts must have given them up, or it
// could end the VM with a status of its choosing.  Reading the exit port is
// harmless either way (the VMM answers reads with 0); without permission
// the read faults.  Prints "ports refused" (exit 0) or "ports reachable"
// (exit 1).  Static: it runs in a --rootfs tree without libraries.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>

#include <kiste/vm_agent.h>

static sigjmp_buf faulted;

static void on_fault(int sig)
{
	siglongjmp(faulted, sig);
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(faulted, 1)) {
		puts("ports refused");
		return 0;
	}
	(void)inl(KISTE_CHAN_PORT_EXIT);
	puts("ports reachable");
	return 1;
}
