/* SPDX-License-Identifier: GPL-2.0 */
/* blob_image.S - embeds the bindings blob's ELF image (UK_BLOB) into kiste; blob_load.c maps it. */
	.section .rodata
	.balign	16
	.globl	kiste_uk_blob_image
kiste_uk_blob_image:
	.incbin	UK_BLOB
	.globl	kiste_uk_blob_image_end
kiste_uk_blob_image_end:
	.section .note.GNU-stack, "", @progbits
