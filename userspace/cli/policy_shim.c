// SPDX-License-Identifier: GPL-2.0
// policy_shim.c - `kiste policy shim`: prints the shim allowlist table and its size.
#include <stdio.h>
#include <string.h>

#include "../shim/allowlist.h"
#include "run_shim.h"

/* Resolved when the shim objects are linked in (userspace/Makefile's SHIM block). */
extern void shim_allowlist_print(FILE *f) __attribute__((weak));

int policy_shim_main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: kiste policy shim\nPrints the host syscalls shim mode's guest kernel "
		       "may make, with their argument restrictions; every other call kills.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "kiste: policy shim takes no arguments: kiste policy shim\n");
		return 2;
	}
	if (!shim_allowlist_print) {
		fprintf(stderr, "kiste: this kiste was built without shim mode\n");
		return 1;
	}
	shim_allowlist_print(stdout);
	return 0;
}
