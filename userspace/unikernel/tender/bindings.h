/* SPDX-License-Identifier: GPL-2.0 */
/* bindings.h - the contract between the launcher and the bindings blob of process isolation. */
#ifndef KISTE_UK_BINDINGS_H
#define KISTE_UK_BINDINGS_H

#include <stdint.h>

#include <kiste/unikernel.h>

/* The console descriptor the filter admits writes to. */
#define KISTE_UK_CONSOLE_FD 1

/*
 * The bindings blob: the freestanding host-call stubs and the code that enters
 * the unikernel, linked as their own -nostdlib image at UK_BLOB_ADDR (below
 * the unikernel's KISTE_UK_LOAD_ADDR) and embedded in kiste.  In process
 * isolation the child maps it there, fills its hand-over block and calls its
 * entry, which unmaps everything of kiste's and jumps into the unikernel: the
 * unikernel's process then holds only the unikernel's memory, the blob and
 * [vsyscall] (which no process can unmap).
 *
 * Bump UK_BLOB_VERSION on any change of these structures.  The launcher and
 * the blob are built together: a mismatch means a broken build, and the
 * launcher refuses to run it.
 */
#define UK_BLOB_ADDR	0x10000ULL
#define UK_BLOB_MAGIC	0x4c42554bU /* "KUBL" */
#define UK_BLOB_VERSION 2
/* XCR0 bits of x87, SSE, AVX, AVX-512 opmask, ZMM_Hi256 and Hi16_ZMM. */
#define UK_BLOB_XINIT_MAX 0xe7ULL
/* The kernel's limit on a seccomp program (BPF_MAXINSNS). */
#define UK_BLOB_BPF_MAX 4096

/*
 * Direct entry (UK_HO_F_DIRECT): the unikernel runs in kiste run's own
 * process, with no supervising parent to map its end to kiste run's exit
 * status.  The blob then does it: a handler for each signal whose default
 * action ends the process turns it into exit_group(128 + N), and for SIGSYS
 * first writes the line the parent would print, from a page the blob makes
 * read-only before the filter goes in (the filter admits writes to stderr of
 * that page alone, and traps instead of killing).  The page holds a struct
 * uk_blob_msg at UK_BLOB_MSG_ADDR, a fixed place in the blob (blob.ld), so
 * that the filter can name it.
 */
#define UK_HO_F_DIRECT	0x1
#define UK_BLOB_MSG_ADDR 0x1e000ULL
#define UK_BLOB_MSG_SIZE 0x2000ULL
struct uk_blob_msg {
	uint64_t len;	/* bytes of text[] */
	char text[UK_BLOB_MSG_SIZE - 8];
};

/*
 * State the bindings read after the filter is installed; filled by the
 * launcher before the jump.  Plain data, no pointers out of the blob.
 */
struct uk_bind_state {
	uint32_t ndev;
	uint32_t nnet;
	struct {
		uint32_t type;
		int32_t fd;
		uint64_t block_size;
		uint64_t capacity;
		uint32_t frame_max;
	} dev[KISTE_UK_MAX_DEVICES];
	struct {
		int32_t fd;
		int16_t events;
		int16_t revents;
	} pfd[KISTE_UK_MAX_DEVICES]; /* layout of struct pollfd */
	uint32_t pfd_handle[KISTE_UK_MAX_DEVICES];
};

/* Written by the launcher into the blob's own memory; the blob writes only bind.pfd[].revents. */
struct uk_handover {
	struct uk_bind_state bind; /* IN: the devices, read by the bindings */
	uint64_t entry;		   /* IN: the unikernel's entry point */
	uint64_t start_info;	   /* IN: its struct kiste_uk_start, passed in %rdi */
	uint64_t stack_top;	   /* IN: its %rsp at entry */
	uint64_t mem_start;	   /* IN: the unikernel's memory [mem_start, mem_end): kept */
	uint64_t mem_end;	   /* IN: page-aligned */
	/*
	 * IN: the XCR0 components the entry resets with XRSTOR (those libc
	 * code touches: x87, SSE, AVX, AVX-512), at most UK_BLOB_XINIT_MAX;
	 * 0 when the CPU has no XSAVE (FNINIT and PXOR then).  The launcher
	 * reads it: CPUID traps to the hypervisor in a VM (about 16 us on
	 * the build machines).
	 */
	uint64_t xinit_mask;
	uint32_t bpf_len;	       /* IN: instructions in bpf[], 1..UK_BLOB_BPF_MAX */
	uint32_t flags;		       /* IN: UK_HO_F_* */
	uint64_t sigmask;	       /* IN, direct entry: the mask once the handlers are in */
	uint64_t bpf[UK_BLOB_BPF_MAX]; /* IN: the filter, struct sock_filter each */
};

/*
 * At the blob's lowest address, read-only: where everything else is.  All
 * addresses are absolute (the blob is linked at UK_BLOB_ADDR, not PIE).
 */
struct uk_blob_head {
	uint32_t magic;	  /* UK_BLOB_MAGIC */
	uint32_t version; /* UK_BLOB_VERSION */
	uint64_t start;	  /* the blob's memory [start, end), page-aligned */
	uint64_t end;
	uint64_t handover; /* struct uk_handover * */
	/*
	 * void enter(void): MUST be called with the hand-over filled,
	 * no_new_privs set, every descriptor but the console and the devices
	 * closed and no rseq area registered; never returns (exit 125 when the
	 * hand-over is malformed or the unmapping or the filter fails).
	 */
	uint64_t enter;
	uint64_t calls[KISTE_UK_CALLS_MAX]; /* the host-call table for the start info */
};

#endif /* KISTE_UK_BINDINGS_H */
