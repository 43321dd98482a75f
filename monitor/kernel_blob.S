/* The kernel ELF, embedded so that `bothy` is one file. */
	.section .rodata
	.globl kernel_blob, kernel_blob_end
	.p2align 12
kernel_blob:
	.incbin KERNEL_PATH
kernel_blob_end:
	.section .note.GNU-stack, "", @progbits
