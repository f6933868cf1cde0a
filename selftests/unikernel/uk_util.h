/* SPDX-License-Identifier: GPL-2.0 */
/* uk_util.h - helpers shared by the unikernel-mode tests: paths, KVM probe, argument lists. */
#ifndef KISTE_UK_UTIL_H
#define KISTE_UK_UTIL_H

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "util.h"

/* The build's unikernel directory (examples; tests/ holds the test unikernels). */
static inline const char *uk_path(const char *rel)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char bin[PATH_MAX];
	char *buf = bufs[next++ % 8];

	snprintf(bin, sizeof(bin), "%s", kiste_bin());
	snprintf(buf, PATH_MAX, "%s/../unikernel/%s", dirname(bin), rel);
	return buf;
}

/* NULL when vm isolation can run here, else why not. */
static inline const char *uk_vm_unavailable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return "/dev/kvm is not available: vm isolation cannot run here";
	close(fd);
	return NULL;
}

/*
 * What privilege process @pid still holds (a unikernel's process or VMM holds
 * none): run as root, any id other than nobody (65534) in its Uid or Gid
 * line; any id 0; any capability but the bounding set; any supplementary
 * group.  0 and "" when it holds none, else how many findings, named in @what.
 */
static inline int uk_privilege_left(pid_t pid, char *what, size_t len)
{
	char path[64], line[256];
	unsigned int r, e, sv, fs;
	unsigned long long v;
	int bad = 0, ids = 0, caps = 0;
	size_t at = 0;
	FILE *f;

	what[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f) {
		snprintf(what, len, "%s: cannot open", path);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		int wrong = 0;

		if (sscanf(line, "Uid: %u %u %u %u", &r, &e, &sv, &fs) == 4 ||
		    sscanf(line, "Gid: %u %u %u %u", &r, &e, &sv, &fs) == 4) {
			ids++;
			wrong = !(r && e && sv && fs) ||
				(geteuid() == 0 && !(r == 65534 && e == 65534 && sv == 65534 &&
						     fs == 65534));
		} else if (!strncmp(line, "Cap", 3) && strncmp(line, "CapBnd", 6) &&
			   sscanf(strchr(line, ':') + 1, "%llx", &v) == 1) {
			caps++;
			wrong = v != 0;
		} else if (!strncmp(line, "Groups:", 7)) {
			wrong = strpbrk(line + 7, "0123456789") != NULL;
		}
		if (wrong) {
			bad++;
			if (at < len)
				at += snprintf(what + at, len - at, "%s", line);
		}
	}
	fclose(f);
	if (ids != 2 || caps != 4) {	/* Uid, Gid; CapInh, CapPrm, CapEff, CapAmb */
		bad++;
		if (at < len)
			snprintf(what + at, len - at, "%s: %d id and %d capability lines", path, ids,
				 caps);
	}
	return bad;
}

#endif /* KISTE_UK_UTIL_H */
