/* SPDX-License-Identifier: GPL-2.0 */
/* agent_blob.S - links the static guest agent into the VMM so no file must be found at run time. */
	.section .rodata
	.balign 16
	.globl linux_agent_blob_start, linux_agent_blob_end
linux_agent_blob_start:
	.incbin KISTE_AGENT_BIN
linux_agent_blob_end:
	.section .note.GNU-stack, "", @progbits
