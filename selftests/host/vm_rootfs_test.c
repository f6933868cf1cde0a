// SPDX-License-Identifier: GPL-2.0
// vm_rootfs_test.c - vm mode's --rootfs image: built by mkfs.erofs, cached by the tree's state.
// kiste-suite: host vm_rootfs_test
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../../userspace/vm/image/rootfs.h"

static int put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int images(const char *cache)
{
	char pat[512];
	glob_t g;
	int n;

	snprintf(pat, sizeof(pat), "%s/rootfs-*.erofs", cache);
	if (glob(pat, 0, NULL, &g))
		return 0;
	n = g.gl_pathc;
	globfree(&g);
	return n;
}

FIXTURE(img) {
	char dir[64];
	char tree[128];
	char cache[128];
	struct kiste_err err;
	uint64_t size;
	int fd;
};

FIXTURE_SETUP(img)
{
	char link[160];

	if (system("command -v mkfs.erofs >/dev/null 2>&1"))
		SKIP(return, "no mkfs.erofs: apt-get install erofs-utils");
	strcpy(self->dir, "/tmp/vm_rootfs.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->tree, sizeof(self->tree), "%s/tree", self->dir);
	snprintf(self->cache, sizeof(self->cache), "%s/cache", self->dir);
	ASSERT_EQ(0, mkdir(self->tree, 0755));
	ASSERT_EQ(0, put(self->tree, "file", "one\n"));
	snprintf(link, sizeof(link), "%s/link", self->tree);
	ASSERT_EQ(0, symlink("/etc/passwd", link));	/* stored as a link, never followed */
	self->fd = -1;
}

FIXTURE_TEARDOWN(img)
{
	char cmd[128];

	if (self->fd >= 0)
		close(self->fd);
	if (!self->dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->dir);
}

#define SKIP_IF_SETUP_SKIPPED() do { if (_metadata->skip) return; } while (0)

TEST_F(img, built_once_then_reused_and_rebuilt_after_a_change)
{
	struct stat a, b;
	uint32_t magic = 0;

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, vm_rootfs_image(self->tree, self->cache, &self->fd, &self->size,
				     &self->err)) TH_LOG("%s", self->err.msg);
	ASSERT_EQ(4, pread(self->fd, &magic, 4, 1024));
	EXPECT_EQ(0xe0f5e1e2u, magic);
	EXPECT_EQ(0u, self->size % 512);
	ASSERT_EQ(0, fstat(self->fd, &a));
	EXPECT_EQ(0600u, a.st_mode & 0777);
	close(self->fd);
	EXPECT_EQ(1, images(self->cache));
	/* Unchanged: the same file. */
	ASSERT_EQ(0, vm_rootfs_image(self->tree, self->cache, &self->fd, &self->size, &self->err));
	ASSERT_EQ(0, fstat(self->fd, &b));
	EXPECT_EQ(a.st_ino, b.st_ino);
	close(self->fd);
	/* A file's content changes (same size): a new image. */
	ASSERT_EQ(0, put(self->tree, "file", "two\n"));
	ASSERT_EQ(0, vm_rootfs_image(self->tree, self->cache, &self->fd, &self->size, &self->err));
	ASSERT_EQ(0, fstat(self->fd, &b));
	EXPECT_NE(a.st_ino, b.st_ino);
	EXPECT_EQ(2, images(self->cache));
}

TEST_F(img, the_cache_keeps_the_four_most_recent)
{
	char name[32];
	int i;

	SKIP_IF_SETUP_SKIPPED();
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ASSERT_EQ(0, put(self->tree, name, "x\n"));
		ASSERT_EQ(0, vm_rootfs_image(self->tree, self->cache, &self->fd, &self->size,
					     &self->err)) TH_LOG("%s", self->err.msg);
		close(self->fd);
		self->fd = -1;
	}
	EXPECT_EQ(4, images(self->cache));
}

/* A cache directory others may write is not used: the image is a temporary file. */
TEST_F(img, a_cache_others_can_write_is_not_trusted)
{
	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, mkdir(self->cache, 0777));
	ASSERT_EQ(0, chmod(self->cache, 0777));
	ASSERT_EQ(0, vm_rootfs_image(self->tree, self->cache, &self->fd, &self->size, &self->err));
	EXPECT_EQ(0, images(self->cache));
	close(self->fd);
	/* No cache at all: a temporary file, gone with the descriptor. */
	self->fd = -1;
	ASSERT_EQ(0, vm_rootfs_image(self->tree, NULL, &self->fd, &self->size, &self->err));
	EXPECT_EQ(0, images(self->cache));
}

TEST_F(img, missing_mkfs_and_bad_images_are_one_line)
{
	char path[160];
	const char *old = getenv("PATH");
	int fd;

	SKIP_IF_SETUP_SKIPPED();
	setenv("PATH", "/nonexistent", 1);
	EXPECT_EQ(-ENOENT, vm_rootfs_image(self->tree, self->cache, &self->fd, &self->size,
					   &self->err));
	setenv("PATH", old, 1);
	EXPECT_NE(NULL, strstr(self->err.msg, "erofs-utils")) TH_LOG("%s", self->err.msg);
	EXPECT_EQ(NULL, strchr(self->err.msg, '\n'));
	snprintf(path, sizeof(path), "%s/not.img", self->dir);
	ASSERT_EQ(0, put(self->dir, "not.img", "no erofs here, nothing at offset 1024\n"));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, vm_rootfs_check(fd, path, &self->size, &self->err));
	EXPECT_NE(NULL, strstr(self->err.msg, "not an erofs image")) TH_LOG("%s", self->err.msg);
	close(fd);
}

TEST_HARNESS_MAIN
