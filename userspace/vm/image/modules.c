// SPDX-License-Identifier: GPL-2.0
// modules.c - the guest kernel's release, and the modules its devices need, packed for the agent.
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiste/vm_agent.h>

#include "guest.h"
#include "modules.h"
#include "../vmm/boot.h"

/* Setup header: kernel_version is the release string's offset from the end of the boot sector. */
#define KERNEL_VERSION_FIELD	0x20e
#define KERNEL_VERSION_BASE	0x200
/* "6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP ...": the release is its first word. */
#define KERNEL_VERSION_MAX	256
/* Debian's modules.dep is about 0.5 MiB; a list past this is not one. */
#define MODULE_LIST_MAX		(64u << 20)

static int version_bad(struct kiste_err *err, const char *why)
{
	return kiste_err_set(err, -EINVAL, "cannot read the guest kernel's release from its "
			     "setup header: %s: pass --kernel of a bzImage the kernel's own build "
			     "made", why);
}

int linux_kernel_version(const struct linux_kernel *k, char *buf, size_t len,
			 struct kiste_err *err)
{
	char s[KERNEL_VERSION_MAX], *end;
	size_t off, n, i;
	uint16_t rel;

	memcpy(&rel, k->head + KERNEL_VERSION_FIELD, sizeof(rel));
	off = (size_t)rel + KERNEL_VERSION_BASE;
	if (!rel || off >= k->setup_len)
		return version_bad(err, rel ? "the string lies outside the setup part" :
				   "the header names none");
	n = k->setup_len - off < sizeof(s) ? k->setup_len - off : sizeof(s);
	if (pread(k->fd, s, n, off) != (ssize_t)n)
		return version_bad(err, "the file is shorter than its header says");
	end = memchr(s, 0, n);
	if (!end)
		return version_bad(err, "the string is not terminated");
	for (i = 0; s + i < end; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return version_bad(err, "the string is not printable text");
	n = strcspn(s, " ");
	/* It becomes a path component (/lib/modules/RELEASE): no '/', no leading '.'. */
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._+~-", s[i]))
			break;
	if (!n || i < n || s[0] == '.')
		return version_bad(err, "the release is not a name like 6.1.0-57-amd64");
	if (n >= len)
		return version_bad(err, "the release is too long");
	memcpy(buf, s, n);
	buf[n] = 0;
	return 0;
}

/* NAME from "DIR/NAME.ko[.EXT]", '-' read as '_' as modprobe does; -1 when it is no module's. */
static int mod_name(const char *rel, char *name)
{
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	const char *ko = strstr(base, ".ko");
	size_t n = ko ? (size_t)(ko - base) : 0, i;

	if (!n || n >= VM_MODULE_NAME_MAX || (ko[3] && ko[3] != '.'))
		return -1;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)base[i]) && base[i] != '_' && base[i] != '-')
			return -1;
		name[i] = base[i] == '-' ? '_' : base[i];
	}
	name[n] = 0;
	return 0;
}

/* A path modules.dep may hold: relative, without "..", short; it is read beneath the dir only. */
static bool rel_ok(const char *rel)
{
	const char *p;
	size_t n = strlen(rel);

	if (!n || n >= VM_MODULE_PATH_MAX || rel[0] == '/')
		return false;
	for (p = rel; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))
			return false;
	return true;
}

/* Appends @rel unless a module of its name is in already. */
static int mod_push(struct vm_modules *m, const char *rel, struct kiste_err *err)
{
	char name[VM_MODULE_NAME_MAX];
	unsigned int i;

	if (!rel_ok(rel) || mod_name(rel, name) < 0)
		return kiste_err_set(err, -EINVAL, "%s/modules.dep names '%.*s', not a module's "
				     "path beneath it (absolute, with '..', or no NAME.ko): "
				     "refused; reinstall that kernel's modules", m->dir,
				     VM_MODULE_PATH_MAX, rel);
	for (i = 0; i < m->n; i++)
		if (!strcmp(m->mod[i].name, name))
			return 0;
	if (m->n == VM_MODULES_MAX)
		return kiste_err_set(err, -E2BIG, "%s/modules.dep: more than %u modules needed: "
				     "refused; reinstall that kernel's modules", m->dir,
				     VM_MODULES_MAX);
	strcpy(m->mod[m->n].name, name);
	strcpy(m->mod[m->n].rel, rel);
	m->n++;
	return 0;
}

/* One modules.dep line "MOD: DEP...": DEPs from the last to the first, then MOD. */
static int mod_chain(struct vm_modules *m, char *line, struct kiste_err *err)
{
	char *dep[VM_MODULES_MAX], *colon = strchr(line, ':'), *save = NULL, *t;
	unsigned int n = 0;
	int ret;

	*colon = 0;
	for (t = strtok_r(colon + 1, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == VM_MODULES_MAX)
			return kiste_err_set(err, -E2BIG, "%s/modules.dep: %s needs more than %u "
					     "modules: refused", m->dir, line, VM_MODULES_MAX);
		dep[n++] = t;
	}
	while (n--)
		if ((ret = mod_push(m, dep[n], err)) < 0)
			return ret;
	return mod_push(m, line, err);
}

/*
 * Reads @file of m->dir into @path: "modules.dep" (@dep: lines "MOD: DEP...")
 * or "modules.builtin" (lines "MOD"); found[i] gets a copy of @want[i]'s line.
 * -ENOENT, with no message, when the file or the dir is missing.
 */
static int list_read(struct vm_modules *m, const char *file, bool dep, const char *const *want,
		     unsigned int nwant, char **found, char *path, size_t len,
		     struct kiste_err *err)
{
	char name[VM_MODULE_NAME_MAX], *line = NULL, c;
	size_t cap = 0, key, i;
	struct stat st;
	int fd, ret = 0;
	FILE *f = NULL;

	snprintf(path, len, "%s/%s", m->dir, file);
	fd = kiste_open_regular(AT_FDCWD, path, O_RDONLY, &st);
	if (fd >= 0 && st.st_size > MODULE_LIST_MAX)
		ret = -EFBIG;
	else if (fd >= 0 && !(f = fdopen(fd, "r")))
		ret = -ENOMEM;
	if (fd < 0 || ret < 0) {
		if (fd >= 0)
			close(fd);
		ret = fd < 0 ? fd : ret;
		return ret == -ENOENT ? ret : kiste_err_set(err, ret, "cannot read %s: %s", path,
				ret == -EINVAL ? "not a regular file" : strerror(-ret));
	}
	while (ret == 0 && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = 0;
		/* The module's path ends at ':' in modules.dep, at the line's end in builtin. */
		key = strcspn(line, ":");
		if (dep != (line[key] == ':'))
			continue;
		c = line[key];
		line[key] = 0;
		i = nwant;
		if (mod_name(line, name) == 0)
			for (i = 0; i < nwant && (found[i] || strcmp(want[i], name)); i++)
				;
		line[key] = c;
		if (i < nwant && !(found[i] = strdup(line)))
			ret = kiste_err_set(err, -ENOMEM, "out of memory");
	}
	if (ret == 0 && ferror(f))
		ret = kiste_err_set(err, -EIO, "cannot read %s: %s", path, strerror(errno));
	free(line);
	fclose(f);
	return ret;
}

/* "virtio_pci and virtio_blk", for the error lines. */
static void want_names(const char *const *want, unsigned int nwant, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < nwant && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s",
				!i ? "" : i + 1 == nwant ? " and " : ", ", want[i]);
}

int vm_modules_resolve(const char *version, const char *why, const char *const *want,
		       unsigned int nwant, struct vm_modules *m, struct kiste_err *err)
{
	const char *root = kiste_setting(KISTE_SET_VM_MODULES);
	char *dep[VM_MODULES_WANT_MAX] = { 0 }, *builtin[VM_MODULES_WANT_MAX] = { 0 };
	char path[PATH_MAX + 32], names[VM_MODULES_WANT_MAX * (VM_MODULE_NAME_MAX + 5)];
	unsigned int i, left = 0;
	struct stat st;
	int ret, n;

	m->n = 0;
	if (nwant > VM_MODULES_WANT_MAX)
		return kiste_err_set(err, -E2BIG, "%s: more than %u modules asked for", why,
				     VM_MODULES_WANT_MAX);
	n = snprintf(m->dir, sizeof(m->dir), "%s/%s", root ? root : "/lib/modules", version);
	if (n < 0 || (size_t)n >= sizeof(m->dir))
		return kiste_err_set(err, -ENAMETOOLONG, "KISTE_VM_MODULES '%s' is too long",
				     root);
	want_names(want, nwant, names, sizeof(names));
	/* A module the kernel has built in needs no file; no modules.builtin: none is. */
	ret = list_read(m, "modules.builtin", false, want, nwant, builtin, path, sizeof(path), err);
	if (ret == -ENOENT)
		ret = 0;
	for (i = 0; ret == 0 && i < nwant; i++)
		left += !builtin[i];
	if (ret == 0 && left)
		ret = list_read(m, "modules.dep", true, want, nwant, dep, path, sizeof(path), err);
	if (ret == -ENOENT)
		ret = kiste_err_set(err, -ENOENT, "%s needs the %s module%s of the guest kernel "
				    "%s: %s is missing: install that kernel's modules, or pass "
				    "--kernel of a kernel whose modules are installed", why, names,
				    nwant > 1 ? "s" : "", version,
				    stat(m->dir, &st) ? m->dir : path);
	for (i = 0; ret == 0 && i < nwant; i++) {
		if (builtin[i])
			continue;
		if (dep[i])
			ret = mod_chain(m, dep[i], err);
		else
			ret = kiste_err_set(err, -ENOENT, "%s needs the %s module of the guest "
					    "kernel %s: neither %s nor modules.builtin lists it: "
					    "pass --kernel of a kernel built with %s", why, want[i],
					    version, path, want[i]);
	}
	for (i = 0; i < nwant; i++) {
		free(dep[i]);
		free(builtin[i]);
	}
	return ret;
}

/* A .ko.xz (kmod's usual compression) unpacked with liblzma, which kiste links for bzImages. */
static int xz_add(struct linux_initramfs *ir, const char *guest, int fd, size_t size,
		  const char *path, struct kiste_err *err)
{
	lzma_stream zs = LZMA_STREAM_INIT;
	uint8_t *in = malloc(size ? size : 1), *out = NULL, *p;
	lzma_ret r = LZMA_MEM_ERROR;
	size_t cap = 0;
	int ret;

	/* Modules are packed with a 1 MiB dictionary; the limit bounds a stray file's demand. */
	if (in && pread(fd, in, size, 0) == (ssize_t)size &&
	    lzma_stream_decoder(&zs, 128u << 20, 0) == LZMA_OK) {
		zs.next_in = in;
		zs.avail_in = size;
		do {
			if (!zs.avail_out) {
				cap = cap ? 2 * cap : 4 * size + 4096;
				if (cap > VM_MODULE_SIZE_MAX || !(p = realloc(out, cap))) {
					r = LZMA_MEMLIMIT_ERROR;
					break;
				}
				out = p;
				zs.next_out = out + zs.total_out;
				zs.avail_out = cap - zs.total_out;
			}
			r = lzma_code(&zs, LZMA_FINISH);
		} while (r == LZMA_OK);
	}
	if (r == LZMA_STREAM_END)
		ret = linux_initramfs_add(ir, guest, S_IFREG | 0600, 0, out, zs.total_out, err);
	else
		ret = kiste_err_set(err, -EINVAL, "cannot unpack the guest kernel's module %s: "
				    "not an .xz file of at most %u MiB unpacked: reinstall that "
				    "kernel's modules", path, VM_MODULE_SIZE_MAX >> 20);
	lzma_end(&zs);
	free(in);
	free(out);
	return ret;
}

/* One module: a regular file beneath @dfd (m->dir), never a symlink; stored as is, or unpacked. */
static int mod_add(struct linux_initramfs *ir, const char *dir, int dfd,
		   const struct vm_module *mod, struct kiste_err *err)
{
	char guest[sizeof(KISTE_VM_MODULES_DIR) + VM_MODULE_NAME_MAX + 4];
	char path[PATH_MAX + VM_MODULE_PATH_MAX];
	const char *ext = strrchr(mod->rel, '/') ? strrchr(mod->rel, '/') : mod->rel;
	struct stat st;
	int fd, ret;

	ext = strstr(ext, ".ko") + 3;	/* mod_name() found it */
	snprintf(guest, sizeof(guest), KISTE_VM_MODULES_DIR "/%s.ko", mod->name);
	snprintf(path, sizeof(path), "%s/%s", dir, mod->rel);
	fd = kiste_open_regular_in(dfd, mod->rel, O_RDONLY | O_NOFOLLOW, &st);
	if (fd < 0)
		return kiste_err_set(err, fd, "cannot read the guest kernel's module %s: %s: "
				     "reinstall that kernel's modules", path, fd == -EINVAL ?
				     "not a regular file (a symlink is refused)" : strerror(-fd));
	if ((uint64_t)st.st_size > VM_MODULE_SIZE_MAX)
		ret = kiste_err_set(err, -EFBIG, "the guest kernel's module %s is over %u MiB: "
				    "refused", path, VM_MODULE_SIZE_MAX >> 20);
	else if (!*ext)
		ret = linux_initramfs_add_fd(ir, guest, 0600, fd, 0, st.st_size, err);
	else if (!strcmp(ext, ".xz"))
		ret = xz_add(ir, guest, fd, st.st_size, path, err);
	else
		ret = kiste_err_set(err, -EOPNOTSUPP, "the guest kernel's module %s is "
				    "compressed as %s, which kiste does not unpack (it does .xz): "
				    "pass --kernel of a kernel whose modules are plain or .xz", path,
				    ext);
	close(fd);
	return ret;
}

int vm_modules_add(struct linux_initramfs *ir, const struct vm_modules *m, struct kiste_err *err)
{
	unsigned int i;
	int dfd, ret = 0;

	if (!m->n)
		return 0;
	dfd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return kiste_err_set(err, -errno, "cannot open the guest kernel's modules %s: %s",
				     m->dir, strerror(errno));
	for (i = 0; ret == 0 && i < m->n; i++)
		ret = mod_add(ir, m->dir, dfd, &m->mod[i], err);
	close(dfd);
	return ret;
}
