/* SPDX-License-Identifier: GPL-2.0 */
/* uk_stubs_x86_64.S - guest-side host-call stubs for vm isolation, copied into the guest. */
/*
 * Never executed on the host: the VMM copies [uk_vm_stubs_start,
 * uk_vm_stubs_end) into guest memory and points the start info's call table
 * at entry N = start + 16 * N.  Each entry spills a0..a3 and a result slot
 * to the stack and does OUT of that stack address to port 0x500 + N; the VMM
 * handles the call and fills the slot.  Position-independent by construction.
 */
	.section .rodata.uk_vm_stubs, "a"
	.globl uk_vm_stubs_start
	.globl uk_vm_stubs_end
	.balign 16
uk_vm_stubs_start:
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8
	.balign 16
	movl $\n, %eax
	jmp uk_vm_stub_common
	.endr
	.balign 16
uk_vm_stub_common:
	subq $40, %rsp
	movq %rdi, 0(%rsp)
	movq %rsi, 8(%rsp)
	movq %rdx, 16(%rsp)
	movq %rcx, 24(%rsp)
	movq $0, 32(%rsp)
	leal 0x500(%rax), %edx
	movl %esp, %eax
	outl %eax, (%dx)
	movq 32(%rsp), %rax
	addq $40, %rsp
	ret
uk_vm_stubs_end:
	.section .note.GNU-stack, "", @progbits
