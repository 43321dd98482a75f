/* The vDSO image (built from vdso/ by the Makefile), page aligned. */
	.section .rodata.vdso, "a"
	.p2align 12
	.globl vdso_image, vdso_image_end
vdso_image:
	.incbin VDSO_PATH
vdso_image_end:
	.p2align 12
	.section .note.GNU-stack, "", @progbits
