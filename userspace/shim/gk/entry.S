/* SPDX-License-Identifier: GPL-2.0 */
/* entry.S - the guest kernel's gate: entry point, the host syscall stub and the signal restorer. */

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
	ret
	.size	gk_syscall6, . - gk_syscall6

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

	.section .note.GNU-stack, "", @progbits
