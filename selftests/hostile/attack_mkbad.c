// SPDX-License-Identifier: GPL-2.0
// attack_mkbad.c - malformed inputs made from good ones: ELF headers, unikernel manifests, bzImages.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiste/unikernel.h>

#include "attack.h"

struct img {
	unsigned char *d;
	size_t n;
};

static Elf64_Phdr *first_load(struct img *f)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f->d;
	Elf64_Phdr *ph = (Elf64_Phdr *)(f->d + eh->e_phoff);
	int i;

	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			return &ph[i];
	return NULL;
}

/* The manifest in the KISTE note (name "KISTE" padded to 8, then the descriptor). */
static struct kiste_uk_manifest *manifest(struct img *f)
{
	static const unsigned char name[8] = "KISTE";
	size_t i;

	for (i = 12; i + 8 + sizeof(struct kiste_uk_manifest) <= f->n; i++) {
		uint32_t *nh = (uint32_t *)(f->d + i - 12);

		if (!memcmp(f->d + i, name, 8) && nh[0] == 6 && nh[2] == KISTE_UK_NOTE_MANIFEST)
			return (struct kiste_uk_manifest *)(f->d + i + 8);
	}
	return NULL;
}

/* One malformation of @f, in place; its new length in *n. 0, or -1 when KIND does not fit. */
static int mangle(const char *kind, struct img *f)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f->d;
	int elf = f->n > sizeof(*eh) && !memcmp(f->d, ELFMAG, SELFMAG);
	Elf64_Phdr *ld = elf ? first_load(f) : NULL;
	struct kiste_uk_manifest *m = elf ? manifest(f) : NULL;
	int bz = f->n > 0x260 && !memcmp(f->d + 0x202, "HdrS", 4);
	uint32_t off, len;

	if (!strcmp(kind, "elf-phoff") && elf)
		eh->e_phoff = f->n + 4096;
	else if (!strcmp(kind, "elf-phnum") && elf)
		eh->e_phnum = 0xffff;
	else if (!strcmp(kind, "elf-lowload") && ld)
		ld->p_vaddr = ld->p_paddr = 0x10000, eh->e_entry = 0x10000;
	else if (!strcmp(kind, "elf-bigmem") && ld)
		ld->p_memsz = 0x101000 - ld->p_vaddr; /* vaddr + memsz wraps into 0x100000.. */
	else if (!strcmp(kind, "elf-trunc") && elf)
		f->n = eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf64_Phdr) + 16;
	else if (!strcmp(kind, "uk-ndev") && m)
		m->ndevices = KISTE_UK_MAX_DEVICES + 1;
	else if (!strcmp(kind, "uk-flags") && m)
		m->flags = 1;
	else if (!strcmp(kind, "uk-name") && m && m->ndevices)
		memcpy(m->dev[0].name, "\x1b]0;pwned\x07\x1b[2J", 14);
	else if (!strcmp(kind, "uk-type") && m && m->ndevices)
		m->dev[0].type = 9;
	else if (!strcmp(kind, "bz-trunc") && bz)
		f->n /= 4;
	else if (!strcmp(kind, "bz-setup") && bz)
		f->d[0x1f1] = 0xff;
	else if (!strcmp(kind, "bz-payload") && bz)
		off = 0xfffffff0u, memcpy(f->d + 0x248, &off, 4);
	else if (!strcmp(kind, "bz-paylen") && bz)
		len = 0xffffffffu, memcpy(f->d + 0x24c, &len, 4);
	else if (!strcmp(kind, "bz-xz") && bz) {
		/* setup, then the payload at payload_offset: damage 64 KiB in its middle */
		size_t setup = ((size_t)(f->d[0x1f1] ? f->d[0x1f1] : 4) + 1) * 512, at;

		memcpy(&off, f->d + 0x248, 4);
		memcpy(&len, f->d + 0x24c, 4);
		at = setup + off + len / 2;
		if (at + 65536 > f->n)
			return -1;
		memset(f->d + at, 0xa5, 65536);
	} else
		return -1;
	return 0;
}

int cmd_mkbad(int argc, char **argv)
{
	struct img f = { 0 };
	struct stat st;
	int fd;

	if (argc < 3)
		return 2;
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0 || !(f.d = malloc(st.st_size + 1)) ||
	    read(fd, f.d, st.st_size) != st.st_size) {
		printf("mkbad: %s: %s\n", argv[1], ename(errno));
		return 1;
	}
	close(fd);
	f.n = st.st_size;
	if (mangle(argv[0], &f) < 0) {
		printf("mkbad: %s does not apply to %s\n", argv[0], argv[1]);
		return 1;
	}
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || write(fd, f.d, f.n) != (ssize_t)f.n || close(fd) < 0) {
		printf("mkbad: %s: %s\n", argv[2], ename(errno));
		return 1;
	}
	return 0;
}
