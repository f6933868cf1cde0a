/* SPDX-License-Identifier: GPL-2.0 */
/* entry.S - the guest kernel's gate: fork stub, entry, host syscall stub, signal entries. */
#include <asm/unistd.h>

#include "../boot.h"
#include "patch.h"

#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#define KISTE_EXIT_REFUSED 125

/*
 * Arms syscall user dispatch for this task with exactly the gate (gk.ld's
 * __gk_gate_start/end, the text the launcher measured: the allowlist's prctl
 * row pins the same values), or ends the process.  Straight-line code on
 * constants: nothing the workload can write decides whether or how it arms.
 */
.macro GK_REARM
	movl	$__NR_prctl, %eax
	movl	$PR_SET_SYSCALL_USER_DISPATCH, %edi
	movl	$PR_SYS_DISPATCH_ON, %esi
	leaq	__gk_gate_start(%rip), %rdx
	leaq	__gk_gate_end(%rip), %r10
	subq	%rdx, %r10
	xorl	%r8d, %r8d
	syscall
	testq	%rax, %rax
	jz	.Larmed\@
	movl	$__NR_exit_group, %eax
	movl	$KISTE_EXIT_REFUSED, %edi
	syscall
	ud2
.Larmed\@:
.endm

/*
 * long gk_fork(unsigned long flags): clone(flags, 0, 0, 0, 0).  The first
 * code of the gate (gk.ld), and the only place a clone may come from: the
 * second seccomp filter (ipfilter.c) kills clone from any other instruction.
 * Dispatch is not inherited, so the child re-arms before it does anything
 * else, whoever jumped here with whatever registers.  A signal the child
 * takes before that runs gk_sigtramp first, which arms too.
 */
	.section .text.gk_fork, "ax", @progbits
	.globl	gk_fork
	.hidden	gk_fork
	.type	gk_fork, @function
gk_fork:
	xorl	%esi, %esi
	xorl	%edx, %edx
	xorl	%r10d, %r10d
	xorl	%r8d, %r8d
	movl	$__NR_clone, %eax
	syscall
.Lfork_ret:
	testq	%rax, %rax
	jnz	1f
	GK_REARM
	xorl	%eax, %eax
1:	ret
	.size	gk_fork, . - gk_fork
.if .Lfork_ret - gk_fork != GK_FORK_RET_OFF
	.error "the fork stub's clone must end GK_FORK_RET_OFF bytes into the gate (boot.h)"
.endif

/*
 * long gk_thread_clone_host(flags, stack, ptid, ctid, tls): the thread stub,
 * the other place the ip filter admits a clone (the allowlist: only with
 * glibc's thread flags).  The new thread runs on @stack, the struct
 * gk_tstart at the top of its own area (thread.c): it arms before anything
 * else, exactly as the fork stub's child, then gk_thread_start() enters the
 * workload.  Its signals stay blocked until then (the parent's mask in the
 * guest kernel), and a jump here with other registers still arms first.
 */
	.org	gk_fork + GK_THREAD_STUB_OFF, 0xcc
	.globl	gk_thread_clone_host
	.hidden	gk_thread_clone_host
	.type	gk_thread_clone_host, @function
gk_thread_clone_host:
	movq	%rcx, %r10
	movl	$__NR_clone, %eax
	syscall
.Lthread_ret:
	testq	%rax, %rax
	jnz	1f
	GK_REARM	/* the new thread: armed before any other code runs */
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	gk_thread_start
	ud2
1:	ret
	.size	gk_thread_clone_host, . - gk_thread_clone_host
.if .Lthread_ret - gk_thread_clone_host != GK_THREAD_RET_OFF - GK_THREAD_STUB_OFF
	.error "the thread stub's clone must end GK_THREAD_RET_OFF bytes into the gate (boot.h)"
.endif

	.text

/* gk_start(struct gk_boot *boot): called once by the launcher, never returns. */
	.globl	gk_start
	.type	gk_start, @function
gk_start:
	leaq	gk_boot_stack+65536(%rip), %rsp
	andq	$-16, %rsp
	xorl	%ebp, %ebp
	call	gk_main
	ud2
	.size	gk_start, . - gk_start

/* long gk_syscall6(long nr, long a, long b, long c, long d, long e, long f) */
	.globl	gk_syscall6
	.hidden	gk_syscall6
	.type	gk_syscall6, @function
gk_syscall6:
	movq	%rdi, %rax
	movq	%rsi, %rdi
	movq	%rdx, %rsi
	movq	%rcx, %rdx
	movq	%r8, %r10
	movq	%r9, %r8
	movq	8(%rsp), %r9
	syscall
	/* Where a signal taken in a host call returns to (sig.c: a blocking point). */
	.globl	gk_syscall6_ret
	.hidden	gk_syscall6_ret
gk_syscall6_ret:
	ret
	.size	gk_syscall6, . - gk_syscall6

/*
 * The host handler of every signal the workload catches (sig.c): re-arms
 * (a fresh child may take a signal before its fork stub did), then jumps to
 * the workload's handler with the kernel's arguments and frame (the siginfo's
 * sender in guest terms; an SA_ONSTACK handler's frame moved to the
 * workload's own alternate stack: gk_sig_handler), so no workload code ever
 * runs unredirected.
 */
	.globl	gk_sigtramp
	.hidden	gk_sigtramp
	.type	gk_sigtramp, @function
gk_sigtramp:
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	GK_REARM
	movl	16(%rsp), %edi
	movq	8(%rsp), %rsi
	leaq	24(%rsp), %rdx
	call	gk_sig_handler
	/* rax: the handler; rdx: the frame, the host's or moved (same offsets). */
	movq	%rdx, %rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	subq	%rsp, %rdx
	addq	%rcx, %rdx
	subq	%rsp, %rsi
	addq	%rcx, %rsi
	movq	%rcx, %rsp
	jmp	*%rax
	.size	gk_sigtramp, . - gk_sigtramp

/*
 * Every signal handler's return address: rt_sigreturn issued from inside the
 * gate, since a restorer outside it would itself be redirected (x86_64 does
 * not exempt sigreturn from syscall user dispatch).
 */
	.globl	gk_restorer
	.hidden	gk_restorer
	.type	gk_restorer, @function
gk_restorer:
	movl	$15, %eax
	syscall
	ud2
	.size	gk_restorer, . - gk_restorer

/*
 * The workload's handlers' return address: the frame's uc_stack back to the
 * host's alternate stack first (gk_sig_return: the handler saw the workload's
 * own and may have changed it, as restore_altstack takes it), then as
 * gk_restorer.  rsp is the frame's uc (the handler's ret took pretcode).
 */
	.globl	gk_sigret
	.hidden	gk_sigret
	.type	gk_sigret, @function
gk_sigret:
	movq	%rsp, %rbx
	leaq	-8(%rsp), %rdi
	andq	$-16, %rsp
	call	gk_sig_return
	movq	%rbx, %rsp
	movl	$15, %eax
	syscall
	ud2
	.size	gk_sigret, . - gk_sigret

/*
 * The registers a syscall keeps (r8, r9 and the callee-saved ones), from
 * the save area at rsp; the host calls left in the slow exit keep them too.
 */
.macro FAST_RESTORE_KEPT
	movq	GK_FS_R8(%rsp), %r8
	movq	GK_FS_R9(%rsp), %r9
	movq	GK_FS_RBX(%rsp), %rbx
	movq	GK_FS_RBP(%rsp), %rbp
	movq	GK_FS_R12(%rsp), %r12
	movq	GK_FS_R13(%rsp), %r13
	movq	GK_FS_R14(%rsp), %r14
	movq	GK_FS_R15(%rsp), %r15
.endm

/*
 * A patched entry's last steps, from the save area at rsp: the call's
 * argument registers, its result, rcx = the return address and r11 = rflags
 * as the syscall instruction leaves them, the flags, the workload's stack
 * pointer, and the jump back.
 */
.macro FAST_RETURN
	movq	GK_FS_RDI(%rsp), %rdi
	movq	GK_FS_RSI(%rsp), %rsi
	movq	GK_FS_RDX(%rsp), %rdx
	movq	GK_FS_R10(%rsp), %r10
	movq	GK_FS_RAX(%rsp), %rax
	movq	GK_FS_RIP(%rsp), %rcx
	movq	GK_FS_FLAGS(%rsp), %r11
	popfq
	leaq	(128 + GK_FS_SIZE - 8)(%rsp), %rsp
	jmp	*%rcx
.endm

/*
 * Patched syscall sites (patch.c).  A site `mov $NR, %eax; syscall` the
 * guest kernel rewrote to `jmp *SLOT` lands on stub k (slot k's value) with
 * the workload's registers and stack as the syscall instruction would have
 * seen them; rax, rcx and r11 are the instruction's to clobber.  Nothing is
 * written at or below the workload's stack pointer within its red zone: the
 * save area (patch.h) lies below it, where a signal frame could go anyway.
 */
	.balign	GK_PATCH_STUB
	.globl	gk_fast_stubs
	.hidden	gk_fast_stubs
gk_fast_stubs:
	.set	.Lk, 0
	.rept	GK_PATCH_MAX
	movl	$.Lk, %r11d
	jmp	gk_fast_common
	.balign	GK_PATCH_STUB, 0xcc
	.set	.Lk, .Lk + 1
	.endr
	.globl	gk_fast_stubs_end
	.hidden	gk_fast_stubs_end
gk_fast_stubs_end:

/*
 * Blocks every signal (the trap runs with the workload's caught ones
 * blocked), disarms the host alternate stack as the SIGSYS delivery's
 * SS_AUTODISARM does, and runs gk_fast(save, uc) where the SIGSYS frame
 * would have gone: the top of the armed area, or below the save area when
 * the area is disarmed (a handler running on it).  gk_fast leaves the
 * registers to return with in the save area below the (possibly new) stack
 * pointer's red zone and returns it; the exit puts the alternate stack and
 * the mask back from there and jumps to the return address with rcx = rip
 * and r11 = rflags, as the syscall instruction leaves them.
 */
	.type	gk_fast_common, @function
gk_fast_common:
	leaq	-(128 + GK_FS_SIZE)(%rsp), %rsp
	movq	%rax, GK_FS_RAX(%rsp)	/* a near site's call number */
	pushfq
	popq	(%rsp)
	cld
	movq	%rdi, GK_FS_RDI(%rsp)
	movq	%rsi, GK_FS_RSI(%rsp)
	movq	%rdx, GK_FS_RDX(%rsp)
	movq	%r10, GK_FS_R10(%rsp)
	movq	%r8, GK_FS_R8(%rsp)
	movq	%r9, GK_FS_R9(%rsp)
	movq	%rbx, GK_FS_RBX(%rsp)
	movq	%rbp, GK_FS_RBP(%rsp)
	movq	%r12, GK_FS_R12(%rsp)
	movq	%r13, GK_FS_R13(%rsp)
	movq	%r14, GK_FS_R14(%rsp)
	movq	%r15, GK_FS_R15(%rsp)
	movl	%r11d, %r11d
	movq	%r11, GK_FS_K(%rsp)
	/*
	 * The quick entry (patch.c): no host call.  Only with FSGSBASE, for a
	 * site whose call is not about the signal mask, when %gs's base is a
	 * thread's area (its record's magic), that thread is in no quick entry
	 * already and the workload is not running on the area (a handler left
	 * there): else the entry below, as the trap.
	 */
	cmpl	$0, gk_patch_quick(%rip)
	je	.Lslow
	cmpq	$GK_PATCH_MAX, %r11
	jae	.Lslow
	leaq	gk_patch_site_quick(%rip), %rax
	cmpb	$0, (%rax,%r11)
	je	.Lslow
	rdgsbase %rbx
	testq	%rbx, %rbx
	jz	.Lslow
	testl	$(GK_TAREA_ASM - 1), %ebx
	jnz	.Lslow
	movabsq	$GK_THREAD_MAGIC_ASM, %rax
	cmpq	%rax, (%rbx)
	jne	.Lslow
	cmpl	$0, GK_T_FAST_BUSY(%rbx)
	jne	.Lslow
	movq	%rsp, %rax
	subq	%rbx, %rax
	cmpq	$GK_TAREA_ASM, %rax
	jb	.Lslow
	/* From here a signal is deferred to the exit (gk_sig_defer). */
	movl	$1, GK_T_FAST_BUSY(%rbx)
	movq	%rsp, %rdi
	leaq	(GK_QUICK_TOP - GK_FAST_UC)(%rbx), %rsi
	movq	%rbx, %rdx
	movq	%rsi, %rsp
	call	gk_fast_quick
	movq	%rax, %rsp		/* the save area to return with */
	movl	$0, GK_T_FAST_BUSY(%rbx)
	cmpq	$0, GK_T_DFR_PENDING(%rbx)
	jne	.Ldeliver
.Lresume:
	FAST_RESTORE_KEPT
	FAST_RETURN
	/* Signals taken in the entry: delivered now (or, with none, back to .Lresume). */
.Ldeliver:
	movq	%rsp, %rdi
	leaq	GK_QUICK_TOP(%rbx), %rsp
	call	gk_fast_deliver
	movq	%rax, %rsp
	jmp	.Lresume
.Lslow:
	movl	$__NR_rt_sigprocmask, %eax
	movl	$2, %edi		/* SIG_SETMASK: the allowlist's only form */
	leaq	gk_fast_allmask(%rip), %rsi
	leaq	GK_FS_MASK(%rsp), %rdx
	movl	$8, %r10d
	syscall
	movl	$__NR_sigaltstack, %eax
	leaq	gk_fast_ssoff(%rip), %rdi
	leaq	GK_FS_SS(%rsp), %rsi
	syscall
	movq	%rsp, %rdi
	movq	%rsp, %rax
	testl	$2, GK_FS_SS+8(%rsp)	/* SS_DISABLE: no alternate stack armed */
	jnz	1f
	movq	GK_FS_SS(%rsp), %rax
	addq	GK_FS_SS+16(%rsp), %rax
1:	subq	$GK_FAST_UC, %rax
	andq	$-64, %rax
	movq	%rax, %rsi
	movq	%rax, %rsp
	call	gk_fast
	/* rax: the save area to return with; signals still blocked */
	movq	%rax, %rsp
	movl	$__NR_sigaltstack, %eax
	leaq	GK_FS_SS(%rsp), %rdi
	xorl	%esi, %esi
	syscall
	FAST_RESTORE_KEPT
	movl	$__NR_rt_sigprocmask, %eax
	movl	$2, %edi
	leaq	GK_FS_MASK(%rsp), %rsi
	xorl	%edx, %edx
	movl	$8, %r10d
	syscall
	/* Signals may come from here on: the frame goes below this area or on the area. */
	FAST_RETURN
	.size	gk_fast_common, . - gk_fast_common

/*
 * gk_fast_jump(frame, mask, sig, info, uc): enters a deferred signal's
 * handler as the host's delivery would (patch.c built @frame where the kernel
 * would have): the handler's mask last, with the stack already on the frame,
 * so a signal it lets in lands below it.
 */
	.globl	gk_fast_jump
	.hidden	gk_fast_jump
	.type	gk_fast_jump, @function
gk_fast_jump:
	movq	%rdi, %rsp
	movq	%rdx, %r12
	movq	%rcx, %r13
	movq	%r8, %r14
	movl	$__NR_rt_sigprocmask, %eax
	movl	$2, %edi
	xorl	%edx, %edx
	movl	$8, %r10d
	syscall
	movl	%r12d, %edi
	movq	%r13, %rsi
	movq	%r14, %rdx
	xorl	%eax, %eax
	jmp	gk_sigtramp
	.size	gk_fast_jump, . - gk_fast_jump

/* A deferred signal's "handler" (gk_sig_defer): straight back through its frame. */
	.globl	gk_sig_deferred
	.hidden	gk_sig_deferred
	.type	gk_sig_deferred, @function
gk_sig_deferred:
	ret
	.size	gk_sig_deferred, . - gk_sig_deferred

	.section .rodata
	.balign	8
gk_fast_allmask:
	.quad	-1
gk_fast_ssoff:
	.quad	0
	.long	2			/* SS_DISABLE */
	.long	0
	.quad	0
	.text

	.section .note.GNU-stack, "", @progbits
