// SPDX-License-Identifier: GPL-2.0
// netns.c - --network ns:PATH's file, checked to be a network namespace (every mode that joins one).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kiste_run.h"

int kiste_netns_open(const char *path, struct kiste_err *err)
{
	struct statfs sfs;
	int fd = open(path, O_RDONLY | O_CLOEXEC), type;

	if (fd < 0)
		return kiste_err_set(err, -errno, "--network ns:%s: %s: give a network namespace file "
				     "such as /run/netns/NAME or /proc/PID/ns/net",
				     path, strerror(errno));
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC ||
	    (type = ioctl(fd, NS_GET_NSTYPE)) < 0 || type != CLONE_NEWNET) {
		close(fd);
		return kiste_err_set(err, -EINVAL, "--network ns:%s: not a network namespace: give "
				     "a file such as /run/netns/NAME or /proc/PID/ns/net",
				     path);
	}
	return fd;
}
