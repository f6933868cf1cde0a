/* SPDX-License-Identifier: GPL-2.0 */
/* start_x86_64.S - the unikernel entry point: align the stack and enter the C start code. */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	/* %rdi = struct kiste_uk_start *; the loader's stack is aligned as after a call */
	andq $-16, %rsp
	xorl %ebp, %ebp
	call kiste_uk_cstart
	ud2
	.size _start, . - _start
	.section .note.GNU-stack, "", @progbits
