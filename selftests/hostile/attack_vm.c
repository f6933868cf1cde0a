// SPDX-License-Identifier: GPL-2.0
// attack_vm.c - a vm-mode workload (root in its guest) against the VMM: the channel, and kiste's data.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiste/vm_agent.h>

#include "attack.h"

static char canary[256];
static int g_files, g_found;
static unsigned long g_kib;

static int scan_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D && (!strcmp(path, "/proc") || !strcmp(path, "/sys") ||
			      !strcmp(path, "/dev")))
		return FTW_SKIP_SUBTREE;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	g_files++;
	g_kib += st->st_size >> 10;
	if (file_has(path, canary, 64 << 20) == 1) {
		printf("guest: canary in %s\n", path);
		g_found++;
	}
	return 0;
}

/* The channel the VMM shares (reserved RAM, named on the command line), through /dev/mem. */
static void scan_chan(void)
{
	unsigned long addr = 0, size = 0;
	char line[4096], *p;
	FILE *f = fopen("/proc/cmdline", "r");
	void *m;
	int fd;

	if (f && fgets(line, sizeof(line), f) && (p = strstr(line, "kiste.chan=")))
		sscanf(p + 11, "%lx,%lx", &addr, &size);
	if (f)
		fclose(f);
	fd = open("/dev/mem", O_RDONLY | O_SYNC);
	m = fd < 0 || !size ? MAP_FAILED : mmap(NULL, size, PROT_READ, MAP_SHARED, fd, addr);
	if (m == MAP_FAILED) {
		printf("guest chan=%s\n", size ? ename(errno) : "not named");
	} else {
		printf("guest chan=%s\n", mem_has(m, size, canary) ? "CANARY" : "clean");
		munmap(m, size);
	}
	if (fd >= 0)
		close(fd);
}

/* Everything kiste put in the guest: processes' environments, files, the channel. */
int cmd_guest(int argc, char **argv)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int procs = 0;

	if (argc < 1)
		return 2;
	unshift(canary, argv[0], sizeof(canary));
	d = opendir("/proc");
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		procs++;
		snprintf(path, sizeof(path), "/proc/%.16s/environ", e->d_name);
		if (file_has(path, canary, 1 << 20) == 1)
			printf("guest: canary in %s\n", path), g_found++;
		snprintf(path, sizeof(path), "/proc/%.16s/cmdline", e->d_name);
		if (file_has(path, canary, 1 << 20) == 1)
			printf("guest: canary in %s\n", path), g_found++;
	}
	if (d)
		closedir(d);
	if (file_has("/proc/cmdline", canary, 1 << 16) == 1)
		printf("guest: canary in /proc/cmdline\n"), g_found++;
	nftw("/", scan_one, 16, FTW_PHYS | FTW_ACTIONRETVAL);
	scan_chan();
	printf("guest: %d processes, %d files (%lu KiB) scanned, found=%d\n", procs, g_files, g_kib,
	       g_found);
	return 0;
}

/*
 * Guest root forges the channel: an output length far past the buffer (the
 * VMM must clamp it, never read past guest RAM into its own memory).
 */
int cmd_chan(int argc, char **argv)
{
	(void)argc, (void)argv;
	if (ioperm(KISTE_CHAN_PORT_EXIT, KISTE_CHAN_PORTS, 1) < 0) {
		printf("chan: ioperm=%s\n", ename(errno));
		return 1;
	}
	printf("chan: forging stdout length 0x7fffffff\n");
	fflush(stdout);
	outl(0x7fffffffu, KISTE_CHAN_PORT_OUT);
	outl(0xffffffffu, KISTE_CHAN_PORT_OUT);
	printf("chan: forged=sent\n");
	return 0;
}
