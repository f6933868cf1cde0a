// SPDX-License-Identifier: GPL-2.0
// initramfs.c - newc cpio writer; packs a program with its ELF dependencies, or a tree.
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "initramfs.h"

/* Where ld.so looks without a cache on Debian x86_64 (multiarch first). */
static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib",
};
/* A program plus its libraries is a few dozen files; deeper chains are broken or hostile. */
#define DEPS_MAX	256
/* Directory nesting we follow in --rootfs; deeper trees are refused, not truncated. */
#define TREE_DEPTH_MAX	64

int linux_initramfs_init(struct linux_initramfs *ir, size_t max, struct kiste_err *err)
{
	*ir = (struct linux_initramfs){ .max = max, .ino = 1 };
	ir->fd = memfd_create("kiste-initramfs", MFD_CLOEXEC);
	if (ir->fd < 0)
		return kiste_err_set(err, -errno, "cannot create the initramfs: memfd_create: %s",
				     strerror(errno));
	return 0;
}

void linux_initramfs_free(struct linux_initramfs *ir)
{
	size_t i;

	for (i = 0; i < ir->ndirs; i++)
		free(ir->dirs[i]);
	free(ir->dirs);
	if (ir->fd >= 0)
		close(ir->fd);
	*ir = (struct linux_initramfs){ .fd = -1 };
}

static int ir_write(struct linux_initramfs *ir, const void *p, size_t len, struct kiste_err *err)
{
	ssize_t n;

	while (len) {
		n = write(ir->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return kiste_err_set(err, n < 0 ? -errno : -EIO, "cannot write the "
					     "initramfs: %s", strerror(n < 0 ? errno : EIO));
		p = (const uint8_t *)p + n;
		len -= n;
		ir->len += n;
	}
	return 0;
}

/* Copies @len bytes of @fd from @off into the archive, inside the kernel. */
static int ir_copy_fd(struct linux_initramfs *ir, int fd, off_t off, size_t len,
		      struct kiste_err *err)
{
	ssize_t n;

	while (len) {
		n = sendfile(ir->fd, fd, &off, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return kiste_err_set(err, n < 0 ? -errno : -EIO, "cannot copy a file into "
					     "the initramfs: %s: did it change while packing?",
					     strerror(n < 0 ? errno : EIO));
		ir->len += n;
		len -= n;
	}
	return 0;
}

static int ir_pad(struct linux_initramfs *ir, struct kiste_err *err)
{
	static const uint8_t zero[4];

	return ir->len & 3 ? ir_write(ir, zero, 4 - (ir->len & 3), err) : 0;
}

/* One newc record: header, name, data (@data, else @fd at @off), each padded to 4 bytes. */
static int ir_entry_from(struct linux_initramfs *ir, const char *name, mode_t mode,
			 uint32_t rdev, const void *data, int fd, off_t off, size_t len,
			 struct kiste_err *err)
{
	size_t nlen = strlen(name) + 1;
	char hdr[200];	/* 110 bytes when every field fits its 8 digits, as checked above */
	int ret;

	if (len > UINT32_MAX || ir->len + 110 + nlen + len + 8 > ir->max)
		return kiste_err_set(err, -EFBIG, "the initramfs would exceed %zu MiB: raise "
				     "--memory or pack less", ir->max >> 20);
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
		 ir->ino++, (unsigned int)mode, 0, 0, S_ISDIR(mode) ? 2 : 1, 0,
		 (unsigned int)len, 0, 0, major(rdev), minor(rdev), nlen, 0);
	ret = ir_write(ir, hdr, 110, err);
	if (ret == 0)
		ret = ir_write(ir, name, nlen, err);
	if (ret == 0)
		ret = ir_pad(ir, err);
	if (ret == 0 && len)
		ret = data ? ir_write(ir, data, len, err) : ir_copy_fd(ir, fd, off, len, err);
	if (ret == 0)
		ret = ir_pad(ir, err);
	return ret;
}

static int ir_entry(struct linux_initramfs *ir, const char *name, mode_t mode, uint32_t rdev,
		    const void *data, size_t len, struct kiste_err *err)
{
	if (len && !data)
		return kiste_err_set(err, -EINVAL, "initramfs entry '%s' has a length but no "
				     "data", name);
	return ir_entry_from(ir, name, mode, rdev, data, -1, 0, len, err);
}

static int ir_has_dir(const struct linux_initramfs *ir, const char *path)
{
	size_t i;

	for (i = 0; i < ir->ndirs; i++)
		if (!strcmp(ir->dirs[i], path))
			return 1;
	return 0;
}

static int ir_mkdir(struct linux_initramfs *ir, const char *path, mode_t mode,
		    struct kiste_err *err)
{
	char **d;

	if (ir_has_dir(ir, path))
		return 0;
	d = realloc(ir->dirs, (ir->ndirs + 1) * sizeof(*d));
	if (!d)
		return kiste_err_set(err, -ENOMEM, "out of memory building the initramfs");
	ir->dirs = d;
	ir->dirs[ir->ndirs] = strdup(path);
	if (!ir->dirs[ir->ndirs])
		return kiste_err_set(err, -ENOMEM, "out of memory building the initramfs");
	ir->ndirs++;
	return ir_entry(ir, path, S_IFDIR | (mode & 07777), 0, NULL, 0, err);
}

/* Archive names are relative ("bin/sh"); every parent must precede its children. */
static int ir_parents(struct linux_initramfs *ir, const char *name, struct kiste_err *err)
{
	char buf[PATH_MAX];
	char *p;
	int ret;

	if (strlen(name) >= sizeof(buf))
		return kiste_err_set(err, -ENAMETOOLONG, "path too long: %s", name);
	strcpy(buf, name);
	for (p = strchr(buf, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		ret = ir_mkdir(ir, buf, 0755, err);
		*p = '/';
		if (ret < 0)
			return ret;
	}
	return 0;
}

int linux_initramfs_add(struct linux_initramfs *ir, const char *path, mode_t mode,
			uint32_t rdev, const void *data, size_t len, struct kiste_err *err)
{
	int ret;

	while (*path == '/')
		path++;
	if (!*path)
		return 0;
	ret = ir_parents(ir, path, err);
	if (ret < 0)
		return ret;
	if (S_ISDIR(mode))
		return ir_mkdir(ir, path, mode, err);
	return ir_entry(ir, path, mode, rdev, data, len, err);
}

int linux_initramfs_add_fd(struct linux_initramfs *ir, const char *path, mode_t mode, int fd,
			   off_t off, size_t len, struct kiste_err *err)
{
	int ret;

	while (*path == '/')
		path++;
	ret = ir_parents(ir, path, err);
	if (ret < 0)
		return ret;
	return ir_entry_from(ir, path, S_IFREG | (mode & 07777), 0, NULL, fd, off, len, err);
}

static int ir_add_fd(struct linux_initramfs *ir, const char *path, mode_t mode, int fd,
		     size_t len, struct kiste_err *err)
{
	return linux_initramfs_add_fd(ir, path, mode, fd, 0, len, err);
}

/* Opens the regular file @host: *fd, *len, *mode. */
static int open_file(const char *host, int *fd, size_t *len, mode_t *mode,
		     struct kiste_err *err)
{
	struct stat st;

	*fd = kiste_open_regular(AT_FDCWD, host, O_RDONLY, &st);
	if (*fd == -EINVAL)
		return kiste_err_set(err, -EINVAL, "'%s' is not a regular file: pass a program "
				     "file", host);
	if (*fd < 0)
		return kiste_err_set(err, *fd, "cannot read '%s' for the guest: %s", host,
				     strerror(-*fd));
	*len = st.st_size;
	*mode = st.st_mode;
	return 0;
}

int linux_initramfs_add_host(struct linux_initramfs *ir, const char *path, const char *host,
			     struct kiste_err *err)
{
	size_t len;
	mode_t mode;
	int fd, ret;

	ret = open_file(host, &fd, &len, &mode, err);
	if (ret < 0)
		return ret;
	ret = ir_add_fd(ir, path, mode, fd, len, err);
	close(fd);
	return ret;
}

struct deps {
	char *path[DEPS_MAX];
	size_t n;
};

static int deps_push(struct deps *d, const char *path, struct kiste_err *err)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->path[i], path))
			return 0;
	if (d->n == DEPS_MAX)
		return kiste_err_set(err, -E2BIG, "more than %d shared libraries: use --rootfs",
				     DEPS_MAX);
	d->path[d->n] = strdup(path);
	if (!d->path[d->n])
		return kiste_err_set(err, -ENOMEM, "out of memory");
	d->n++;
	return 0;
}

/* File offset of virtual address @va through the PT_LOAD headers; 0 when unmapped. */
static uint64_t elf_off(const Elf64_Phdr *ph, unsigned int n, uint64_t va)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr &&
		    va < ph[i].p_vaddr + ph[i].p_filesz)
			return va - ph[i].p_vaddr + ph[i].p_offset;
	return 0;
}

static int lib_find(const char *name, char *out, size_t outlen)
{
	size_t i;

	if (strchr(name, '/')) {
		snprintf(out, outlen, "%s", name);
		return access(out, R_OK) ? -ENOENT : 0;
	}
	for (i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++) {
		snprintf(out, outlen, "%s/%s", lib_dirs[i], name);
		if (access(out, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* Queues PT_INTERP and each DT_NEEDED of the ELF image @e (@len bytes) at @who. */
static int elf_deps(const uint8_t *e, size_t len, const char *who, struct deps *d,
		    struct kiste_err *err)
{
	const Elf64_Ehdr *eh = (const void *)e;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	uint64_t strtab = 0, ndyn = 0, i, s;
	char lib[PATH_MAX];
	int ret;

	if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64 || eh->e_phentsize != sizeof(*ph) ||
	    eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(*ph) > len - eh->e_phoff)
		return kiste_err_set(err, -ENOEXEC, "'%s' is not an x86_64 ELF program: run an "
				     "x86_64 binary or use --rootfs", who);
	ph = (const void *)(e + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP && ph[i].p_offset < len &&
		    ph[i].p_filesz < PATH_MAX && ph[i].p_filesz <= len - ph[i].p_offset) {
			snprintf(lib, sizeof(lib), "%.*s", (int)ph[i].p_filesz, e + ph[i].p_offset);
			ret = deps_push(d, lib, err);
			if (ret < 0)
				return ret;
		}
		if (ph[i].p_type == PT_DYNAMIC && ph[i].p_offset < len &&
		    ph[i].p_filesz <= len - ph[i].p_offset) {
			dyn = (const void *)(e + ph[i].p_offset);
			ndyn = ph[i].p_filesz / sizeof(*dyn);
		}
	}
	for (i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++)
		if (dyn[i].d_tag == DT_STRTAB)
			strtab = elf_off(ph, eh->e_phnum, dyn[i].d_un.d_ptr);
	for (i = 0; i < ndyn && dyn[i].d_tag != DT_NULL && strtab; i++) {
		if (dyn[i].d_tag != DT_NEEDED)
			continue;
		s = strtab + dyn[i].d_un.d_val;
		if (s >= len || !memchr(e + s, 0, len - s))
			return kiste_err_set(err, -ENOEXEC, "'%s' has a corrupt dynamic section",
					     who);
		if (lib_find((const char *)e + s, lib, sizeof(lib)) < 0)
			return kiste_err_set(err, -ELIBACC, "'%s' needs %s, which is not installed "
					     "here: install it or use --rootfs", who, e + s);
		ret = deps_push(d, lib, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* A "#!" script's interpreter, queued like a library. */
static int script_deps(const uint8_t *e, size_t len, struct deps *d, struct kiste_err *err)
{
	char line[256];
	size_t n = 0;

	while (n + 2 < len && n < sizeof(line) - 1 && e[n + 2] != '\n') {
		line[n] = e[n + 2];
		n++;
	}
	line[n] = 0;
	n = strspn(line, " \t");
	line[n + strcspn(line + n, " \t")] = 0;
	return line[n] == '/' ? deps_push(d, line + n, err) : 0;
}

/* Queues what the file @fd (@len bytes) at @path needs: ELF dependencies, or a script's "#!". */
static int file_deps(int fd, size_t len, const char *path, struct deps *d, struct kiste_err *err)
{
	void *data;
	int ret = 0;

	if (len < 4)
		return 0;
	/* Mapped, not read: only the pages the parser looks at are touched. */
	data = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data == MAP_FAILED)
		return kiste_err_set(err, -errno, "cannot map '%s': %s", path, strerror(errno));
	if (!memcmp(data, ELFMAG, SELFMAG))
		ret = elf_deps(data, len, path, d, err);
	else if (!memcmp(data, "#!", 2))
		ret = script_deps(data, len, d, err);
	munmap(data, len);
	return ret;
}

int linux_initramfs_add_program(struct linux_initramfs *ir, const char *prog,
				struct kiste_err *err)
{
	struct deps d = { .n = 0 };
	size_t i, len;
	mode_t mode;
	int fd, ret;

	ret = deps_push(&d, prog, err);
	/* The list grows while we walk it: each file queues what it needs. */
	for (i = 0; ret == 0 && i < d.n; i++) {
		ret = open_file(d.path[i], &fd, &len, &mode, err);
		if (ret < 0)
			break;
		ret = file_deps(fd, len, d.path[i], &d, err);
		if (ret == 0)
			ret = ir_add_fd(ir, d.path[i], mode, fd, len, err);
		close(fd);
	}
	for (i = 0; i < d.n; i++)
		free(d.path[i]);
	return ret;
}

static int tree_file(struct linux_initramfs *ir, int dfd, const char *name, const char *rel,
		     const struct stat *st, struct kiste_err *err)
{
	char target[PATH_MAX];
	struct stat fst;
	ssize_t n;
	int fd, ret;

	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return kiste_err_set(err, -errno, "cannot read link '%s': %s", rel,
					     strerror(errno));
		return linux_initramfs_add(ir, rel, st->st_mode, 0, target, n, err);
	}
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) || S_ISFIFO(st->st_mode))
		return linux_initramfs_add(ir, rel, st->st_mode, st->st_rdev, NULL, 0, err);
	if (!S_ISREG(st->st_mode))
		return 0;	/* sockets do not survive a copy */
	/* The file as opened, not as listed: it may have been swapped for a FIFO. */
	fd = kiste_open_regular(dfd, name, O_RDONLY | O_NOFOLLOW, &fst);
	if (fd == -EINVAL || fd == -ELOOP)
		return 0;	/* no longer a regular file: skipped, as a socket is */
	if (fd < 0)
		return kiste_err_set(err, fd, "cannot read '%s' in --rootfs: %s: fix its "
				     "permissions", rel, strerror(-fd));
	ret = ir_add_fd(ir, rel, fst.st_mode, fd, fst.st_size, err);
	close(fd);
	return ret;
}

static int tree_walk(struct linux_initramfs *ir, int dfd, const char *rel, int depth,
		     struct kiste_err *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int ret = 0, sub;

	if (depth > TREE_DEPTH_MAX)
		return kiste_err_set(err, -ELOOP, "--rootfs is nested deeper than %d directories",
				     TREE_DEPTH_MAX);
	dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return kiste_err_set(err, -errno, "cannot list '%s': %s", rel, strerror(errno));
	}
	while (ret == 0 && (de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", de->d_name) >=
		    (int)sizeof(path))
			ret = kiste_err_set(err, -ENAMETOOLONG, "path too long in --rootfs");
		else if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			ret = kiste_err_set(err, -errno, "cannot stat '%s': %s", path,
					    strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			ret = tree_file(ir, dirfd(dir), de->d_name, path, &st, err);
		else if ((ret = linux_initramfs_add(ir, path, st.st_mode, 0, NULL, 0, err)) == 0) {
			sub = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
				     O_NOFOLLOW);
			ret = sub < 0 ? kiste_err_set(err, -errno, "cannot open '%s': %s", path,
						      strerror(errno)) :
					tree_walk(ir, sub, path, depth + 1, err);
		}
	}
	closedir(dir);
	return ret;
}

int linux_initramfs_add_tree(struct linux_initramfs *ir, const char *dir, struct kiste_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return kiste_err_set(err, -errno, "cannot open --rootfs '%s': %s: pass a "
				     "directory", dir, strerror(errno));
	return tree_walk(ir, fd, "", 0, err);
}

int linux_initramfs_finish(struct linux_initramfs *ir, struct kiste_err *err)
{
	return ir_entry(ir, "TRAILER!!!", 0, 0, NULL, 0, err);
}

int linux_find_program(const char *cmd, char *out, size_t outlen)
{
	const char *path = kiste_setting(KISTE_SET_PATH), *p, *end;
	struct stat st;

	if (strchr(cmd, '/')) {
		if (snprintf(out, outlen, "%s", cmd) >= (int)outlen)
			return -ENAMETOOLONG;
		return stat(out, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -ENOENT;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		/* Only absolute PATH entries: the guest has the host's layout, not its cwd. */
		if (*p == '/' && snprintf(out, outlen, "%.*s/%s", (int)(end - p), p, cmd) <
		    (int)outlen && stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}
