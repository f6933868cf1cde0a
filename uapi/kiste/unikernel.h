/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * unikernel.h - the kiste unikernel ABI: manifest note, start info, host-call table.
 *
 * One binary runs in both isolations of `kiste run --mode=unikernel`:
 *  - process: the tender maps the image into its own address space and the
 *    host-call table points at the tender's freestanding syscall stubs, behind
 *    a seccomp filter of at most 7 syscalls;
 *  - vm: the VMM loads the same image into a tiny long-mode KVM guest and the
 *    table points at guest-side stubs that turn each call into an I/O-port
 *    hypercall (port KISTE_UK_HC_PORT_BASE + call number).
 * The unikernel never makes a system call or a hypercall itself: it calls the
 * entries of kiste_uk_start.calls[] with the SysV x86_64 calling convention.
 *
 * Bump KISTE_UK_ABI_VERSION on any change of meaning or layout.
 */
#ifndef _UAPI_KISTE_UNIKERNEL_H
#define _UAPI_KISTE_UNIKERNEL_H

#include <linux/types.h>

#define KISTE_UK_ABI_VERSION	1

/*
 * The manifest: an ELF note, in a PT_NOTE segment of the executable, with
 * owner name KISTE_UK_NOTE_NAME (namesz 6, padded to 8) and type
 * KISTE_UK_NOTE_MANIFEST; its descriptor is one struct kiste_uk_manifest
 * (descsz == sizeof(struct kiste_uk_manifest)).  An executable without it is
 * not a unikernel (kiste run exits 126).  Devices are declared by name and
 * bound at run time (--block NAME=FILE, --net NAME=TAPDEV); every declared
 * device MUST be bound, and no undeclared name may be.
 */
#define KISTE_UK_NOTE_NAME	"KISTE"
#define KISTE_UK_NOTE_MANIFEST	0x4b550001

#define KISTE_UK_MAX_DEVICES	8
#define KISTE_UK_DEV_NAME_MAX	32	/* includes the terminating NUL */

enum kiste_uk_dev_type {
	KISTE_UK_DEV_NONE,
	KISTE_UK_DEV_BLOCK,	/* a regular file, KISTE_UK_BLOCK_SIZE blocks */
	KISTE_UK_DEV_NET,	/* a tap device: Ethernet frames, no packet info */
};

struct kiste_uk_mft_dev {
	char name[KISTE_UK_DEV_NAME_MAX];	/* NUL-terminated, [A-Za-z0-9_-] */
	__u32 type;				/* enum kiste_uk_dev_type */
	__u32 flags;				/* MUST be 0 */
};

struct kiste_uk_manifest {
	__u32 abi_version;	/* KISTE_UK_ABI_VERSION the binary was built for */
	__u32 ndevices;		/* <= KISTE_UK_MAX_DEVICES */
	__u32 flags;		/* MUST be 0 */
	__u32 reserved;		/* MUST be 0 */
	struct kiste_uk_mft_dev dev[KISTE_UK_MAX_DEVICES];	/* [0, ndevices) used */
};

/*
 * Image and memory.  The executable is a static, non-PIE ELF64 x86_64 whose
 * PT_LOAD segments lie at or above KISTE_UK_LOAD_ADDR and below the memory
 * size given with --memory (default KISTE_UK_MEMORY_DEFAULT).  The loader
 * places the start info, the heap and the stack in that memory; the unikernel
 * MUST NOT touch memory outside its segments, the start info, [heap_start,
 * heap_start + heap_size) and its stack.
 */
#define KISTE_UK_LOAD_ADDR	0x100000ULL
#define KISTE_UK_MEMORY_DEFAULT	(32ULL << 20)
#define KISTE_UK_MEMORY_MAX	(1ULL << 30)
#define KISTE_UK_STACK_SIZE	(256ULL << 10)
#define KISTE_UK_BLOCK_SIZE	512
#define KISTE_UK_NET_MTU	1500

/* Host calls: index into kiste_uk_start.calls[].  Arguments a0..a3 as noted. */
enum kiste_uk_call {
	/* (buf, len): writes to the console; returns len or < 0 */
	KISTE_UK_CALL_CONSOLE_WRITE,
	/* (): returns CLOCK_MONOTONIC in ns */
	KISTE_UK_CALL_CLOCK_MONOTONIC,
	/* (): returns CLOCK_REALTIME in ns since the epoch */
	KISTE_UK_CALL_CLOCK_WALL,
	/*
	 * (deadline_ns, ready_set *OUT u64): waits until the monotonic clock
	 * reaches deadline_ns or a net device has a frame to read; stores the
	 * bit set (1 << handle) of readable devices; returns 0
	 */
	KISTE_UK_CALL_YIELD,
	/*
	 * (handle, offset, buf, len): offset and len MUST be multiples of the
	 * block size and offset + len MUST be <= capacity; returns 0 or < 0
	 */
	KISTE_UK_CALL_BLOCK_READ,
	KISTE_UK_CALL_BLOCK_WRITE,
	/* (handle, buf, size, read_size *OUT u64): one frame; KISTE_UK_EAGAIN if none */
	KISTE_UK_CALL_NET_READ,
	/* (handle, buf, len): one frame of at most mtu + 14 bytes; returns 0 or < 0 */
	KISTE_UK_CALL_NET_WRITE,
	/* (status): MUST NOT return; status 0..255 is kiste run's exit code */
	KISTE_UK_CALL_EXIT,

	KISTE_UK_CALL_COUNT
};

#define KISTE_UK_CALLS_MAX	16	/* slots in the table; unused ones are 0 */

/* Results of host calls (negative). */
#define KISTE_UK_OK		0
#define KISTE_UK_EAGAIN		(-1)
#define KISTE_UK_EINVAL		(-2)
#define KISTE_UK_EUNSPEC	(-3)

/* Hypercalls in vm isolation: OUT of a 32-bit guest-physical address of __u64 args[5]. */
#define KISTE_UK_HC_PORT_BASE	0x500

struct kiste_uk_devinfo {
	char name[KISTE_UK_DEV_NAME_MAX];	/* OUT: as in the manifest */
	__u32 type;				/* OUT: enum kiste_uk_dev_type */
	__u32 handle;				/* OUT: first argument of device calls */
	__u64 block_size;			/* OUT: block devices */
	__u64 capacity;				/* OUT: block devices, bytes */
	__u8 mac[6];				/* OUT: net devices */
	__u16 mtu;				/* OUT: net devices */
	__u32 reserved;				/* OUT: 0 */
};

#define KISTE_UK_START_F_VM	0x1	/* running in a KVM guest */

/*
 * Passed in %rdi to the ELF entry point, with %rsp 16-byte aligned minus 8
 * (as after a call).  The entry point MUST NOT return: it ends with
 * KISTE_UK_CALL_EXIT.  Everything is OUT (filled by the loader); the
 * unikernel MUST check abi_version.
 */
struct kiste_uk_start {
	__u32 abi_version;		/* OUT: KISTE_UK_ABI_VERSION */
	__u32 flags;			/* OUT: KISTE_UK_START_F_* */
	__u64 calls[KISTE_UK_CALLS_MAX];	/* OUT: entry points, by enum kiste_uk_call */
	__u64 argv;			/* OUT: char *argv[argc + 1], argv[0] = the app */
	__u32 argc;			/* OUT */
	__u32 ndevices;			/* OUT: == manifest ndevices */
	__u64 heap_start;		/* OUT */
	__u64 heap_size;		/* OUT */
	struct kiste_uk_devinfo dev[KISTE_UK_MAX_DEVICES];	/* OUT: manifest order */
};

#endif /* _UAPI_KISTE_UNIKERNEL_H */
