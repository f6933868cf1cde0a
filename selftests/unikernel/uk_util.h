/* SPDX-License-Identifier: GPL-2.0 */
/* uk_util.h - helpers shared by the unikernel-mode tests: paths, KVM probe, argument lists. */
#ifndef KISTE_UK_UTIL_H
#define KISTE_UK_UTIL_H

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
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

#endif /* KISTE_UK_UTIL_H */
