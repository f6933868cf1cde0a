/* SPDX-License-Identifier: GPL-2.0 */
/* kiste_uk_sdk.h - what a kiste unikernel app sees: manifest macro, host calls, libc subset. */
#ifndef KISTE_UK_SDK_H
#define KISTE_UK_SDK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <kiste/unikernel.h>

#include "kiste_libc.h"

/* The ELF note layout documented in kiste/unikernel.h. */
struct kiste_uk_note {
	__u32 namesz;
	__u32 descsz;
	__u32 type;
	char name[8];
	struct kiste_uk_manifest desc;
};

#define KISTE_UK_BLOCK(n)                                                                          \
	{                                                                                          \
		.name = n, .type = KISTE_UK_DEV_BLOCK                                              \
	}
#define KISTE_UK_NET(n)                                                                            \
	{                                                                                          \
		.name = n, .type = KISTE_UK_DEV_NET                                                \
	}

/* Every app has exactly one: KISTE_UK_MANIFEST(); or KISTE_UK_MANIFEST(KISTE_UK_BLOCK("disk")); */
#define KISTE_UK_MANIFEST(...)                                                                     \
	__attribute__((used, section(".note.kiste"),                                               \
		       aligned(4))) static const struct kiste_uk_note kiste_uk_manifest_note = {   \
		.namesz = sizeof(KISTE_UK_NOTE_NAME),                                              \
		.descsz = sizeof(struct kiste_uk_manifest),                                        \
		.type = KISTE_UK_NOTE_MANIFEST,                                                    \
		.name = KISTE_UK_NOTE_NAME,                                                        \
		.desc = { .abi_version = KISTE_UK_ABI_VERSION,                                     \
			  .ndevices = sizeof((struct kiste_uk_mft_dev[]){ __VA_ARGS__ }) /         \
				      sizeof(struct kiste_uk_mft_dev),                             \
			  .dev = { __VA_ARGS__ } },                                                \
	}

int main(int argc, char **argv);

/* ---- host calls (sdk/calls.c) ---- */
const struct kiste_uk_start *uk_start_info(void);
/* NULL when the manifest has no such device. */
const struct kiste_uk_devinfo *uk_device(const char *name);
long uk_console_write(const void *buf, size_t len);
uint64_t uk_clock_monotonic(void);
uint64_t uk_clock_wall(void);
int uk_yield(uint64_t deadline_ns, uint64_t *ready_set);
int uk_block_read(unsigned int handle, uint64_t off, void *buf, size_t len);
int uk_block_write(unsigned int handle, uint64_t off, const void *buf, size_t len);
int uk_net_read(unsigned int handle, void *buf, size_t size, size_t *n);
int uk_net_write(unsigned int handle, const void *buf, size_t len);
__attribute__((noreturn)) void uk_exit(int status);

/* ---- libc subset (freestanding/kiste_libc.h; sdk/printf.c, sdk/heap.c) ---- */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void free(void *p);

#endif /* KISTE_UK_SDK_H */
