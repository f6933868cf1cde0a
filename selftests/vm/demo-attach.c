// SPDX-License-Identifier: GPL-2.0
/* demo-attach.c - VM demo helper: joins sandbox ID|NAME through /dev/kiste, then execs a program. */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libkiste.h>

int main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct kiste_nl *nl;
	uint32_t id;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: demo-attach ID|NAME PROGRAM [ARG...]\n");
		return 2;
	}
	if (kiste_nl_open(&nl, &err) < 0) {
		fprintf(stderr, "demo-attach: %s\n", err.msg);
		return 1;
	}
	if (kiste_sandbox_resolve(nl, argv[1], &id, &err) < 0) {
		fprintf(stderr, "demo-attach: %s\n", err.msg);
		kiste_nl_close(nl);
		return 1;
	}
	kiste_nl_close(nl);

	fd = kiste_dev_open(&err);
	if (fd < 0 || kiste_dev_attach(fd, id, &err) < 0) {
		fprintf(stderr, "demo-attach: %s\n", err.msg);
		return 1;
	}
	/* Membership is irreversible and survives execve; the descriptor is not needed. */
	close(fd);
	printf("demo-attach: pid %d joined sandbox %u, exec %s\n", (int)getpid(), id, argv[2]);
	fflush(stdout);
	execvp(argv[2], argv + 2);
	perror("demo-attach: execvp");
	return 127;
}
