// SPDX-License-Identifier: GPL-2.0
// policy.c - `kiste policy shim`: prints the shim allowlist table and its size.
#include <stdio.h>
#include <string.h>

#include "allowlist.h"
#include "kiste_run.h"
#include "shim.h"

int shim_policy(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: kiste policy shim\n\nPrints the host syscalls shim mode's guest "
		       "kernel may make, with their argument restrictions; every other call "
		       "kills.\n");
		return KISTE_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "kiste policy: shim takes no arguments: kiste policy shim\n");
		return KISTE_EXIT_USAGE;
	}
	shim_allowlist_print(stdout);
	return KISTE_EXIT_OK;
}
