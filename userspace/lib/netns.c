// SPDX-License-Identifier: GPL-2.0
// netns.c - --network ns:PATH's file, checked to be a network namespace (every mode that joins one).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kiste_run.h"

/*
 * O_PATH first: an open of a FIFO or a device node (O_RDONLY) could block or
 * act on the device before anything is checked; O_PATH does neither.  Only a
 * file on nsfs is then opened for real, through /proc/self/fd (the same
 * inode, no second lookup of @path).
 */
int kiste_netns_open(const char *path, struct kiste_err *err)
{
	int pfd = open(path, O_PATH | O_CLOEXEC), fd = -1, type;
	char proc[64];
	struct statfs sfs;

	if (pfd < 0)
		return kiste_err_set(err, -errno, "--network ns:%s: %s: give a network namespace file "
				     "such as /run/netns/NAME or /proc/PID/ns/net",
				     path, strerror(errno));
	if (fstatfs(pfd, &sfs) == 0 && sfs.f_type == NSFS_MAGIC) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
		fd = open(proc, O_RDONLY | O_CLOEXEC);
	}
	close(pfd);
	if (fd < 0 || (type = ioctl(fd, NS_GET_NSTYPE)) < 0 || type != CLONE_NEWNET) {
		if (fd >= 0)
			close(fd);
		return kiste_err_set(err, -EINVAL, "--network ns:%s: not a network namespace: give "
				     "a file such as /run/netns/NAME or /proc/PID/ns/net",
				     path);
	}
	return fd;
}
