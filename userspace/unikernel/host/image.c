// SPDX-License-Identifier: GPL-2.0
// image.c - reads a unikernel executable: ELF checks, PT_LOAD segments, the KISTE manifest note.
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uk.h"

/* The whole image is read into memory; real unikernels are far smaller. */
#define KISTE_UK_IMAGE_MAX (64u << 20)
/* Room the loader needs above the image: start info pages, a minimal heap, the stack. */
#define KISTE_UK_RESERVE (2 * 4096 + 64 * 1024 + KISTE_UK_STACK_SIZE)

static int uk_read_file(int rootfd, const char *path, struct kiste_uk_image *img,
			struct kiste_err *err)
{
	struct stat st;
	ssize_t n;
	size_t off = 0;
	int fd;

	/* A FIFO (or a device) as APP must not hang before its type is seen. */
	fd = rootfd >= 0 ? kiste_open_regular_in(rootfd, path, O_RDONLY, &st) :
			   kiste_open_regular(AT_FDCWD, path, O_RDONLY, &st);
	if (fd < 0 && fd != -EINVAL)
		return kiste_err_set(err, fd == -ENOENT ? -ENOENT : -EACCES,
				     "cannot open unikernel '%s': %s: check the path", path,
				     strerror(-fd));
	if (fd < 0 || st.st_size > KISTE_UK_IMAGE_MAX) {
		if (fd >= 0)
			close(fd);
		return kiste_err_set(err, -ENOEXEC,
				     "'%s' is not a regular file of at most 64 MiB: "
				     "pass a unikernel built with kiste-uk-cc",
				     path);
	}
	img->size = st.st_size;
	img->data = malloc(img->size ? img->size : 1);
	if (!img->data) {
		close(fd);
		return kiste_err_set(err, -ENOMEM, "out of memory reading '%s'", path);
	}
	while (off < img->size) {
		n = read(fd, img->data + off, img->size - off);
		if (n <= 0) {
			close(fd);
			return kiste_err_set(err, -EIO, "cannot read '%s': %s", path,
					     n < 0 ? strerror(errno) : "short read");
		}
		off += n;
	}
	close(fd);
	return 0;
}

static bool uk_range_ok(const struct kiste_uk_image *img, uint64_t off, uint64_t len)
{
	return off <= img->size && len <= img->size - off;
}

/* Walks one PT_NOTE segment; returns 1 when the manifest was found and copied. */
static int uk_scan_notes(struct kiste_uk_image *img, const Elf64_Phdr *ph, const char *path,
			 struct kiste_err *err)
{
	uint64_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;
	Elf64_Nhdr h, *nh = &h;
	uint64_t name_off, desc_off;

	while (off + sizeof(*nh) <= end) {
		memcpy(&h, img->data + off, sizeof(h));	/* at any offset the file gives */
		name_off = off + sizeof(*nh);
		desc_off = name_off + ((nh->n_namesz + 3) & ~3u);
		if (desc_off + nh->n_descsz > end)
			break;
		if (nh->n_type == KISTE_UK_NOTE_MANIFEST &&
		    nh->n_namesz == sizeof(KISTE_UK_NOTE_NAME) &&
		    !memcmp(img->data + name_off, KISTE_UK_NOTE_NAME, sizeof(KISTE_UK_NOTE_NAME))) {
			if (nh->n_descsz < 4)
				break;
			memcpy(&img->mft.abi_version, img->data + desc_off, 4);
			if (img->mft.abi_version != KISTE_UK_ABI_VERSION)
				return kiste_err_set(
					err, -ENOEXEC,
					"'%s' was built for unikernel ABI "
					"v%u, this kiste runs v%u: rebuild it with this "
					"kiste's kiste-uk-cc",
					path, img->mft.abi_version, KISTE_UK_ABI_VERSION);
			if (nh->n_descsz != sizeof(img->mft))
				break;
			memcpy(&img->mft, img->data + desc_off, sizeof(img->mft));
			return 1;
		}
		off = desc_off + ((nh->n_descsz + 3) & ~3u);
	}
	return 0;
}

static int uk_check_manifest(const struct kiste_uk_manifest *m, const char *path,
			     struct kiste_err *err)
{
	uint32_t i, j;

	if (m->ndevices > KISTE_UK_MAX_DEVICES || m->flags || m->reserved)
		goto bad;
	for (i = 0; i < m->ndevices; i++) {
		size_t len = strnlen(m->dev[i].name, KISTE_UK_DEV_NAME_MAX);

		/* Names reach messages and the terminal: the ABI's charset, checked here. */
		if (len == KISTE_UK_DEV_NAME_MAX || !kiste_uk_dev_name_valid(m->dev[i].name, len) ||
		    m->dev[i].flags ||
		    (m->dev[i].type != KISTE_UK_DEV_BLOCK && m->dev[i].type != KISTE_UK_DEV_NET))
			goto bad;
		/* A name binds one device (--block NAME=, --net NAME=): two would share it. */
		for (j = 0; j < i; j++)
			if (!strncmp(m->dev[i].name, m->dev[j].name, KISTE_UK_DEV_NAME_MAX))
				return kiste_err_set(err, -ENOEXEC,
						     "'%s' declares device '%s' twice: rebuild it "
						     "with one name per device",
						     path, m->dev[i].name);
	}
	return 0;
bad:
	return kiste_err_set(err, -ENOEXEC,
			     "'%s' has a malformed kiste manifest: rebuild it with "
			     "kiste-uk-cc",
			     path);
}

static int uk_add_seg(struct kiste_uk_image *img, const Elf64_Phdr *ph, uint64_t memory,
		      const char *path, struct kiste_err *err)
{
	if (img->nseg == KISTE_UK_MAX_SEGS || ph->p_filesz > ph->p_memsz ||
	    !uk_range_ok(img, ph->p_offset, ph->p_filesz) || ph->p_vaddr < KISTE_UK_LOAD_ADDR ||
	    ph->p_memsz > KISTE_UK_MEMORY_MAX || ph->p_vaddr > KISTE_UK_MEMORY_MAX)
		return kiste_err_set(err, -ENOEXEC,
				     "'%s' has segments outside the unikernel "
				     "layout: link it with kiste-uk-cc",
				     path);
	if (ph->p_vaddr + ph->p_memsz + KISTE_UK_RESERVE > memory)
		return kiste_err_set(err, -E2BIG,
				     "unikernel '%s' does not fit in %llu MiB of "
				     "memory: raise --memory",
				     path, (unsigned long long)(memory >> 20));
	img->seg[img->nseg++] = (struct kiste_uk_seg){ ph->p_vaddr, ph->p_memsz, ph->p_filesz,
						       ph->p_offset, ph->p_flags };
	if (ph->p_vaddr + ph->p_memsz > img->end)
		img->end = ph->p_vaddr + ph->p_memsz;
	return 0;
}

static int uk_parse_elf(struct kiste_uk_image *img, uint64_t memory, const char *path,
			struct kiste_err *err)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img->data;
	const Elf64_Phdr *ph;
	int found = 0, ret;
	uint16_t i;

	if (img->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return kiste_err_set(err, -ENOEXEC,
				     "'%s' is not an ELF executable: build the "
				     "unikernel with kiste-uk-cc",
				     path);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64)
		return kiste_err_set(err, -ENOEXEC,
				     "'%s' is not an x86_64 ELF: build the unikernel "
				     "for x86_64 with kiste-uk-cc",
				     path);
	if (eh->e_phentsize != sizeof(*ph) || eh->e_phoff % _Alignof(Elf64_Phdr) ||
	    !uk_range_ok(img, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(*ph)))
		return kiste_err_set(err, -ENOEXEC,
				     "'%s' has a corrupt program header table: "
				     "rebuild it with kiste-uk-cc",
				     path);
	ph = (const Elf64_Phdr *)(img->data + eh->e_phoff);
	for (i = 0; i < eh->e_phnum && !found; i++) {
		if (ph[i].p_type != PT_NOTE || !uk_range_ok(img, ph[i].p_offset, ph[i].p_filesz))
			continue;
		found = uk_scan_notes(img, &ph[i], path, err);
		if (found < 0)
			return found;
	}
	if (!found || eh->e_type != ET_EXEC)
		return kiste_err_set(err, -ENOEXEC,
				     "'%s' is not a kiste unikernel (no KISTE "
				     "manifest note in a static executable): build it with "
				     "kiste-uk-cc",
				     path);
	ret = uk_check_manifest(&img->mft, path, err);
	for (i = 0; i < eh->e_phnum && !ret; i++) {
		if (ph[i].p_type == PT_INTERP || ph[i].p_type == PT_DYNAMIC)
			return kiste_err_set(err, -ENOEXEC,
					     "'%s' is dynamically linked: build it "
					     "with kiste-uk-cc",
					     path);
		if (ph[i].p_type == PT_LOAD && ph[i].p_memsz)
			ret = uk_add_seg(img, &ph[i], memory, path, err);
	}
	if (!ret && (!img->nseg || eh->e_entry < KISTE_UK_LOAD_ADDR || eh->e_entry >= img->end))
		return kiste_err_set(err, -ENOEXEC,
				     "'%s' has no loadable entry point: link it with "
				     "kiste-uk-cc",
				     path);
	img->entry = eh->e_entry;
	return ret;
}

int kiste_uk_image_load(const char *path, uint64_t memory, struct kiste_uk_image *img,
			struct kiste_err *err)
{
	return kiste_uk_image_load_in(-1, path, memory, img, err);
}

int kiste_uk_image_load_in(int rootfd, const char *path, uint64_t memory,
			   struct kiste_uk_image *img, struct kiste_err *err)
{
	int ret;

	*img = (struct kiste_uk_image){ 0 };
	ret = uk_read_file(rootfd, path, img, err);
	if (ret == 0)
		ret = uk_parse_elf(img, memory ? memory : KISTE_UK_MEMORY_DEFAULT, path, err);
	if (ret < 0)
		kiste_uk_image_free(img);
	return ret;
}

void kiste_uk_image_free(struct kiste_uk_image *img)
{
	free(img->data);
	img->data = NULL;
}
