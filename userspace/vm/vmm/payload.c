// SPDX-License-Identifier: GPL-2.0
// payload.c - a bzImage's vmlinux decompressed by the VMM (and cached), its segments placed.
/*
 * The bzImage's own decompressor runs as guest code: under nested
 * virtualization every one of its instructions and page faults is slow.  The
 * VMM does the same work at its own speed instead, streaming the xz payload
 * (setup header: payload_offset/payload_length) through liblzma straight into
 * guest memory at each segment's physical address, then enters the kernel's
 * startup_64 with boot_params in RSI as the 64-bit boot protocol does.
 * Only xz is handled (Debian's kernels); other compressions return
 * -EOPNOTSUPP and the caller boots the bzImage as it is.
 *
 * Decompressing is itself slow when the VMM runs under emulation (the test
 * VM: ~17 s for Debian's kernel), so the result is cached: a sparse copy of
 * the vmlinux's headers and segments, named by the bzImage's identity (device,
 * inode, size, mtime), in a directory only the caller's user can write.  Any
 * problem with the cache only means decompressing again.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cache.h"
#include "boot.h"
#include "boot_int.h"

#define IN_CHUNK	(64u << 10)
#define OUT_CHUNK	(64u << 10)
/* vmlinux has ~5 PT_LOADs; its ELF and program headers sit in the first page. */
#define PHDR_MAX	16
#define HEAD_BYTES	4096
/* liblzma's whole working set: the kernel's 32 MiB dictionary plus the decoder state. */
#define LZMA_MEMLIMIT	(64ULL << 20)
/* The dictionary may use guest RAM above this much room (it is dropped before the guest runs). */
#define SCRATCH_MIN	(1u << 20)
#define PAGE		4096u
/* What a vmlinux may hold past its last segment (section headers, notes) before it is refused. */
#define TAIL_MAX	(64ULL << 20)
/* Cached kernels kept per directory: the most recently used ones. */
#define CACHE_KEEP	4

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

struct sink {
	uint8_t *mem;
	uint64_t ram_end;
	uint64_t scratch_lo, scratch_hi;	/* guest RAM lent to the decoder */
	uint64_t pos;			/* offset in the ELF file of the next output byte */
	uint8_t head[HEAD_BYTES];	/* the ELF header and program headers */
	Elf64_Phdr ph[PHDR_MAX];
	unsigned int nph;
	int parsed;
};

/*
 * Big liblzma allocations (the dictionary) go to free guest RAM, [lo, hi), not
 * the VMM's heap: dropped with MADV_DONTNEED once the kernel is in place, so
 * the VMM's own footprint stays small and the guest sees zeroed RAM there.
 */
struct scratch {
	uint8_t *lo, *hi;
	uint8_t *used;
	size_t used_len;
};

static void *scratch_alloc(void *opaque, size_t nmemb, size_t size)
{
	struct scratch *s = opaque;
	size_t len;

	if (__builtin_mul_overflow(nmemb, size, &len))
		return NULL;
	if (len >= SCRATCH_MIN && !s->used && (size_t)(s->hi - s->lo) >= len) {
		s->used = s->lo;
		s->used_len = len;
		return s->used;
	}
	return malloc(len);
}

static void scratch_free(void *opaque, void *ptr)
{
	struct scratch *s = opaque;

	if (ptr && ptr == s->used) {
		madvise(s->used, s->used_len, MADV_DONTNEED);
		s->used = NULL;
		return;
	}
	free(ptr);
}

static int bad(struct kiste_err *err, const char *why)
{
	return kiste_err_set(err, -ENOEXEC, "the kernel's compressed vmlinux is unusable (%s): "
			     "pass an intact bzImage with --kernel PATH or KISTE_KERNEL", why);
}

/* Checks the ELF and program headers once the first HEAD_BYTES are in. */
static int sink_parse(struct sink *s, struct kiste_err *err)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)s->head;
	unsigned int i;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phnum == 0 || eh->e_phnum > PHDR_MAX || eh->e_phoff > HEAD_BYTES ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > HEAD_BYTES)
		return bad(err, "no x86_64 ELF inside");
	for (i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr p;

		memcpy(&p, s->head + eh->e_phoff + i * sizeof(p), sizeof(p));
		if (p.p_type != PT_LOAD || !p.p_memsz)
			continue;
		/* Sorted by file offset, inside RAM above 1 MiB, no overlap: streamable. */
		if (p.p_filesz > p.p_memsz || p.p_paddr < LINUX_HIGH ||
		    p.p_paddr + p.p_memsz > s->ram_end || p.p_paddr + p.p_memsz < p.p_paddr ||
		    p.p_offset < HEAD_BYTES ||
		    (p.p_paddr < s->scratch_hi && p.p_paddr + p.p_memsz > s->scratch_lo) ||
		    (s->nph && p.p_offset < s->ph[s->nph - 1].p_offset +
					     s->ph[s->nph - 1].p_filesz))
			return bad(err, "segments out of order, outside guest RAM or past "
				   "init_size");
		s->ph[s->nph++] = p;
	}
	if (!s->nph)
		return bad(err, "no loadable segment");
	s->parsed = 1;
	return 0;
}

/* Takes @len decompressed bytes: headers kept, segment bytes copied, gaps dropped. */
static int sink_put(struct sink *s, const uint8_t *p, size_t len, struct kiste_err *err)
{
	unsigned int i;

	while (len) {
		size_t n = len;

		if (s->pos < HEAD_BYTES) {
			n = HEAD_BYTES - s->pos < len ? HEAD_BYTES - s->pos : len;
			memcpy(s->head + s->pos, p, n);
			if (s->pos + n == HEAD_BYTES && sink_parse(s, err) < 0)
				return -ENOEXEC;
		} else {
			for (i = 0; i < s->nph; i++) {
				const Elf64_Phdr *ph = &s->ph[i];
				uint64_t end = ph->p_offset + ph->p_filesz;

				if (s->pos >= end)
					continue;
				if (s->pos < ph->p_offset) {
					n = ph->p_offset - s->pos < len ? ph->p_offset - s->pos : len;
					break;	/* a gap before segment i */
				}
				n = end - s->pos < len ? end - s->pos : len;
				memcpy(s->mem + ph->p_paddr + (s->pos - ph->p_offset), p, n);
				break;
			}
		}
		s->pos += n;
		p += n;
		len -= n;
	}
	return 0;
}

/* The physical entry: e_entry is physical in Linux's vmlinux, else virtual in a segment. */
static int entry_of(const struct sink *s, uint64_t *entry)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)s->head;
	unsigned int i;

	for (i = 0; i < s->nph; i++)
		if (eh->e_entry >= s->ph[i].p_paddr &&
		    eh->e_entry < s->ph[i].p_paddr + s->ph[i].p_memsz) {
			*entry = eh->e_entry;
			return 0;
		}
	for (i = 0; i < s->nph; i++)
		if (eh->e_entry >= s->ph[i].p_vaddr &&
		    eh->e_entry < s->ph[i].p_vaddr + s->ph[i].p_memsz) {
			*entry = s->ph[i].p_paddr + (eh->e_entry - s->ph[i].p_vaddr);
			return 0;
		}
	return -ENOEXEC;
}

static int xz_run(const struct linux_kernel *k, lzma_stream *zs, struct sink *s,
		  struct kiste_err *err)
{
	uint8_t *in = malloc(IN_CHUNK), *out = malloc(OUT_CHUNK);
	uint64_t off = 0;
	lzma_ret r = LZMA_OK;
	int ret = 0;

	if (!in || !out) {
		ret = kiste_err_set(err, -ENOMEM, "out of memory decompressing the kernel");
		goto out_free;
	}
	while (r == LZMA_OK) {
		if (!zs->avail_in && off < k->payload_len) {
			size_t n = k->payload_len - off < IN_CHUNK ? k->payload_len - off : IN_CHUNK;

			ret = linux_pread_all(k->fd, in, n, k->setup_len + k->payload_off + off);
			if (ret < 0) {
				kiste_err_set(err, ret, "cannot read the kernel: %s", strerror(-ret));
				goto out_free;
			}
			zs->next_in = in;
			zs->avail_in = n;
			off += n;
		}
		zs->next_out = out;
		zs->avail_out = OUT_CHUNK;
		/* All input given and none left: a truncated stream ends as LZMA_BUF_ERROR. */
		r = lzma_code(zs, off == k->payload_len ? LZMA_FINISH : LZMA_RUN);
		ret = sink_put(s, out, OUT_CHUNK - zs->avail_out, err);
		if (ret < 0)
			goto out_free;
		/* A stream that inflates without end would hold up the run before --timeout. */
		if (s->parsed && s->pos > s->ph[s->nph - 1].p_offset + s->ph[s->nph - 1].p_filesz +
					   TAIL_MAX) {
			ret = bad(err, "it decompresses to far more than its segments");
			goto out_free;
		}
	}
	if (r != LZMA_STREAM_END)
		ret = bad(err, r == LZMA_MEMLIMIT_ERROR ? "needs too much memory to decompress" :
			  r == LZMA_BUF_ERROR ? "truncated" : "corrupt xz data");
	else if (!s->parsed)
		ret = bad(err, "shorter than an ELF header");
	else if (s->pos < s->ph[s->nph - 1].p_offset + s->ph[s->nph - 1].p_filesz)
		ret = bad(err, "its segments run past its end");
out_free:
	free(in);
	free(out);
	return ret;
}

static int xz_decode(const struct linux_kernel *k, struct sink *s, struct kiste_err *err)
{
	struct scratch sc = { .lo = s->mem + s->scratch_lo, .hi = s->mem + s->scratch_hi };
	lzma_allocator alloc = { .alloc = scratch_alloc, .free = scratch_free, .opaque = &sc };
	lzma_stream zs = LZMA_STREAM_INIT;
	int ret;

	zs.allocator = &alloc;
	/* No LZMA_CONCATENATED: the payload ends with the kernel's 4-byte size, not a stream. */
	if (lzma_stream_decoder(&zs, LZMA_MEMLIMIT, 0) != LZMA_OK)
		return kiste_err_set(err, -ENOMEM, "cannot start the xz decoder");
	ret = xz_run(k, &zs, s, err);
	lzma_end(&zs);
	return ret;
}

/*
 * The cache file of @k: "DIR/vmlinux-2-DEV-INO-SIZE-MTIME-CTIME" (2: this
 * format).  The owner of the bzImage can set its mtime back, not its ctime.
 */
#define CACHE_PREFIX	"vmlinux-2-"
static int cache_name(const struct linux_kernel *k, char *buf, size_t len)
{
	struct stat st;
	int n;

	if (!k->cache_dir || fstat(k->fd, &st) < 0)
		return -1;
	n = snprintf(buf, len, "%s/" CACHE_PREFIX "%llx-%llx-%llx-%llx.%lx-%llx.%lx",
		     k->cache_dir, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		     (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
		     (unsigned long)st.st_mtim.tv_nsec, (unsigned long long)st.st_ctim.tv_sec,
		     (unsigned long)st.st_ctim.tv_nsec);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* Reads the data extents of [off, off + len) of @fd to @dst; holes stay as they are (zero). */
static int extents_read(int fd, uint8_t *dst, uint64_t off, uint64_t len)
{
	uint64_t pos = off, end = off + len;
	off_t d, h;
	int ret;

	while (pos < end) {
		d = lseek(fd, pos, SEEK_DATA);
		if (d < 0)
			return errno == ENXIO ? 0 : -errno;
		if ((uint64_t)d >= end)
			return 0;
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0)
			return -errno;
		if ((uint64_t)h > end)
			h = end;
		ret = linux_pread_all(fd, dst + (d - off), h - d, d);
		if (ret < 0)
			return ret;
		pos = h;
	}
	return 0;
}

static int cache_load(const struct linux_kernel *k, struct sink *s)
{
	struct kiste_err err = { 0 };
	char name[PATH_MAX];
	struct stat st;
	unsigned int i;
	int fd, ret = -1;

	if (cache_name(k, name, sizeof(name)) < 0)
		return -1;
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !vm_cache_ours(&st) || st.st_size < HEAD_BYTES ||
	    linux_pread_all(fd, s->head, HEAD_BYTES, 0) < 0 || sink_parse(s, &err) < 0)
		goto out_close;
	for (i = 0; i < s->nph; i++) {
		const Elf64_Phdr *ph = &s->ph[i];

		if (ph->p_offset + ph->p_filesz > (uint64_t)st.st_size ||
		    extents_read(fd, s->mem + ph->p_paddr, ph->p_offset, ph->p_filesz) < 0)
			goto out_close;
	}
	/* Used now: the last to be pruned (best effort). */
	futimens(fd, NULL);
	ret = 0;
out_close:
	close(fd);
	/* Decompression rewrites the segments but not what a bad cache file put elsewhere. */
	for (i = 0; ret < 0 && s->parsed && i < s->nph; i++)
		memset(s->mem + s->ph[i].p_paddr, 0, s->ph[i].p_filesz);
	return ret;
}

static int page_zero(const uint8_t *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i])
			return 0;
	for (i = len & ~7ul; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static int cache_write(int fd, const struct sink *s)
{
	uint64_t size = HEAD_BYTES, i, n;
	unsigned int j;

	if (pwrite(fd, s->head, HEAD_BYTES, 0) != HEAD_BYTES)
		return -1;
	for (j = 0; j < s->nph; j++) {
		const Elf64_Phdr *ph = &s->ph[j];
		const uint8_t *src = s->mem + ph->p_paddr;

		/* Zero pages stay holes: the next load reads only the data. */
		for (i = 0; i < ph->p_filesz; i += n) {
			n = ph->p_filesz - i < PAGE ? ph->p_filesz - i : PAGE;
			if (!page_zero(src + i, n) &&
			    pwrite(fd, src + i, n, ph->p_offset + i) != (ssize_t)n)
				return -1;
		}
		if (ph->p_offset + ph->p_filesz > size)
			size = ph->p_offset + ph->p_filesz;
	}
	/* On disk before it is named: a crash must not leave holes where data was. */
	return ftruncate(fd, size) || fsync(fd);
}

/*
 * Best effort: written to an unnamed or temporary file, named when complete;
 * then the CACHE_KEEP most recently used kernels stay (a replaced bzImage
 * leaves its old entry behind).
 */
static void cache_store(const struct linux_kernel *k, const struct sink *s)
{
	char name[PATH_MAX], tmp[PATH_MAX];
	int fd, ok;

	if (cache_name(k, name, sizeof(name)) < 0 || vm_cache_ready(k->cache_dir) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s/.vmlinux-XXXXXX", k->cache_dir) >= (int)sizeof(tmp))
		return;
	/* Unnamed until complete: a run killed while writing leaves nothing behind. */
	fd = open(k->cache_dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0) {
		ok = cache_write(fd, s) == 0;
		snprintf(tmp, sizeof(tmp), "/proc/self/fd/%d", fd);
		if (ok && linkat(AT_FDCWD, tmp, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0) {
			close(fd);
			vm_cache_prune(k->cache_dir, CACHE_PREFIX, CACHE_KEEP);
			return;
		}
		close(fd);
		if (!ok || errno == EEXIST)	/* EEXIST: a concurrent run cached it */
			return;
		snprintf(tmp, sizeof(tmp), "%s/.vmlinux-XXXXXX", k->cache_dir);
	}
	/* No O_TMPFILE here, or no /proc: a named temporary file, renamed into place. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return;
	ok = cache_write(fd, s) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, name) < 0)
		unlink(tmp);
	else
		vm_cache_prune(k->cache_dir, CACHE_PREFIX, CACHE_KEEP);
}

int linux_payload_load(uint8_t *mem, uint64_t ram_end, const struct linux_kernel *k,
		       uint64_t scratch_lo, uint64_t scratch_hi, struct linux_payload *pl,
		       struct kiste_err *err)
{
	struct sink *s;
	unsigned int i;
	int ret = 0;

	if (k->payload_len < sizeof(xz_magic) || memcmp(k->payload_magic, xz_magic,
							sizeof(xz_magic)))
		return -EOPNOTSUPP;
	s = calloc(1, sizeof(*s));
	if (!s)
		return kiste_err_set(err, -ENOMEM, "out of memory decompressing the kernel");
	s->mem = mem;
	s->ram_end = ram_end;
	s->scratch_lo = scratch_lo;
	s->scratch_hi = scratch_hi;
	pl->cached = 0;
	if (cache_load(k, s) == 0) {
		pl->cached = 1;
	} else {
		memset(s->head, 0, sizeof(s->head));
		s->nph = 0;
		s->parsed = 0;
		ret = xz_decode(k, s, err);
		if (ret < 0)
			goto out_free;
		cache_store(k, s);
	}
	if (entry_of(s, &pl->entry) < 0) {
		ret = bad(err, "entry point outside its segments");
		goto out_free;
	}
	pl->start = s->ph[0].p_paddr;
	pl->end = 0;
	for (i = 0; i < s->nph; i++) {
		if (s->ph[i].p_paddr < pl->start)
			pl->start = s->ph[i].p_paddr;
		if (s->ph[i].p_paddr + s->ph[i].p_memsz > pl->end)
			pl->end = s->ph[i].p_paddr + s->ph[i].p_memsz;
	}
out_free:
	free(s);
	return ret;
}
