// SPDX-License-Identifier: GPL-2.0
// rootfs.c - vm mode's --rootfs as a read-only erofs image: built by mkfs.erofs once per tree state.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../cache.h"
#include "rootfs.h"

#define IMAGE_PREFIX	"rootfs-"
#define IMAGE_KEEP	4	/* images kept in the cache, the most recently used */
#define EROFS_MAGIC	0xe0f5e1e2u
#define EROFS_SB_OFF	1024
/* Part of the key: a change to how images are made must not reuse old ones. */
#define IMAGE_RECIPE	"mkfs.erofs --all-root -x-1 v1"

/* FNV-1a, 64 bits: a cache key over metadata, not a defence (the cache is the caller's own). */
static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static uint64_t walk_hash;
static size_t walk_root_len;

/* Every entry's path and what changes with its content (ctime moves on any write). */
static int walk_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	struct {
		uint64_t dev, ino, mode, uid, gid, size, rdev;
		int64_t mtime, mtime_ns, ctime, ctime_ns;
	} m = { st->st_dev, st->st_ino, st->st_mode, st->st_uid, st->st_gid, st->st_size,
		st->st_rdev, st->st_mtim.tv_sec, st->st_mtim.tv_nsec, st->st_ctim.tv_sec,
		st->st_ctim.tv_nsec };
	char link[PATH_MAX];
	ssize_t n;

	(void)ftw;
	if (flag == FTW_NS || flag == FTW_DNR)
		return -1;	/* unreadable: mkfs.erofs would fail on it too */
	walk_hash = fnv(walk_hash, path + walk_root_len, strlen(path + walk_root_len) + 1);
	walk_hash = fnv(walk_hash, &m, sizeof(m));
	if (S_ISLNK(st->st_mode) && (n = readlink(path, link, sizeof(link))) > 0)
		walk_hash = fnv(walk_hash, link, n);
	return 0;
}

/* The tree's key: its entries' metadata in walk order; -1 when a part cannot be read. */
static int tree_key(const char *dir, uint64_t *key)
{
	walk_hash = fnv(0xcbf29ce484222325ULL, IMAGE_RECIPE, sizeof(IMAGE_RECIPE));
	walk_root_len = strlen(dir);
	if (nftw(dir, walk_one, 32, FTW_PHYS) != 0)
		return -1;
	*key = walk_hash;
	return 0;
}

int vm_rootfs_check(int fd, const char *what, uint64_t *size, struct kiste_err *err)
{
	struct stat st;
	uint32_t magic = 0;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return kiste_err_set(err, -EINVAL, "--rootfs %s: not a regular file", what);
	if (pread(fd, &magic, 4, EROFS_SB_OFF) != 4 || magic != EROFS_MAGIC)
		return kiste_err_set(err, -EINVAL, "--rootfs %s: not an erofs image: give a "
				     "directory, or an image made by mkfs.erofs", what);
	if (st.st_size % 512)
		return kiste_err_set(err, -EINVAL, "--rootfs %s: the image's size (%lld bytes) is "
				     "not a multiple of 512: pad it (truncate -s)", what,
				     (long long)st.st_size);
	*size = st.st_size;
	return 0;
}

/* mkfs.erofs @out from @dir, its error output's first line into @err on failure. */
static int mkfs(const char *dir, const char *out, struct kiste_err *err)
{
	char msg[256] = "", *nl;
	int p[2], st, fd;
	ssize_t n, len = 0;
	pid_t pid, parent = getpid();

	if (pipe2(p, O_CLOEXEC) < 0)
		return kiste_err_set(err, -errno, "cannot run mkfs.erofs: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		/* Outside the sandbox's cgroup (built before it): it dies with kiste instead. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(126);
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(p[1], 2) < 0)
			_exit(126);
		/* Owners as the initramfs copy had them (root); no xattrs (the guest has no use). */
		execlp("mkfs.erofs", "mkfs.erofs", "--quiet", "--all-root", "-x-1", out, dir,
		       (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(p[1]);
	while (pid > 0 && len < (ssize_t)sizeof(msg) - 1 &&
	       (n = read(p[0], msg + len, sizeof(msg) - 1 - len)) > 0)
		len += n;
	close(p[0]);
	msg[len] = 0;
	if ((nl = strchr(msg, '\n')))
		*nl = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return kiste_err_set(err, -EIO, "cannot run mkfs.erofs: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return kiste_err_set(err, -ENOENT, "--rootfs %s in vm mode needs mkfs.erofs: "
				     "install erofs-utils (apt-get install erofs-utils)", dir);
	if (WIFSIGNALED(st))
		return kiste_err_set(err, -EIO, "--rootfs %s: mkfs.erofs was killed by %s (out of "
				     "memory?): check the memory of the cache's file system", dir,
				     strsignal(WTERMSIG(st)));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return kiste_err_set(err, -EIO, "--rootfs %s: mkfs.erofs failed%s%s: check that "
				     "kiste can read the whole tree", dir, msg[0] ? ": " : "",
				     msg);
	return 0;
}

/* A cached image for @key, touched as just used; -1 when there is none we trust. */
static int cache_open(const char *name)
{
	struct stat st;
	int fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !vm_cache_ours(&st)) {
		close(fd);
		return -1;
	}
	futimens(fd, NULL);
	return fd;
}

int vm_rootfs_image(const char *dir, const char *cache, int *fd_out, uint64_t *size,
		    struct kiste_err *err)
{
	char name[PATH_MAX], tmp[PATH_MAX];
	uint64_t key;
	int fd, ret, named;

	*fd_out = -1;
	if (tree_key(dir, &key) < 0)
		return kiste_err_set(err, -EINVAL, "--rootfs %s: cannot read the whole tree: %s: "
				     "check its permissions", dir, strerror(errno));
	named = cache && vm_cache_ready(cache) == 0 &&
		snprintf(name, sizeof(name), "%s/" IMAGE_PREFIX "%016llx.erofs", cache,
			 (unsigned long long)key) < (int)sizeof(name) &&
		snprintf(tmp, sizeof(tmp), "%s/.rootfs-XXXXXX", cache) < (int)sizeof(tmp);
	if (named && (fd = cache_open(name)) >= 0)
		goto check;
	/* Built beside its final name, renamed when complete; without a cache, in /tmp. */
	if (!named)
		snprintf(tmp, sizeof(tmp), "%s/kiste-rootfs-XXXXXX",
			 getenv("TMPDIR") && getenv("TMPDIR")[0] == '/' ? getenv("TMPDIR") : "/tmp");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return kiste_err_set(err, -errno, "--rootfs %s: cannot create the image file %s: %s",
				     dir, tmp, strerror(errno));
	close(fd);
	ret = mkfs(dir, tmp, err);
	fd = ret < 0 ? -1 : open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (ret == 0 && fd < 0)
		ret = kiste_err_set(err, -errno, "--rootfs %s: cannot open the image: %s", dir,
				    strerror(errno));
	if (ret < 0 || !named || rename(tmp, name) < 0)
		unlink(tmp);	/* open already, or failed: the name is not needed */
	else
		vm_cache_prune(cache, IMAGE_PREFIX, IMAGE_KEEP);
	if (ret < 0)
		return ret;
check:
	ret = vm_rootfs_check(fd, dir, size, err);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	*fd_out = fd;
	return 0;
}
