/* SPDX-License-Identifier: GPL-2.0 */
/* patch.h - patched syscall sites (patch.c): constants the gate's stubs (entry.S) share. */
#ifndef KISTE_GK_PATCH_H
#define KISTE_GK_PATCH_H

/*
 * A patched site is `jmp *SLOT` (ff 24 25 + disp32): its disp32's two high
 * bytes are the old `syscall` (0f 05), so every slot lies in
 * [GK_PATCH_SLOTS, GK_PATCH_SLOTS + 64 KiB), and only the site's first five
 * bytes change.  Slot k holds the address of the gate's stub k.
 */
#define GK_PATCH_SLOTS 0x050f0000
#define GK_PATCH_SLOTS_LEN 0x10000
#define GK_PATCH_MAX 4096	/* stubs in the gate; 8 bytes of slot each */
#define GK_PATCH_STUB 16	/* bytes per stub */

/* The save area a patched entry writes below the workload's red zone (entry.S, patch.c). */
#define GK_FS_FLAGS 0
#define GK_FS_RDI 8
#define GK_FS_RSI 16
#define GK_FS_RDX 24
#define GK_FS_R10 32
#define GK_FS_R8 40
#define GK_FS_R9 48
#define GK_FS_RBX 56
#define GK_FS_RBP 64
#define GK_FS_R12 72
#define GK_FS_R13 80
#define GK_FS_R14 88
#define GK_FS_R15 96
#define GK_FS_K 104
#define GK_FS_MASK 112
#define GK_FS_SS 120		/* sp, flags (int), size: 24 bytes */
#define GK_FS_RAX 144
#define GK_FS_RIP 152
#define GK_FS_SIZE 160
/* Room for the struct gk_ucontext gk_fast builds on the entry stack (patch.c checks it). */
#define GK_FAST_UC 512

/*
 * The quick entry (patch.c): the thread's area from %gs's base (set per thread
 * when the CPU has FSGSBASE), its record's fields at these offsets, its stack
 * from GK_QUICK_TOP down in the area's lower part (the host alternate stack's
 * signal frames come from the area's top), and the FPU state of a signal it
 * deferred at GK_DFR_FP.
 */
#define GK_TAREA_ASM 0x40000
#define GK_THREAD_MAGIC_ASM 0x6b6973746574687d
#define GK_T_DFR_PENDING 8
#define GK_T_FAST_BUSY 16
#define GK_QUICK_TOP 0x28000
#define GK_DFR_FP 0x8000
#define GK_DFR_FP_MAX 0x4000

#ifndef __ASSEMBLER__
/* The save area's layout (gk_fast_common in entry.S; patch.c checks the offsets). */
struct gk_fsave {
	unsigned long flags, rdi, rsi, rdx, r10, r8, r9, rbx, rbp, r12, r13, r14, r15, k, mask;
	struct {
		unsigned long sp;
		int flags;
		unsigned long size;
	} ss;
	unsigned long rax, rip;
};

struct gk_frame;
struct gk_siginfo;
struct gk_ucontext;
/* defer.c: the quick entry's exit with signals taken in it (entry.S). */
struct gk_fsave *gk_fast_deliver(struct gk_fsave *sa);
/* entry.S: a deferred signal's handler entered, its mask set last. */
void gk_fast_jump(struct gk_frame *f, unsigned long *mask, int sig, struct gk_siginfo *info,
		  struct gk_ucontext *uc) __attribute__((noreturn));
/* patch.c: counts a deferred delivery for --trace-summary. */
void gk_patch_count_deferred(void);
#endif

#endif
