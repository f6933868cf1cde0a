// SPDX-License-Identifier: GPL-2.0
// kt_freezer.c - the cgroup v1 freezer the dying-sandbox suite holds members in (kt_freezer.h).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kt_freezer.h"
#include "ktest.h"

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static bool frozen(const char *grp)
{
	char path[256], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/freezer.state", grp);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strncmp(buf, "FROZEN", 6) == 0;
}

/* The mount point is a new directory under the first of /tmp, /run and / that takes one. */
int kt_frz_setup(struct kt_freezer *f)
{
	static const char *const bases[] = { "/tmp", "/run", "/" };
	size_t i;

	for (i = 0; i < 3 && !f->root[0]; i++) {
		snprintf(f->root, sizeof(f->root), "%s/kt-frz-XXXXXX",
			 strcmp(bases[i], "/") ? bases[i] : "");
		if (!mkdtemp(f->root))
			f->root[0] = '\0';
	}
	if (!f->root[0])
		return -errno;
	if (mount("kt-freezer", f->root, "cgroup", 0, "freezer") < 0) {
		int ret = -errno;

		rmdir(f->root);
		f->root[0] = '\0';
		return ret;
	}
	snprintf(f->grp, sizeof(f->grp), "%s/kt-%d", f->root, (int)getpid());
	if (mkdir(f->grp, 0700) < 0)
		return -errno;
	return 0;
}

int kt_frz_freeze(struct kt_freezer *f, pid_t pid)
{
	char path[256], val[32];
	int ret, i;

	snprintf(path, sizeof(path), "%s/cgroup.procs", f->grp);
	snprintf(val, sizeof(val), "%d", (int)pid);
	ret = write_file(path, val);
	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), "%s/freezer.state", f->grp);
	ret = write_file(path, "FROZEN");
	if (ret < 0)
		return ret;
	for (i = 0; i < 500 && !frozen(f->grp); i++)
		kt_sleep_ms(KT_STEP_MS);
	return frozen(f->grp) ? 0 : -ETIMEDOUT;
}

void kt_frz_thaw(struct kt_freezer *f)
{
	char path[256];

	if (!f->grp[0])
		return;
	snprintf(path, sizeof(path), "%s/freezer.state", f->grp);
	write_file(path, "THAWED");
}

void kt_frz_cleanup(struct kt_freezer *f)
{
	int i;

	kt_frz_thaw(f);
	if (f->grp[0]) {
		/* The group empties once its killed tasks are reaped. */
		for (i = 0; i < 200 && rmdir(f->grp) < 0 && errno == EBUSY; i++) {
			kt_reap_all(KT_STEP_MS);
			kt_sleep_ms(KT_STEP_MS);
		}
		f->grp[0] = '\0';
	}
	if (f->root[0]) {
		umount2(f->root, MNT_DETACH);
		rmdir(f->root);
		f->root[0] = '\0';
	}
}
