// SPDX-License-Identifier: GPL-2.0
// sandbox.c - shim host layers: read-only root, /dev, /proc, tmpfs, pivot, Landlock, rlimits.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "boot.h"
#include "shim.h"

/* ptys in a sandbox's own devpts (its max=): they all share kernel.pty.max. */
#define SHIM_PTY_MAX "256"
#define SHIM_PTY_MAX_N 256

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int setattr_tree(const char *path, uint64_t set)
{
	struct mount_attr a = { .attr_set = set };

	return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &a, sizeof(a));
}

/* The caller's terminal's name when it is /dev/pts/N: N, else -1. */
static int caller_pts(void)
{
	char host[PATH_MAX];
	char *end;
	long n;

	if (!isatty(0) || ttyname_r(0, host, sizeof(host)) || strncmp(host, "/dev/pts/", 9))
		return -1;
	n = strtol(host + 9, &end, 10);
	return host[9] && !*end && n >= 0 && n < 65536 ? (int)n : -1;
}

/*
 * The caller's terminal at its own name (/dev/ttyS0, /dev/tty1, ...), so that
 * ttyname() finds it: readlink of /proc/self/fd/0, then stat of that path.
 * A /dev/pts/N terminal goes into the sandbox's own devpts (bind_caller_pts).
 */
static void bind_tty(const char *dev)
{
	char host[PATH_MAX], p[2 * PATH_MAX + 16], *slash;
	int fd;

	if (!isatty(0) || ttyname_r(0, host, sizeof(host)) || strncmp(host, "/dev/", 5) ||
	    strstr(host, "..") || !strncmp(host, "/dev/pts/", 9))
		return;
	snprintf(p, sizeof(p), "%s/%s", dev, host + 5);
	slash = strrchr(p, '/');
	if (slash > p + strlen(dev)) {
		*slash = 0;
		mkdir(p, 0755);
		*slash = '/';
	}
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0620);
	if (fd >= 0)
		close(fd);
	if (mount(host, p, NULL, MS_BIND, NULL) < 0)
		unlink(p);
}

/*
 * The caller's /dev/pts/@n inside the sandbox's own devpts, where ptys work
 * too (they did not while the caller's terminal took /dev/pts): ptys of the
 * new instance are opened up to index @n, whose node then takes a read-only
 * bind of the caller's terminal.  The init keeps that pty's master open for
 * the sandbox's life (a node whose pty goes away takes its mount with it);
 * the lower ones go again.  Past the instance's max, no node: ttyname() then
 * fails inside, as with a terminal the sandbox cannot name.
 */
static void bind_caller_pts(const char *dev, int n)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					    MOUNT_ATTR_NOEXEC };
	char ptmx[PATH_MAX + 16], p[PATH_MAX + 32], host[32];
	int held[SHIM_PTY_MAX_N], nheld = 0, m, idx, keep = -1;

	snprintf(ptmx, sizeof(ptmx), "%s/pts/ptmx", dev);
	while (nheld < SHIM_PTY_MAX_N) {
		m = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (m < 0 || ioctl(m, TIOCGPTN, &idx) < 0 || idx > n) {
			if (m >= 0)
				close(m);
			break;
		}
		if (idx == n) {
			keep = m;
			break;
		}
		held[nheld++] = m;
	}
	while (nheld > 0)
		close(held[--nheld]);
	if (keep < 0)
		return;
	snprintf(p, sizeof(p), "%s/pts/%d", dev, n);
	snprintf(host, sizeof(host), "/dev/pts/%d", n);
	if (mount(host, p, NULL, MS_BIND, NULL) < 0 ||
	    syscall(SYS_mount_setattr, AT_FDCWD, p, 0, &ro, sizeof(ro)) < 0) {
		umount2(p, MNT_DETACH);
		close(keep);
	}
	/* @keep stays open in the init (never exec'd; the workload's place_fds closes it). */
}

/* The terminal node bind_tty placed, for Landlock; empty when there is none. */
static void tty_node(char *out, size_t n)
{
	out[0] = 0;
	if (isatty(0) && !ttyname_r(0, out, n) && strncmp(out, "/dev/", 5))
		out[0] = 0;
}

/* A new filesystem of @type with @opts (key, value pairs), mounted nowhere (fsmount). */
static int detached_mount(const char *type, const char *const *opts, unsigned int attr,
			  struct kiste_err *err)
{
	int fs = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC), m, i;

	if (fs < 0)
		return kiste_err_set(err, -errno, "cannot create the sandbox's %s: %s", type,
				     strerror(errno));
	for (i = 0; opts && opts[i]; i += 2)
		if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0) < 0)
			goto fail;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto fail;
	m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attr);
	if (m < 0)
		goto fail;
	close(fs);
	return m;
fail:
	i = -errno;
	close(fs);
	return kiste_err_set(err, i, "cannot mount the sandbox's %s: %s", type, strerror(-i));
}

/*
 * The guest kernel's /proc: a procfs of the sandbox's pid namespace mounted
 * nowhere, so no path in the rootfs leads into it; the guest kernel decides
 * what of it the workload sees.
 */
static int detached_proc(struct kiste_err *err)
{
	return detached_mount("proc", NULL, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
			      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
}

/*
 * Where the guest kernel keeps shadow lock files (gk/locks.c): a small
 * private tmpfs mounted nowhere, one empty file per locked read-only inode;
 * the inode cap bounds what a workload can make it hold.
 */
static int detached_locks(struct kiste_err *err)
{
	static const char *const opts[] = { "mode", "0700", "size", "64k", "nr_inodes", "16384",
					    NULL };

	return detached_mount("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			      MOUNT_ATTR_NOEXEC, err);
}

/*
 * Pseudo-terminals of the sandbox's own (openpty, pty.fork, script): a new
 * devpts instance at /dev/pts, its ptmx at /dev/ptmx, nothing shared with the
 * host's ptys.  Not while the caller's own terminal is bound at /dev/pts/N
 * (that name is how `tty` finds it): such a sandbox has no ptys of its own
 * yet.  With kiste run -t the caller's terminal is not bound (the init's
 * stdin is /dev/null then) and the workload's terminal is a pty of this one.
 */

static int setup_pts(const char *dev, bool mount_now, struct kiste_err *err)
{
	char p[PATH_MAX + 32], q[PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s/pts", dev);
	snprintf(q, sizeof(q), "%s/ptmx", dev);
	/* Before /dev is sealed: the folder and the link; after it: the mount. */
	if (!mount_now && (mkdir(p, 0755) < 0 || symlink("pts/ptmx", q) < 0))
		return kiste_err_set(err, -errno, "cannot populate /dev: %s", strerror(errno));
	/*
	 * Its own instance, at most SHIM_PTY_MAX ptys: all instances share
	 * kernel.pty.max, and one sandbox took every pty but the host's reserve
	 * (hostile review), leaving none for the others.
	 */
	if (mount_now && mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC,
			       "newinstance,ptmxmode=0666,mode=0620,max=" SHIM_PTY_MAX) < 0)
		return kiste_err_set(err, -errno, "cannot mount the sandbox's /dev/pts: %s",
				     strerror(errno));
	return 0;
}

/* podman's default --shm-size; never more than the sandbox's memory (its pages count there). */
#define SHM_SIZE_MAX (64ULL << 20)

/*
 * A fresh /dev with the harmless nodes only, bound from the host's, and
 * /dev/shm: the sandbox's own tmpfs for POSIX shared memory and semaphores
 * (shm_open, sem_open; Python's multiprocessing), nothing shared with the host.
 */
static int setup_dev(const char *root, uint64_t memory, struct kiste_err *err)
{
	char dev[PATH_MAX + 8], p[PATH_MAX + 32], host[64], opts[64];
	int pts_n = caller_pts();
	size_t i;

	snprintf(dev, sizeof(dev), "%s/dev", root);
	if (!is_dir(dev))
		return 0;
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0)
		return kiste_err_set(err, -errno, "cannot mount /dev in the sandbox: %s",
				     strerror(errno));
	for (i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		int fd;

		snprintf(p, sizeof(p), "%s/%s", dev, dev_nodes[i]);
		snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
		fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
		if (fd >= 0)
			close(fd);
		if (mount(host, p, NULL, MS_BIND, NULL) < 0 && i < 5)
			return kiste_err_set(err, -errno, "cannot bind %s into the sandbox: %s", host,
					     strerror(errno));
	}
	bind_tty(dev);
	if (setup_pts(dev, false, err) < 0)
		return err->code;
	snprintf(p, sizeof(p), "%s/fd", dev);
	if (symlink("/proc/self/fd", p) < 0)
		return kiste_err_set(err, -errno, "cannot populate /dev: %s", strerror(errno));
	snprintf(p, sizeof(p), "%s/mqueue", dev);
	if (mkdir(p, 0755) < 0)
		return kiste_err_set(err, -errno, "cannot populate /dev: %s", strerror(errno));
	snprintf(p, sizeof(p), "%s/shm", dev);
	if (mkdir(p, 0755) < 0)
		return kiste_err_set(err, -errno, "cannot populate /dev: %s", strerror(errno));
	/*
	 * Read-only down to each bound node: a device's data is unaffected, but
	 * chmod, chown and utime of the host's node (the caller's terminal) fail.
	 */
	if (setattr_tree(dev, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC) < 0)
		return kiste_err_set(err, -errno, "cannot seal /dev: %s", strerror(errno));
	/* Mounted after the seal, which would make it read-only too. */
	snprintf(opts, sizeof(opts), "mode=1777,size=%llu",
		 (unsigned long long)(memory && memory < SHM_SIZE_MAX ? memory : SHM_SIZE_MAX));
	if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		return kiste_err_set(err, -errno, "cannot mount /dev/shm in the sandbox: %s",
				     strerror(errno));
	/*
	 * The ipc namespace's own message-queue filesystem, where containers show
	 * it: mq_open creates its files there, so Landlock must allow it by this path.
	 */
	snprintf(p, sizeof(p), "%s/mqueue", dev);
	if (mount("mqueue", p, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return kiste_err_set(err, -errno, "cannot mount /dev/mqueue in the sandbox: %s",
				     strerror(errno));
	if (setup_pts(dev, true, err) < 0)
		return err->code;
	if (pts_n >= 0)
		bind_caller_pts(dev, pts_n);
	return 0;
}

/* An empty read-only tmpfs over @base/kiste-run and @base/kiste in the tree @tgt, where they are folders. */
static void hide_under(const char *tgt, const char *base)
{
	static const char *const names[] = { "kiste-run", "kiste" };
	char p[PATH_MAX];
	struct stat st;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (snprintf(p, sizeof(p), "%s%s/%s", tgt, base, names[i]) >= (int)sizeof(p) ||
		    lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		      "size=4k,mode=0755");
	}
}

/*
 * kiste's own state in the tree (the host's "/" shows it): the run folder
 * (NAME.exec holds a named run's -e values) and the OCI --root (its
 * containers' state): root's under /run, each user's under /run/user/UID
 * (systemd's $XDG_RUNTIME_DIR) and under the caller's $XDG_RUNTIME_DIR
 * wherever it is, each covered by an empty read-only tmpfs.  A hostile
 * review read another run's token from NAME.exec in a sandbox of the same
 * user.  A link is left as it is (the caller's own to make).
 */
static void hide_kiste_state(const char *tgt)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	char p[PATH_MAX], base[PATH_MAX];
	struct dirent *e;
	DIR *d;

	hide_under(tgt, "/run");
	if (x && x[0] == '/' && strlen(x) < sizeof(base))
		hide_under(tgt, x);
	if (snprintf(p, sizeof(p), "%s/run/user", tgt) >= (int)sizeof(p))
		return;
	d = opendir(p);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strspn(e->d_name, "0123456789") != strlen(e->d_name))
			continue;
		snprintf(base, sizeof(base), "/run/user/%s", e->d_name);
		hide_under(tgt, base);
	}
	if (d)
		closedir(d);
}

/*
 * A --tmpfs, bounded: its size=, else the sandbox's memory limit (its pages
 * are charged to the sandbox's memory cgroup too, where there is one).
 */
static int setup_tmpfs(const char *root, const char *path, uint64_t size, struct kiste_err *err)
{
	char p[2 * PATH_MAX], opts[64];

	if (path[0] != '/' || strstr(path, ".."))
		return kiste_err_set(err, -EINVAL, "--tmpfs %s: give an absolute path without '..'",
				     path);
	snprintf(p, sizeof(p), "%s%s", strcmp(root, "/") ? root : "", path);
	if (!is_dir(p))
		return kiste_err_set(err, -ENOENT,
				     "--tmpfs %s: no such directory in the rootfs: create it there",
				     path);
	snprintf(opts, sizeof(opts), "mode=1777,size=%llu", (unsigned long long)size);
	if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, size ? opts : "mode=1777") < 0)
		return kiste_err_set(err, -errno, "--tmpfs %s: mount failed: %s", path,
				     strerror(errno));
	return 0;
}

/*
 * The root "/" cannot be bound onto itself and pivoted into (the process root
 * stays under the new mount), so it is bound at a staging directory instead;
 * so is a rootfs the sandbox cannot walk to (@tree_fd >= 0: the launcher's
 * detached copy of it, attached there).
 */
static int bind_root(const char *root, int tree_fd, char *target, size_t n,
		     struct kiste_err *err)
{
	char p[PATH_MAX + 8];

	snprintf(target, n, "%s", root);
	if (tree_fd >= 0 || !strcmp(root, "/")) {
		snprintf(target, n, "/tmp/.kiste-root");
		if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=4k,mode=0700") < 0 ||
		    mkdir(target, 0700) < 0)
			return kiste_err_set(err, -errno, "cannot stage the rootfs: %s", strerror(errno));
	}
	if (tree_fd >= 0 &&
	    syscall(SYS_move_mount, tree_fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return kiste_err_set(err, -errno, "cannot attach the rootfs %s: %s", root,
				     strerror(errno));
	if (tree_fd < 0 && mount(root, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return kiste_err_set(err, -errno, "cannot bind the rootfs %s: %s", root,
				     strerror(errno));
	if (!strcmp(root, "/")) {
		snprintf(p, sizeof(p), "%s/tmp", target);
		if (umount2(p, MNT_DETACH) < 0)
			return kiste_err_set(err, -errno, "cannot unstage /tmp: %s", strerror(errno));
	}
	return 0;
}

/*
 * Read-only rests on the mounts, for every mount below the root too.  With
 * --rw only the rootfs's own mount becomes writable, after the directory as
 * mounted passed the protected-path check (a bind mount of the host's root
 * or /etc below it stays read-only).
 */
static int rootfs_seal(const struct shim_opts *so, const char *tgt, struct kiste_err *err)
{
	struct mount_attr rw = { .attr_clr = MOUNT_ATTR_RDONLY };
	int fd, r;

	/*
	 * No device node in it opens either (the sandbox's /dev is its own): a
	 * node the sandbox's ids own, as in a user's --rootfs, would be a device.
	 */
	if (setattr_tree(tgt, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_RDONLY) < 0)
		return kiste_err_set(err, -errno, "cannot make the rootfs read-only: %s "
				     "(kernel >= 5.12 needed)", strerror(errno));
	if (!so->rw)
		return 0;
	fd = open(tgt, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return kiste_err_set(err, -errno, "cannot open the rootfs: %s", strerror(errno));
	r = kiste_rootfs_check_fd(fd, so->rootfs, err);
	if (r == 0 && syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &rw, sizeof(rw)) < 0)
		r = kiste_err_set(err, -errno, "cannot make the rootfs writable: %s",
				  strerror(errno));
	close(fd);
	return r;
}

/*
 * With the host's / as the rootfs, /root is the host's (unreadable to the
 * sandbox: every `bash -c` complained about /root/.bashrc) and HOME=/root is
 * read-only.  The sandbox gets an empty /root of its own instead, a tmpfs as
 * /dev/shm is, unless a --tmpfs names /root already.
 */
bool shim_own_home(const struct shim_opts *so)
{
	char root[PATH_MAX];
	int i;

	if (!realpath(so->rootfs, root) || strcmp(root, "/") || !is_dir("/root"))
		return false;
	for (i = 0; i < so->ntmpfs; i++)
		if (!strcmp(so->tmpfs[i], "/root"))
			return false;
	return true;
}

/* Runs as root of the sandbox's own user namespace, in its own mount namespace. */
int shim_setup_mounts(const struct kiste_run_opts *o, const struct shim_opts *so, int tree_fd,
		      int *bind_fds, int *proc_fd, int *locks_fd, struct kiste_err *err)
{
	char root[PATH_MAX], tgt[PATH_MAX], p[PATH_MAX + 8];
	/* No copies without host root (binds.c): the sources by path, before /tmp is staged. */
	bool by_path = so->nbinds && bind_fds[0] < 0;
	int i, r;

	if (by_path && shim_binds_open(so, bind_fds, err) < 0)
		return err->code;
	if (!realpath(so->rootfs, root)) {
		/*
		 * Host root's rootfs below folders only root may enter (podman's
		 * storage is 0700): the sandbox's root, never host root, takes
		 * the copy of it the launcher made.
		 */
		if (errno != EACCES || tree_fd < 0)
			return kiste_err_set(err, -errno, "--rootfs %s: %s", so->rootfs,
					     strerror(errno));
		snprintf(root, sizeof(root), "%s", so->rootfs);
	} else {
		tree_fd = -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return kiste_err_set(err, -errno, "cannot make mounts private: %s", strerror(errno));
	r = bind_root(root, tree_fd, tgt, sizeof(tgt), err);
	if (r < 0)
		return r;
	r = rootfs_seal(so, tgt, err);
	if (r == 0)
		r = shim_binds_attach(so, tgt, bind_fds, by_path, err);
	if (r < 0)
		return r;
	shim_stats_mark("rootfs and binds mounted");
	*proc_fd = detached_proc(err);
	if (*proc_fd < 0)
		return *proc_fd;
	shim_stats_mark("detached procfs");
	*locks_fd = detached_locks(err);
	if (*locks_fd < 0)
		return *locks_fd;
	shim_stats_mark("lock tmpfs");
	/* Empty: the host's procfs and sysfs (bound along with /) are not the sandbox's. */
	snprintf(p, sizeof(p), "%s/proc", tgt);
	if (is_dir(p))
		mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k");
	snprintf(p, sizeof(p), "%s/sys", tgt);
	if (is_dir(p))
		mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k");
	hide_kiste_state(tgt);
	r = setup_dev(tgt, o->memory, err);
	for (i = 0; r == 0 && i < so->ntmpfs; i++)
		r = setup_tmpfs(tgt, so->tmpfs[i], so->tmpfs_size[i] ? so->tmpfs_size[i] : o->memory,
				err);
	if (r == 0 && shim_own_home(so)) {
		char opts[64];

		snprintf(p, sizeof(p), "%s/root", tgt);
		snprintf(opts, sizeof(opts), "mode=0700,size=%llu",
			 (unsigned long long)(o->memory && o->memory < SHM_SIZE_MAX ? o->memory :
					      SHM_SIZE_MAX));
		if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
			r = kiste_err_set(err, -errno, "cannot mount the sandbox's /root: %s",
					  strerror(errno));
	}
	if (r < 0)
		return r;
	if (chdir(tgt) < 0)
		return kiste_err_set(err, -errno, "cannot enter the rootfs: %s", strerror(errno));
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
			return kiste_err_set(err, -errno, "cannot drop the old root: %s",
					     strerror(errno));
		return 0;
	}
	/*
	 * An initramfs root cannot be pivoted away from (EINVAL): chroot then.  The
	 * guest kernel holds no descriptor outside, and the workload cannot chroot.
	 */
	if (errno != EINVAL || chroot(".") < 0 || chdir("/") < 0)
		return kiste_err_set(err, -errno, "cannot pivot into the rootfs: %s", strerror(errno));
	return 0;
}

static int ll_rule_fd(int rs, int fd, uint64_t access)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access, .parent_fd = fd };

	return (int)syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
}

static int ll_rule(int rs, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access };
	int r;

	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0)
		return 0; /* nothing there to allow */
	r = (int)syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(pb.parent_fd);
	return r;
}

/* struct landlock_ruleset_attr as of Linux 6.12 (ABI 6, scoped); Debian 12's header is older. */
struct ll_ruleset {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)

#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | \
		 LANDLOCK_ACCESS_FS_EXECUTE)
#define LL_FILE_RW (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE)
/* Linux 6.2's right (ABI 3); Debian 12's header predates it. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

/*
 * The calling process (the AF_UNIX mediator's bind child, unixmed.c) may make
 * socket files only beneath @fds (O_PATH folders); nothing else changes.
 * 0, or -errno (no Landlock: the caller refuses the bind).
 */
int shim_landlock_make_sock_only(const int *fds, int n)
{
	struct ll_ruleset attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_SOCK };
	int rs, i, r = 0;

	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr.handled_access_fs), 0);
	if (rs < 0)
		return -errno;
	for (i = 0; i < n && r == 0; i++)
		if (ll_rule_fd(rs, fds[i], LANDLOCK_ACCESS_FS_MAKE_SOCK) < 0)
			r = -errno;
	if (r == 0 && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		       syscall(SYS_landlock_restrict_self, rs, 0) < 0))
		r = -errno;
	close(rs);
	return r;
}

/* Landlock beneath the (pivoted) root: read everywhere, write only where the sandbox may. */
int shim_setup_landlock(const struct shim_opts *so, bool pivoted, int proc_fd, int locks_fd,
			struct kiste_err *err)
{
	struct ll_ruleset ra = { 0 };
	struct statfs sfs;
	uint64_t all, trunc;
	int abi, rs, i, r = 0;
	size_t k;
	char p[PATH_MAX];

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return 0; /* the layer is absent on this host */
	all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	/*
	 * Truncation is a right of its own from ABI 3: without it handled, an
	 * O_RDONLY|O_TRUNC open needs only the read right, and the read rule on
	 * "/" covers the host's writable mounts behind an inherited descriptor.
	 * Granted where writing is, and on the device nodes (">/dev/null").
	 */
	trunc = abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0;
	all |= trunc;
	ra.handled_access_fs = all;
	/*
	 * Abstract AF_UNIX names belong to a network namespace, and one joined with
	 * --network ns:PATH may hold host daemons' (the containerd-shim escape):
	 * from ABI 6 the sandbox reaches only abstract sockets made inside it.
	 * Older kernels: see userspace/shim/README.md, Networking.
	 */
	if (abi >= 6)
		ra.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET;
	rs = (int)syscall(SYS_landlock_create_ruleset, &ra,
			  abi >= 6 ? sizeof(ra) : sizeof(ra.handled_access_fs), 0);
	if (rs < 0)
		return kiste_err_set(err, -errno, "landlock: %s", strerror(errno));
	r |= ll_rule(rs, pivoted ? "/" : so->rootfs, so->rw ? all : LL_READ);
	for (i = 0; i < so->ntmpfs; i++)
		r |= ll_rule(rs, so->tmpfs[i], all);
	/*
	 * --volume read-write: beneath a folder as beneath a --tmpfs, a file (the
	 * engines' /etc/hosts) read and written; a read-only one is "/"'s to read.
	 */
	for (i = 0; i < so->nbinds; i++) {
		const char *b = pivoted ? so->binds[i].dst : so->binds[i].src;
		struct stat bst;

		if (!so->binds[i].ro && stat(b, &bst) == 0)
			r |= ll_rule(rs, b, S_ISDIR(bst.st_mode) ? all : LL_FILE_RW | trunc);
	}
	/* The sandbox's own /dev/shm, /dev/mqueue and /root: mounted only with namespaces (pivoted). */
	if (pivoted) {
		r |= ll_rule(rs, "/dev/shm", all & ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE);
		r |= ll_rule(rs, "/dev/mqueue", all & ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE);
		/* The sandbox's own devpts (setup_pts), when it has one. */
		if (statfs("/dev/pts", &sfs) == 0 && sfs.f_type == DEVPTS_SUPER_MAGIC)
			r |= ll_rule(rs, "/dev/pts", LL_FILE_RW | trunc);
		if (shim_own_home(so))
			r |= ll_rule(rs, "/root", all);
	}
	for (k = 0; k < sizeof(dev_nodes) / sizeof(dev_nodes[0]); k++) {
		snprintf(p, sizeof(p), "/dev/%s", dev_nodes[k]);
		r |= ll_rule(rs, p, LL_FILE_RW | trunc);
	}
	tty_node(p, sizeof(p));
	if (p[0])
		r |= ll_rule(rs, p, LL_FILE_RW | trunc);
	if (proc_fd >= 0)
		r |= ll_rule_fd(rs, proc_fd, LANDLOCK_ACCESS_FS_READ_FILE |
				LANDLOCK_ACCESS_FS_READ_DIR);
	if (locks_fd >= 0)
		r |= ll_rule_fd(rs, locks_fd, LL_FILE_RW | LANDLOCK_ACCESS_FS_MAKE_REG | trunc);
	if (r < 0 || syscall(SYS_landlock_restrict_self, rs, 0) < 0) {
		r = -errno;
		close(rs);
		return kiste_err_set(err, r, "landlock: cannot restrict the sandbox: %s",
				     strerror(-r));
	}
	close(rs);
	return 0;
}

/*
 * RLIMIT_NOFILE is GK_FD_LIMIT, soft and hard: the guest kernel fills every
 * slot from GK_FD_BASE up to it (workload.c, place_fds), so no new descriptor
 * can land there.  The workload sees a limit of GK_FD_BASE that the guest
 * kernel keeps for it (misc.c); a user-namespace root cannot raise the hard
 * limit back.
 */
int shim_setup_limits(const struct kiste_run_opts *o, bool cgroup, struct kiste_err *err)
{
	struct rlimit rl = { 1, 1 };

	/*
	 * No core dumps: 1 byte, soft and hard, is the one limit that also stops
	 * a dump to a core_pattern pipe helper (0 does not); the workload is
	 * dumpable (workload.c), sees 0 (gk/misc.c) and cannot change the host's
	 * (the allowlist's prlimit64 row leaves RLIMIT_CORE out).
	 */
	setrlimit(RLIMIT_CORE, &rl);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max < GK_FD_LIMIT)
		return kiste_err_set(err, -EMFILE,
				     "RLIMIT_NOFILE hard limit %llu < %d: raise it (ulimit -Hn)",
				     (unsigned long long)rl.rlim_max, GK_FD_LIMIT);
	rl.rlim_cur = rl.rlim_max = GK_FD_LIMIT;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return kiste_err_set(err, -errno, "cannot set RLIMIT_NOFILE: %s", strerror(errno));
	/*
	 * The memory limit is the cgroup's.  RLIMIT_AS is no memory limit (V8,
	 * the JVM, Go and ASan reserve large ranges): only an explicit --memory
	 * on a host with no memory cgroup for us falls back to it (kiste check).
	 */
	if (!cgroup && o->memory_set) {
		rl.rlim_cur = rl.rlim_max = o->memory;
		if (setrlimit(RLIMIT_AS, &rl) < 0)
			return kiste_err_set(err, -errno, "--memory: %s", strerror(errno));
	}
	return 0;
}
