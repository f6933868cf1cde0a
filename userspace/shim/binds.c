// SPDX-License-Identifier: GPL-2.0
// binds.c - shim mode's --volume SRC:DST[:ro|:rw]: host folders and files bound into the rootfs.
//
// Two halves, as the rootfs itself (launch.c, sandbox.c): the launcher, with
// the caller's rights, makes the mount point in the rootfs (host root only:
// the sandbox's root cannot write there; a --tmpfs's folder too) and, as host root, a detached copy of
// SRC's mounts with its flags set (read-only, nosuid, nodev); the init, root
// of the sandbox's namespaces, attaches each copy at DST beneath the rootfs.
// Without host root the init binds SRC by its path, as any user may inside a
// mount namespace of their own, and DST must exist.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

int shim_bind_opt(struct shim_opts *so, const char *arg, struct kiste_err *err)
{
	int ret;

	if (so->nbinds == SHIM_MAX_BINDS)
		return kiste_err_set(err, -E2BIG, "kiste run: more than %d --volume: use fewer",
				     SHIM_MAX_BINDS);
	ret = kiste_volume_parse(&so->binds[so->nbinds], arg, err);
	if (ret == 0)
		so->nbinds++;
	return ret;
}

static int open_beneath(int dirfd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/*
 * DST in the rootfs, made as runc makes it (folders 0755, an empty file for a
 * file SRC), one component at a time beneath @rootfd with no link followed:
 * an image's links never take host root's writes out of the rootfs.
 */
static int make_mountpoint(int rootfd, const char *dst, bool dir, const char *opt,
			   struct kiste_err *err)
{
	char path[PATH_MAX], *comp, *next;
	int cur = dup(rootfd), fd = -1;

	snprintf(path, sizeof(path), "%s", dst);
	for (comp = path; cur >= 0 && comp; comp = next) {
		while (*comp == '/')
			comp++;
		next = strchr(comp, '/');
		if (next)
			*next++ = 0;
		if (!*comp)
			continue;
		fd = open_beneath(cur, comp);
		if (fd < 0 && errno == ENOENT) {
			if (next || dir)
				mkdirat(cur, comp, 0755);
			else
				close(openat(cur, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
						     O_CLOEXEC, 0644));
			fd = open_beneath(cur, comp);
		}
		close(cur);
		cur = fd;
	}
	if (cur < 0)
		return kiste_err_set(err, -errno, "%s: cannot make %s in the rootfs: %s", opt, dst,
				     strerror(errno));
	close(cur);
	return 0;
}

int shim_binds_prepare(const struct shim_opts *so, bool host_root, int *fds,
		       struct kiste_err *err)
{
	char what[2 * PATH_MAX + 16];
	mode_t old_umask;
	struct stat st, hst;
	int i, rootfd = -1, ret = 0;

	for (i = 0; i < so->nbinds; i++)
		fds[i] = -1;
	if ((!so->nbinds && !so->ntmpfs) || !host_root)
		return 0;
	/*
	 * Never on the host's own tree, whatever its name ("/.", "//", a link):
	 * DST would be made in the host's /.  The folder opened is the one judged.
	 */
	rootfd = open(so->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd >= 0 && (fstat(rootfd, &st) < 0 || stat("/", &hst) < 0 ||
			    (st.st_dev == hst.st_dev && st.st_ino == hst.st_ino))) {
		close(rootfd);
		rootfd = -1;
	}
	/* runc's modes whatever the container's umask (OCI create sets it for the init). */
	old_umask = umask(022);
	/* A --tmpfs's folder too (podman --read-only asks for /run, /var/tmp: runc makes them). */
	for (i = 0; i < so->ntmpfs && rootfd >= 0 && ret == 0; i++) {
		snprintf(what, sizeof(what), "--tmpfs %s", so->tmpfs[i]);
		ret = make_mountpoint(rootfd, so->tmpfs[i], true, what, err);
	}
	for (i = 0; i < so->nbinds && ret == 0; i++) {
		const struct kiste_volume *b = &so->binds[i];
		struct mount_attr attr = {
			.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				    (b->ro ? MOUNT_ATTR_RDONLY : 0),
		};

		if (stat(b->src, &st) < 0) {
			ret = kiste_err_set(err, -errno, "--volume %s: %s", b->src, strerror(errno));
			break;
		}
		snprintf(what, sizeof(what), "--volume %.*s:%s", PATH_MAX, b->src, b->dst);
		if (rootfd >= 0)
			ret = make_mountpoint(rootfd, b->dst, S_ISDIR(st.st_mode), what, err);
		if (ret < 0)
			break;
		fds[i] = (int)syscall(SYS_open_tree, AT_FDCWD, b->src,
				      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (fds[i] < 0 || syscall(SYS_mount_setattr, fds[i], "", AT_EMPTY_PATH | AT_RECURSIVE,
					  &attr, sizeof(attr)) < 0)
			ret = kiste_err_set(err, -errno, "--volume %s: cannot copy its mounts: %s",
					    b->src, strerror(errno));
	}
	umask(old_umask);
	if (rootfd >= 0)
		close(rootfd);
	if (ret < 0)
		shim_binds_close(so, fds);
	return ret;
}

void shim_binds_close(const struct shim_opts *so, int *fds)
{
	int i;

	for (i = 0; i < so->nbinds; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int shim_binds_open(const struct shim_opts *so, int *fds, struct kiste_err *err)
{
	int i;

	for (i = 0; i < so->nbinds; i++) {
		fds[i] = open(so->binds[i].src, O_PATH | O_CLOEXEC);
		if (fds[i] < 0) {
			kiste_err_set(err, -errno, "--volume %s: %s", so->binds[i].src,
				      strerror(errno));
			shim_binds_close(so, fds);
			return err->code;
		}
	}
	return 0;
}

/* Without a copy: SRC (@srcfd, opened before the rootfs was staged), then its flags. */
static int bind_by_path(const struct kiste_volume *b, int srcfd, int dstfd, int rootfd,
			struct kiste_err *err)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (b->ro ? MOUNT_ATTR_RDONLY : 0),
	};
	char at[64], from[64];
	int fd, r;

	snprintf(at, sizeof(at), "/proc/self/fd/%d", dstfd);
	snprintf(from, sizeof(from), "/proc/self/fd/%d", srcfd);
	if (mount(from, at, NULL, MS_BIND | MS_REC, NULL) < 0)
		return kiste_err_set(err, -errno, "--volume %s:%s: cannot bind: %s", b->src, b->dst,
				     strerror(errno));
	fd = open_beneath(rootfd, b->dst + 1);
	r = fd < 0 ? -1 : (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE,
				       &attr, sizeof(attr));
	if (r < 0)
		kiste_err_set(err, -errno, "--volume %s:%s: cannot seal it: %s", b->src, b->dst,
			      strerror(errno));
	if (fd >= 0)
		close(fd);
	return r < 0 ? -errno : 0;
}

int shim_binds_attach(const struct shim_opts *so, const char *tgt, int *fds, bool by_path,
		      struct kiste_err *err)
{
	int i, rootfd, dstfd, ret = 0;

	if (!so->nbinds)
		return 0;
	rootfd = open(tgt, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return kiste_err_set(err, -errno, "cannot open the rootfs: %s", strerror(errno));
	for (i = 0; i < so->nbinds && ret == 0; i++) {
		const struct kiste_volume *b = &so->binds[i];

		/* Beneath the rootfs, no link followed: DST never lands outside it. */
		dstfd = open_beneath(rootfd, b->dst + 1);
		if (dstfd < 0) {
			ret = kiste_err_set(err, -errno, "--volume %s:%s: %s in the rootfs%s",
					    b->src, b->dst, strerror(errno),
					    errno == ENOENT ? ": create it there" : "");
			break;
		}
		if (!by_path) {
			if (syscall(SYS_move_mount, fds[i], "", dstfd, "",
				    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
				ret = kiste_err_set(err, -errno, "--volume %s:%s: cannot attach: %s",
						    b->src, b->dst, strerror(errno));
		} else {
			ret = bind_by_path(b, fds[i], dstfd, rootfd, err);
		}
		close(dstfd);
	}
	close(rootfd);
	shim_binds_close(so, fds);
	return ret;
}
