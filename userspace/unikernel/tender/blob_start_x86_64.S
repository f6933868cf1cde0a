/* SPDX-License-Identifier: GPL-2.0 */
/* blob_start_x86_64.S - the blob's entry and exit: its own stack, and no register of kiste's. */

#define UK_BLOB_STACK	16384	/* UK_BLOB_STACK_SIZE in blob.h */
#define MXCSR_DEFAULT	0x1f80

	.text

/*
 * uk_blob_enter(void): called by the launcher (bindings.h).  Drops the
 * caller's stack and registers first, so that nothing of kiste's is spilled
 * into the blob's memory, which the unikernel can read.
 */
	.globl	uk_blob_enter
	.type	uk_blob_enter, @function
uk_blob_enter:
	leaq	uk_blob_stack_top(%rip), %rsp
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	call	uk_blob_main
	ud2
	.size	uk_blob_enter, . - uk_blob_enter

/*
 * uk_blob_jump(entry, si, sp, xinit_mask): the unikernel starts as after an
 * exec: the x87/SSE/AVX state in its initial state (libc's string functions
 * leave pieces of kiste's strings, the environment among them, in vector
 * registers), every general register 0 but %rdi = si and %rsp = sp.
 */
	.globl	uk_blob_jump
	.type	uk_blob_jump, @function
uk_blob_jump:
	movq	%rdi, %r8
	movq	%rsi, %r9
	movq	%rdx, %r10
	testq	%rcx, %rcx
	jz	1f
	/* XRSTOR of a header whose XSTATE_BV is 0 puts each requested component in its init state */
	movl	%ecx, %eax
	xorl	%edx, %edx
	xrstor	uk_blob_xinit(%rip)
	jmp	2f
1:	fninit
	ldmxcsr	uk_blob_xinit+24(%rip)
	pxor	%xmm0, %xmm0
	pxor	%xmm1, %xmm1
	pxor	%xmm2, %xmm2
	pxor	%xmm3, %xmm3
	pxor	%xmm4, %xmm4
	pxor	%xmm5, %xmm5
	pxor	%xmm6, %xmm6
	pxor	%xmm7, %xmm7
	pxor	%xmm8, %xmm8
	pxor	%xmm9, %xmm9
	pxor	%xmm10, %xmm10
	pxor	%xmm11, %xmm11
	pxor	%xmm12, %xmm12
	pxor	%xmm13, %xmm13
	pxor	%xmm14, %xmm14
	pxor	%xmm15, %xmm15
2:	movq	%r10, %rsp
	pushq	%r8
	movq	%r9, %rdi
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%ebp, %ebp
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	/* pops the entry: %rsp is sp again, as the ABI wants it (kiste/unikernel.h) */
	ret
	.size	uk_blob_jump, . - uk_blob_jump

	.section .rodata
/* A standard-form XSAVE area: MXCSR at 24, an all-zero header at 512 (XSTATE_BV 0). */
	.balign	64
uk_blob_xinit:
	.skip	24
	.long	MXCSR_DEFAULT
	.skip	576 - 28

	.bss
	.balign	16
	.globl	uk_blob_stack
uk_blob_stack:
	.skip	UK_BLOB_STACK
uk_blob_stack_top:

	.section .note.GNU-stack, "", @progbits
