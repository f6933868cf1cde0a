/* SPDX-License-Identifier: GPL-2.0 */
/* gk_blob.S - embeds the freestanding guest kernel image (GK_IMAGE) into the launcher. */
	.section .rodata
	.balign	4096
	.globl	kiste_gk_image
kiste_gk_image:
	.incbin	GK_IMAGE
	.globl	kiste_gk_image_end
kiste_gk_image_end:
	.section .note.GNU-stack, "", @progbits
