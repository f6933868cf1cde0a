// SPDX-License-Identifier: GPL-2.0
// agent_dev.c - the guest's devices before the workload: the spec's kernel modules, disks by name.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

/* How long the disks may take to show up, all together, and how often we look. */
#define DISK_WAIT_MS	10000
#define DISK_POLL_MS	10

int agent_modules_load(struct agent_chan *ch, char *const *mods, int n)
{
	int i, fd, e;
	long r;

	for (i = 0; i < n; i++) {
		fd = open(mods[i], O_RDONLY | O_CLOEXEC);
		r = fd < 0 ? -1 : syscall(SYS_finit_module, fd, "", 0);
		e = errno;
		if (fd >= 0)
			close(fd);
		unlink(mods[i]);	/* initramfs files are guest memory */
		/* EEXIST: built in or loaded already, which is what we want. */
		if (r < 0 && e != EEXIST) {
			agent_log(ch, "cannot load the kernel module %s: %s: %s", mods[i],
				  strerror(e), e == ENOSYS ? "the guest kernel takes no modules" :
				  "the modules kiste packs must be the guest kernel's (--kernel)");
			return -1;
		}
	}
	return 0;
}

/* The first line of a small sysfs file into @buf, newline stripped; -1 when unreadable. */
static int read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* The vdX whose serial (its virtio-blk ID) reads @name, into @dev; -1 while there is none. */
static int disk_find(const char *name, char *dev, size_t len)
{
	char path[300], serial[64];
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int ret = -1;

	while (d && ret < 0 && (e = readdir(d))) {
		if (strncmp(e->d_name, "vd", 2) || strlen(e->d_name) >= len)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/serial", e->d_name);
		if (read_line(path, serial, sizeof(serial)) == 0 && !strcmp(serial, name)) {
			strcpy(dev, e->d_name);
			ret = 0;
		}
	}
	if (d)
		closedir(d);
	return ret;
}

/* /dev/vdX (devtmpfs makes it; else from /sys/block/vdX/dev) and udev's by-id link to it. */
static int disk_link(struct agent_chan *ch, const char *name, const char *dev)
{
	char path[300], target[300], nums[32];
	unsigned int maj, min;
	struct stat st;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	if (stat(path, &st) < 0) {
		snprintf(target, sizeof(target), "/sys/block/%s/dev", dev);
		errno = ENODEV;	/* what is said when its numbers cannot be read */
		if (read_line(target, nums, sizeof(nums)) < 0 ||
		    sscanf(nums, "%u:%u", &maj, &min) != 2 ||
		    mknod(path, S_IFBLK | 0660, makedev(maj, min)) < 0) {
			agent_log(ch, "disk %s is %s, but %s cannot be made: %s", name, dev, path,
				  strerror(errno));
			return -1;
		}
	}
	mkdir("/dev/disk", 0755);
	mkdir("/dev/disk/by-id", 0755);
	snprintf(path, sizeof(path), "/dev/disk/by-id/virtio-%s", name);
	snprintf(target, sizeof(target), "../../%s", dev);
	unlink(path);
	if (symlink(target, path) < 0) {
		agent_log(ch, "cannot link %s to disk %s: %s", path, dev, strerror(errno));
		return -1;
	}
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int agent_disks_wait(struct agent_chan *ch, char *const *names, int n)
{
	const struct timespec poll = { 0, DISK_POLL_MS * 1000000L };
	long end = now_ms() + DISK_WAIT_MS;
	char dev[32];
	int i;

	for (i = 0; i < n; i++) {
		while (disk_find(names[i], dev, sizeof(dev)) < 0) {
			if (now_ms() >= end) {
				agent_log(ch, "disk %s (--block) did not appear within %d s: no "
					  "/sys/block/vd*/serial reads it: refused", names[i],
					  DISK_WAIT_MS / 1000);
				return -1;
			}
			nanosleep(&poll, NULL);
		}
		if (disk_link(ch, names[i], dev) < 0)
			return -1;
	}
	return 0;
}

#define NEW_ROOT	"/.kiste/root"

int agent_root_switch(struct agent_chan *ch, const char *name)
{
	static const char *const moved[] = { "/proc", "/sys", "/dev", "/tmp" };
	char dev[64 + KISTE_VM_BLK_NAME_MAX], to[64];
	const char *step;
	unsigned int i;

	snprintf(dev, sizeof(dev), "/dev/disk/by-id/virtio-%s", name);
	mkdir("/.kiste/lower", 0755);
	mkdir("/.kiste/rw", 0755);
	mkdir(NEW_ROOT, 0755);
	step = "mount the image (erofs)";
	if (mount(dev, "/.kiste/lower", "erofs", MS_RDONLY, NULL) < 0)
		goto fail;
	step = "mount the writable layer (tmpfs)";
	if (mount("tmpfs", "/.kiste/rw", "tmpfs", MS_NOSUID, "mode=0755") < 0 ||
	    mkdir("/.kiste/rw/upper", 0755) < 0 || mkdir("/.kiste/rw/work", 0755) < 0)
		goto fail;
	step = "mount the overlay";
	if (mount("overlay", NEW_ROOT, "overlay", 0, "lowerdir=/.kiste/lower,"
		  "upperdir=/.kiste/rw/upper,workdir=/.kiste/rw/work") < 0)
		goto fail;
	step = "move /proc, /sys, /dev and /tmp into the new root";
	for (i = 0; i < sizeof(moved) / sizeof(moved[0]); i++) {
		snprintf(to, sizeof(to), NEW_ROOT "%s", moved[i]);
		mkdir(to, 0755);
		if (mount(moved[i], to, NULL, MS_MOVE, NULL) < 0)
			goto fail;
	}
	/* The initramfs cannot be pivoted away: move the new root over it (switch_root). */
	step = "switch to the new root";
	if (chdir(NEW_ROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		goto fail;
	return 0;
fail:
	agent_log(ch, "cannot use --rootfs from disk %s: cannot %s: %s", name, step,
		  strerror(errno));
	return -1;
}

/* @path and its parents as directories (0755), like mkdir -p. */
static int mkdirs(char *path)
{
	char *slash;

	for (slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*slash = '/';
			return -1;
		}
		*slash = '/';
	}
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int agent_volumes_mount(struct agent_chan *ch, char *const *vols, int n)
{
	char dev[64 + KISTE_VM_BLK_NAME_MAX], *dst;
	int i;

	for (i = 0; i < n; i++) {
		dst = strchr(vols[i], ':');
		if (!dst || dst[1] != '/') {
			agent_log(ch, "bad volume record '%s' in the spec: refused", vols[i]);
			return -1;
		}
		*dst++ = 0;
		snprintf(dev, sizeof(dev), "/dev/disk/by-id/virtio-%s", vols[i]);
		if (mkdirs(dst) < 0 || mount(dev, dst, "erofs", MS_RDONLY | MS_NOSUID | MS_NODEV,
					     NULL) < 0) {
			agent_log(ch, "cannot mount --volume at %s: %s", dst, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int agent_files_open(struct agent_chan *ch, struct agent_spec *s)
{
	char path[64], *end;
	unsigned long n;
	int i;

	for (i = 0; i < s->nfiles; i++) {
		n = strtoul(s->files[i], &end, 10);
		if (end == s->files[i] || *end != ':' || end[1] != '/' || n >= KISTE_VM_FILE_MAX) {
			agent_log(ch, "bad file record '%s' in the spec: refused", s->files[i]);
			return -1;
		}
		snprintf(path, sizeof(path), KISTE_VM_FILES_DIR "/%lu", n);
		s->file_fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (s->file_fds[i] < 0) {
			agent_log(ch, "the initramfs lacks %s: refused", path);
			return -1;
		}
	}
	return 0;
}

/* Writes @fd's bytes to @dst (created or truncated; a symlink there replaced), then read-only. */
static int file_place(int fd, char *dst)
{
	char buf[8192], *slash = strrchr(dst, '/');
	struct stat st;
	ssize_t n;
	int out, ret = 0;

	if (slash && slash != dst) {
		*slash = 0;
		ret = mkdirs(dst);
		*slash = '/';
		if (ret < 0)
			return -1;
	}
	if (lstat(dst, &st) == 0 && S_ISLNK(st.st_mode) && unlink(dst) < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (close(out) < 0 || n < 0)
		return -1;
	if (mount(dst, dst, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
		  NULL) < 0)
		return -1;
	return 0;
}

int agent_files_place(struct agent_chan *ch, struct agent_spec *s)
{
	int i;

	for (i = 0; i < s->nfiles; i++) {
		char *dst = strchr(s->files[i], ':') + 1;

		if (file_place(s->file_fds[i], dst) < 0) {
			agent_log(ch, "cannot place the file --volume at %s: %s", dst,
				  strerror(errno));
			return -1;
		}
		close(s->file_fds[i]);
	}
	return 0;
}
