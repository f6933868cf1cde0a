// SPDX-License-Identifier: GPL-2.0
// vm_image_test.c - vm mode's image builder: the guest kernel's release, its modules for --block.
// kiste-suite: host vm_image_test
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../../userspace/vm/image/guest.h"
#include "../../userspace/vm/image/modules.h"
#include "../../userspace/vm/vmm/boot.h"

#define VER	"9.9.9-kiste-test"

/* ---- the release string ---- */

TEST(release_of_each_installed_bzimage_is_its_file_suffix)
{
	struct kiste_err err = { 0 };
	struct linux_kernel k;
	char ver[64];
	size_t i, n = 0;
	glob_t g;

	/* Debian names /boot/vmlinuz-RELEASE; the release is never hard-coded here. */
	if (glob("/boot/vmlinuz-*", 0, NULL, &g))
		SKIP(return, "no /boot/vmlinuz-* on this host");
	for (i = 0; i < g.gl_pathc; i++) {
		if (linux_kernel_load(g.gl_pathv[i], &k, &err) < 0)
			continue;
		ASSERT_EQ(0, linux_kernel_version(&k, ver, sizeof(ver), &err)) {
			TH_LOG("%s: %s", g.gl_pathv[i], err.msg);
		}
		EXPECT_STREQ(g.gl_pathv[i] + strlen("/boot/vmlinuz-"), ver);
		TH_LOG("%s: %s", g.gl_pathv[i], ver);
		linux_kernel_free(&k);
		n++;
	}
	globfree(&g);
	if (!n)
		SKIP(return, "no readable bzImage in /boot");
}

/* A kernel of @setup_len bytes of setup whose kernel_version is @rel and whose string is @s. */
static void fake_kernel(struct linux_kernel *k, size_t setup_len, uint16_t rel, const char *s,
			size_t slen)
{
	char *img = calloc(1, setup_len + 512);

	*k = (struct linux_kernel){ .setup_len = setup_len, .len = setup_len + 512 };
	memcpy(img + 0x20e, &rel, sizeof(rel));
	/* As much of @s as fits in the setup part. */
	if (s && rel + 0x200u < setup_len)
		memcpy(img + rel + 0x200, s,
		       rel + 0x200 + slen <= setup_len ? slen : setup_len - rel - 0x200);
	memcpy(k->head, img, sizeof(k->head));
	k->fd = memfd_create("bzimage", MFD_CLOEXEC);
	if (write(k->fd, img, k->len) != (ssize_t)k->len)
		k->len = 0;
	free(img);
}

static int fake_version(struct linux_kernel *k, char *ver, size_t len, struct kiste_err *err)
{
	int ret = linux_kernel_version(k, ver, len, err);

	linux_kernel_free(k);
	return ret;
}

TEST(release_is_the_first_word_and_bad_headers_are_refused)
{
	static const char good[] = "6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP";
	struct kiste_err err = { 0 };
	struct linux_kernel k;
	char ver[64], *fill;

	fake_kernel(&k, 0x4000, 0x3000, good, sizeof(good));
	ASSERT_EQ(0, fake_version(&k, ver, sizeof(ver), &err));
	EXPECT_STREQ("6.1.0-57-amd64", ver);
	/* A string running into the setup part's end: the part ends before its NUL. */
	fake_kernel(&k, 0x4000, 0x4000 - 0x200 - 10, good, sizeof(good));
	EXPECT_EQ(-EINVAL, fake_version(&k, ver, sizeof(ver), &err));
	EXPECT_NE(NULL, strstr(err.msg, "not terminated")) TH_LOG("%s", err.msg);
	fill = malloc(300);
	memset(fill, 'a', 300);
	fake_kernel(&k, 0x4000, 0x1000, fill, 300);
	free(fill);
	EXPECT_EQ(-EINVAL, fake_version(&k, ver, sizeof(ver), &err));
	EXPECT_NE(NULL, strstr(err.msg, "not terminated")) TH_LOG("%s", err.msg);
	fake_kernel(&k, 0x4000, 0x3e00, good, sizeof(good));	/* offset + 0x200 == end */
	EXPECT_EQ(-EINVAL, fake_version(&k, ver, sizeof(ver), &err));
	EXPECT_NE(NULL, strstr(err.msg, "outside the setup part")) TH_LOG("%s", err.msg);
	fake_kernel(&k, 0x4000, 0xff00, good, sizeof(good));
	EXPECT_EQ(-EINVAL, fake_version(&k, ver, sizeof(ver), &err));
	fake_kernel(&k, 0x4000, 0, NULL, 0);
	EXPECT_EQ(-EINVAL, fake_version(&k, ver, sizeof(ver), &err));
	EXPECT_NE(NULL, strstr(err.msg, "names none")) TH_LOG("%s", err.msg);
	fake_kernel(&k, 0x4000, 0x3000, "6.1\x01 x", 7);
	EXPECT_EQ(-EINVAL, fake_version(&k, ver, sizeof(ver), &err));
	EXPECT_NE(NULL, strstr(err.msg, "not printable")) TH_LOG("%s", err.msg);
	/* The release becomes a path component. */
	fake_kernel(&k, 0x4000, 0x3000, "../../etc x", 12);
	EXPECT_EQ(-EINVAL, fake_version(&k, ver, sizeof(ver), &err));
	fake_kernel(&k, 0x4000, 0x3000, "6.1/x y", 8);
	EXPECT_EQ(-EINVAL, fake_version(&k, ver, sizeof(ver), &err));
	fake_kernel(&k, 0x4000, 0x3000, " 6.1", 5);
	EXPECT_EQ(-EINVAL, fake_version(&k, ver, sizeof(ver), &err));
	fake_kernel(&k, 0x4000, 0x3000, good, sizeof(good));
	EXPECT_EQ(-EINVAL, fake_version(&k, ver, 8, &err));
	EXPECT_NE(NULL, strstr(err.msg, "too long")) TH_LOG("%s", err.msg);
}

/* ---- modules: a fake /lib/modules the fixture makes ---- */

FIXTURE(tree)
{
	char root[64], dir[128];
};

static void put(const char *dir, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The shape of Debian 6.1's lines for these modules (depmod's order). */
static const char dep_lines[] =
	"kernel/drivers/virtio/virtio.ko:\n"
	"kernel/drivers/virtio/virtio_ring.ko:\n"
	"kernel/drivers/virtio/virtio_pci_modern_dev.ko:\n"
	"kernel/drivers/virtio/virtio_pci_legacy_dev.ko:\n"
	"kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko "
	"kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko "
	"kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko "
	"kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko "
	"kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
	"kernel/net/core/failover.ko:\n"
	"kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko "
	"kernel/drivers/virtio/virtio_ring.ko\n";

FIXTURE_SETUP(tree)
{
	static const char *const mods[] = { "drivers/virtio/virtio", "drivers/virtio/virtio_ring",
					     "drivers/virtio/virtio_pci_modern_dev",
					     "drivers/virtio/virtio_pci_legacy_dev",
					     "drivers/virtio/virtio_pci", "drivers/block/virtio_blk",
					     "drivers/net/virtio_net", "drivers/net/net_failover",
					     "net/core/failover" };
	char rel[128], text[128];
	size_t i;

	strcpy(self->root, "/tmp/kiste-modules.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	snprintf(self->dir, sizeof(self->dir), "%s/" VER, self->root);
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	for (i = 0; i < ARRAY_SIZE(mods); i++) {
		snprintf(rel, sizeof(rel), "kernel/%s.ko", mods[i]);
		snprintf(text, sizeof(text), "<module %s>", strrchr(mods[i], '/') + 1);
		put(self->dir, rel, text);
	}
	put(self->dir, "modules.dep", dep_lines);
	put(self->dir, "modules.builtin", "kernel/drivers/char/mem.ko\n");
	setenv("KISTE_VM_MODULES", self->root, 1);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

FIXTURE_TEARDOWN(tree)
{
	nftw(self->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv("KISTE_VM_MODULES");
}

static const char *const blk[] = { "virtio_pci", "virtio_blk" };

/* "a b c": the modules' names in order. */
static const char *order(const struct vm_modules *m)
{
	static char s[512];
	unsigned int i;

	s[0] = 0;
	for (i = 0; i < m->n; i++)
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "%s%s", i ? " " : "",
			 m->mod[i].name);
	return s;
}

TEST_F(tree, dependencies_load_first_from_the_last_listed_each_once)
{
	struct kiste_err err = { 0 };
	struct vm_modules m;

	ASSERT_EQ(0, vm_modules_resolve(VER, "--block", blk, 2, &m, &err)) TH_LOG("%s", err.msg);
	EXPECT_STREQ("virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci "
		     "virtio_blk", order(&m));
	EXPECT_STREQ(self->dir, m.dir);
	EXPECT_STREQ("kernel/drivers/block/virtio_blk.ko", m.mod[5].rel);
}

TEST_F(tree, builtin_modules_are_skipped)
{
	struct kiste_err err = { 0 };
	struct vm_modules m;
	char path[256];

	put(self->dir, "modules.builtin", "kernel/drivers/char/mem.ko\n"
	    "kernel/drivers/virtio/virtio_pci.ko\n");
	ASSERT_EQ(0, vm_modules_resolve(VER, "--block", blk, 2, &m, &err)) TH_LOG("%s", err.msg);
	EXPECT_STREQ("virtio_ring virtio virtio_blk", order(&m));
	/* Everything built in: no modules.dep needed at all. */
	put(self->dir, "modules.builtin", "kernel/drivers/virtio/virtio_pci.ko\n"
	    "kernel/drivers/block/virtio_blk.ko\n");
	snprintf(path, sizeof(path), "%s/modules.dep", self->dir);
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(0, vm_modules_resolve(VER, "--block", blk, 2, &m, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(0u, m.n);
}

TEST_F(tree, missing_modules_are_one_line_naming_version_path_and_fix)
{
	struct kiste_err err = { 0 };
	struct vm_modules m;
	char path[256];

	ASSERT_EQ(-ENOENT, vm_modules_resolve("6.18.0", "--block", blk, 2, &m, &err));
	snprintf(path, sizeof(path), "%s/6.18.0 is missing", self->root);
	EXPECT_NE(NULL, strstr(err.msg, path)) TH_LOG("%s", err.msg);
	EXPECT_NE(NULL, strstr(err.msg, "--block needs the virtio_pci and virtio_blk modules of "
			       "the guest kernel 6.18.0")) TH_LOG("%s", err.msg);
	EXPECT_NE(NULL, strstr(err.msg, "pass --kernel of a kernel whose modules are installed"));
	EXPECT_EQ(NULL, strchr(err.msg, '\n'));

	snprintf(path, sizeof(path), "%s/modules.dep", self->dir);
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(-ENOENT, vm_modules_resolve(VER, "--block", blk, 2, &m, &err));
	EXPECT_NE(NULL, strstr(err.msg, strcat(path, " is missing"))) TH_LOG("%s", err.msg);

	put(self->dir, "modules.dep", "kernel/drivers/virtio/virtio_pci.ko:\n");
	ASSERT_EQ(-ENOENT, vm_modules_resolve(VER, "--block", blk, 2, &m, &err));
	EXPECT_NE(NULL, strstr(err.msg, "the virtio_blk module of the guest kernel " VER
			       ": neither")) TH_LOG("%s", err.msg);
}

TEST_F(tree, paths_outside_the_modules_dir_are_refused)
{
	static const char *const bad[] = {
		"kernel/drivers/block/virtio_blk.ko: /etc/virtio.ko\n",
		"kernel/drivers/block/virtio_blk.ko: kernel/../../../virtio.ko\n",
		"../virtio_blk.ko:\n",
		"kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio\n",
	};
	const char *one[] = { "virtio_blk" };
	struct kiste_err err = { 0 };
	struct vm_modules m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		put(self->dir, "modules.dep", bad[i]);
		EXPECT_EQ(-EINVAL, vm_modules_resolve(VER, "--block", one, 1, &m, &err))
			TH_LOG("%s", bad[i]);
		EXPECT_NE(NULL, strstr(err.msg, "refused")) TH_LOG("%s", err.msg);
	}
}

/* The archive's bytes, NUL-terminated, for memmem. */
static char *archive(struct linux_initramfs *ir, size_t *len)
{
	char *p = malloc(ir->len + 1);

	*len = pread(ir->fd, p, ir->len, 0);
	p[ir->len] = 0;
	return p;
}

static int has(const char *buf, size_t len, const char *s, size_t slen)
{
	return memmem(buf, len, s, slen) != NULL;
}

TEST_F(tree, modules_go_to_kiste_s_path_from_regular_files_only)
{
	struct kiste_err err = { 0 };
	struct linux_initramfs ir;
	struct vm_modules m;
	char path[256], *a;
	size_t len;

	ASSERT_EQ(0, vm_modules_resolve(VER, "--block", blk, 2, &m, &err));
	ASSERT_EQ(0, linux_initramfs_init(&ir, 64 << 20, &err));
	ASSERT_EQ(0, vm_modules_add(&ir, &m, &err)) TH_LOG("%s", err.msg);
	a = archive(&ir, &len);
	EXPECT_TRUE(has(a, len, ".kiste/modules/virtio_pci_legacy_dev.ko", 40));
	EXPECT_TRUE(has(a, len, "<module virtio_blk>", 19));
	EXPECT_FALSE(has(a, len, "lib/modules", 11));
	free(a);
	linux_initramfs_free(&ir);

	/* A symlinked .ko, even to a file inside the tree, is refused. */
	snprintf(path, sizeof(path), "%s/kernel/drivers/block/virtio_blk.ko", self->dir);
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(0, symlink("../virtio/virtio.ko", path));
	ASSERT_EQ(0, linux_initramfs_init(&ir, 64 << 20, &err));
	EXPECT_EQ(-EINVAL, vm_modules_add(&ir, &m, &err));
	EXPECT_NE(NULL, strstr(err.msg, "virtio_blk.ko: not a regular file (a symlink is refused)"))
		TH_LOG("%s", err.msg);
	linux_initramfs_free(&ir);
}

TEST_F(tree, xz_modules_are_unpacked_other_compressions_refused)
{
	const char *one[] = { "virtio_blk" };
	struct kiste_err err = { 0 };
	struct linux_initramfs ir;
	struct vm_modules m;
	char cmd[512], *a;
	size_t len;

	snprintf(cmd, sizeof(cmd), "cd %s/kernel/drivers/block && xz --check=crc32 virtio_blk.ko "
		 "2>/dev/null && cp virtio_blk.ko.xz virtio_blk.ko.zst", self->dir);
	if (system(cmd))
		SKIP(return, "no xz command here to make a .ko.xz");
	put(self->dir, "modules.dep", "kernel/drivers/block/virtio_blk.ko.xz:\n");
	ASSERT_EQ(0, vm_modules_resolve(VER, "--block", one, 1, &m, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, linux_initramfs_init(&ir, 64 << 20, &err));
	ASSERT_EQ(0, vm_modules_add(&ir, &m, &err)) TH_LOG("%s", err.msg);
	a = archive(&ir, &len);
	EXPECT_TRUE(has(a, len, ".kiste/modules/virtio_blk.ko", 29));	/* with its NUL */
	EXPECT_TRUE(has(a, len, "<module virtio_blk>", 19));
	free(a);
	linux_initramfs_free(&ir);

	put(self->dir, "modules.dep", "kernel/drivers/block/virtio_blk.ko.zst:\n");
	ASSERT_EQ(0, vm_modules_resolve(VER, "--block", one, 1, &m, &err));
	ASSERT_EQ(0, linux_initramfs_init(&ir, 64 << 20, &err));
	EXPECT_EQ(-EOPNOTSUPP, vm_modules_add(&ir, &m, &err));
	EXPECT_NE(NULL, strstr(err.msg, "compressed as .zst")) TH_LOG("%s", err.msg);
	linux_initramfs_free(&ir);
}

/* ---- the whole image: modules, then disks, in the agent's spec ---- */

static int build_net(const char *const *names, unsigned int n, const char *net,
		     const char *ver, struct linux_initramfs *ir, struct kiste_err *err)
{
	char *argv[] = { "/bin/true", NULL };
	struct kiste_run_opts o = { .argc = 1, .argv = argv };
	struct vm_guest_devs d = { .kernel_version = ver, .blocks = names, .nblocks = n,
				   .net = net };

	return vm_guest_initramfs(&o, &d, 256 << 20, ir, err);
}

static int build(const char *const *names, unsigned int n, const char *ver,
		 struct linux_initramfs *ir, struct kiste_err *err)
{
	return build_net(names, n, NULL, ver, ir, err);
}

TEST_F(tree, spec_lists_modules_in_load_order_then_disks_in_attach_order)
{
	static const char want[] =
		"mod=/.kiste/modules/virtio_ring.ko\0mod=/.kiste/modules/virtio.ko\0"
		"mod=/.kiste/modules/virtio_pci_modern_dev.ko\0"
		"mod=/.kiste/modules/virtio_pci_legacy_dev.ko\0"
		"mod=/.kiste/modules/virtio_pci.ko\0mod=/.kiste/modules/virtio_blk.ko\0"
		"blk=data\0blk=scratch-1.x_2\0";
	const char *names[] = { "data", "scratch-1.x_2" };
	struct kiste_err err = { 0 };
	struct linux_initramfs ir;
	size_t len;
	char *a;

	ASSERT_EQ(0, build(names, 2, VER, &ir, &err)) TH_LOG("%s", err.msg);
	a = archive(&ir, &len);
	EXPECT_TRUE(has(a, len, want, sizeof(want) - 1));
	free(a);
	linux_initramfs_free(&ir);

	/* No disks: no modules, no records, no modules dir (the agent holds "mod=" alone). */
	ASSERT_EQ(0, build(names, 0, "6.18.0", &ir, &err)) TH_LOG("%s", err.msg);
	a = archive(&ir, &len);
	EXPECT_FALSE(has(a, len, "mod=/.kiste/modules/", 20));
	EXPECT_FALSE(has(a, len, ".kiste/modules/virtio", 21));
	EXPECT_FALSE(has(a, len, "blk=data", 8));
	free(a);
	linux_initramfs_free(&ir);
}

TEST_F(tree, bad_disk_names_and_missing_modules_are_kiste_s_refusal)
{
	static const char *const bad[][2] = {
		{ "", "x" }, { "a/b", "x" }, { "a=b", "x" }, { "123456789012345678901", "x" },
		{ "two", "two" }, { "nl\n", "x" },
	};
	const char *ok[] = { "12345678901234567890" };
	struct kiste_err err = { 0 };
	struct linux_initramfs ir;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, build(bad[i], 2, VER, &ir, &err)) TH_LOG("'%s'", bad[i][0]);
		EXPECT_NE(NULL, strstr(err.msg, "--block name")) TH_LOG("%s", err.msg);
		EXPECT_EQ(NULL, strchr(err.msg, '\n')) TH_LOG("%s", err.msg);
		linux_initramfs_free(&ir);
	}
	EXPECT_EQ(0, build(ok, 1, VER, &ir, &err)) TH_LOG("%s", err.msg);
	linux_initramfs_free(&ir);
	/* 125 (kiste_exit_for_errno(-EINVAL)), not 127: it is not CMD that is missing. */
	EXPECT_EQ(-EINVAL, build(ok, 1, "6.18.0", &ir, &err));
	EXPECT_NE(NULL, strstr(err.msg, "6.18.0 is missing")) TH_LOG("%s", err.msg);
	linux_initramfs_free(&ir);
}

/* ---- the network: virtio_net with its dependencies, and the net= record ---- */

#define NET	"10.0.2.15/24,10.0.2.2,10.0.2.3"

TEST_F(tree, network_packs_virtio_pci_and_virtio_net_and_the_net_record)
{
	static const char want[] =
		"mod=/.kiste/modules/virtio_ring.ko\0mod=/.kiste/modules/virtio.ko\0"
		"mod=/.kiste/modules/virtio_pci_modern_dev.ko\0"
		"mod=/.kiste/modules/virtio_pci_legacy_dev.ko\0"
		"mod=/.kiste/modules/virtio_pci.ko\0mod=/.kiste/modules/failover.ko\0"
		"mod=/.kiste/modules/net_failover.ko\0mod=/.kiste/modules/virtio_net.ko\0"
		"net=" NET "\0";
	struct kiste_err err = { 0 };
	struct linux_initramfs ir;
	size_t len;
	char *a;

	ASSERT_EQ(0, build_net(NULL, 0, NET, VER, &ir, &err)) TH_LOG("%s", err.msg);
	a = archive(&ir, &len);
	EXPECT_TRUE(has(a, len, want, sizeof(want) - 1));
	EXPECT_TRUE(has(a, len, "<module net_failover>", 21));
	/* No disks: no disk module; no blk= record either, as net= follows the modules. */
	EXPECT_FALSE(has(a, len, ".kiste/modules/virtio_blk", 25));
	free(a);
	linux_initramfs_free(&ir);
}

TEST_F(tree, network_and_disks_share_virtio_pci_and_load_disks_first)
{
	static const char want[] =
		"mod=/.kiste/modules/virtio_ring.ko\0mod=/.kiste/modules/virtio.ko\0"
		"mod=/.kiste/modules/virtio_pci_modern_dev.ko\0"
		"mod=/.kiste/modules/virtio_pci_legacy_dev.ko\0"
		"mod=/.kiste/modules/virtio_pci.ko\0mod=/.kiste/modules/virtio_blk.ko\0"
		"mod=/.kiste/modules/failover.ko\0mod=/.kiste/modules/net_failover.ko\0"
		"mod=/.kiste/modules/virtio_net.ko\0blk=data\0net=" NET "\0";
	const char *names[] = { "data" };
	struct kiste_err err = { 0 };
	struct linux_initramfs ir;
	size_t len;
	char *a;

	ASSERT_EQ(0, build_net(names, 1, NET, VER, &ir, &err)) TH_LOG("%s", err.msg);
	a = archive(&ir, &len);
	EXPECT_TRUE(has(a, len, want, sizeof(want) - 1));
	free(a);
	linux_initramfs_free(&ir);

	/* Disks only: no network module, no record. */
	ASSERT_EQ(0, build(names, 1, VER, &ir, &err)) TH_LOG("%s", err.msg);
	a = archive(&ir, &len);
	EXPECT_FALSE(has(a, len, ".kiste/modules/virtio_net", 25));
	EXPECT_FALSE(has(a, len, "net=1", 5));
	free(a);
	linux_initramfs_free(&ir);
}

TEST_F(tree, bad_network_values_are_refused_in_one_line)
{
	static const char *const bad[] = {
		"", "10.0.2.15/24,10.0.2.2", "10.0.2.15/24,10.0.2.2,10.0.2.3,",
		"10.0.2.15,10.0.2.2,10.0.2.3", "10.0.2.15/0,10.0.2.2,10.0.2.3",
		"10.0.2.15/33,10.0.2.2,10.0.2.3", "10.0.2.15/024,10.0.2.2,10.0.2.3",
		"10.0.2.15/+24,10.0.2.2,10.0.2.3", "10.0.2.15/2x,10.0.2.2,10.0.2.3",
		"10.0.2.15/,10.0.2.2,10.0.2.3", "10.0.2/24,10.0.2.2,10.0.2.3",
		"010.0.2.15/24,10.0.2.2,10.0.2.3", "10.0.2.15/24,10.0.2.256,10.0.2.3",
		"10.0.2.15/24,10.0.2.2,fe80::1", "10.0.2.15/24,10.0.3.2,10.0.2.3",
		"10.0.2.15/24,10.0.2.15,10.0.2.3", "10.0.2.15/32,10.0.2.2,10.0.2.3",
		" 10.0.2.15/24,10.0.2.2,10.0.2.3", "10.0.2.15/24,10.0.2.2,10.0.2.3\n",
		"10.0.2.15/24,10.0.2.2,10.0.2.3\nnet=1.2.3.4/8,1.0.0.1,1.1.1.1",
		"10.0.2.15/24,10.0.2.2,10.0.2.3,10.0.2.3,10.0.2.3,10.0.2.3",
	};
	static const char *const good[] = {
		NET, "192.168.1.2/31,192.168.1.3,1.1.1.1", "10.0.0.1/1,127.0.0.1,0.0.0.0",
		"255.255.255.254/31,255.255.255.255,255.255.255.255",
	};
	struct kiste_err err = { 0 };
	struct linux_initramfs ir;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, build_net(NULL, 0, bad[i], VER, &ir, &err)) TH_LOG("'%s'", bad[i]);
		EXPECT_NE(NULL, strstr(err.msg, "bad guest network '")) TH_LOG("%s", err.msg);
		EXPECT_EQ(NULL, strchr(err.msg, '\n')) TH_LOG("%s", err.msg);
		linux_initramfs_free(&ir);
	}
	EXPECT_NE(NULL, strstr(err.msg, "too long")) TH_LOG("%s", err.msg);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		EXPECT_EQ(0, build_net(NULL, 0, good[i], VER, &ir, &err)) TH_LOG("%s", err.msg);
		linux_initramfs_free(&ir);
	}
}

TEST_F(tree, network_without_virtio_net_is_kiste_s_refusal)
{
	const char *names[] = { "data" };
	struct kiste_err err = { 0 };
	struct linux_initramfs ir;

	put(self->dir, "modules.dep", "kernel/drivers/virtio/virtio_pci.ko:\n"
	    "kernel/drivers/block/virtio_blk.ko:\n");
	EXPECT_EQ(-EINVAL, build_net(NULL, 0, NET, VER, &ir, &err));
	EXPECT_NE(NULL, strstr(err.msg, "--network needs the virtio_net module of the guest "
			       "kernel " VER)) TH_LOG("%s", err.msg);
	EXPECT_EQ(NULL, strchr(err.msg, '\n'));
	linux_initramfs_free(&ir);
	EXPECT_EQ(-EINVAL, build_net(names, 1, NET, "6.18.0", &ir, &err));
	EXPECT_NE(NULL, strstr(err.msg, "--block and --network needs the virtio_pci, virtio_blk "
			       "and virtio_net modules")) TH_LOG("%s", err.msg);
	linux_initramfs_free(&ir);
}

TEST_HARNESS_MAIN
