/*
 * Exception entry and the SYSCALL landing stub.
 *
 * Every exception and interrupt stub pushes (error code or 0) and the
 * vector, then trap_common saves the registers as struct trapframe
 * (arch/trapframe.h), calls trap_handler(tf) and returns with iretq.
 *
 * GS: in the kernel, the GS base is this CPU's struct cpu (this_cpu());
 * the program's is kept in MSR_KERNEL_GS_BASE meanwhile. Entry from the
 * program (CS.RPL 3, or the SYSCALL stub's #UD, which hardware takes in
 * ring 0 with the program's GS) swaps them with swapgs, and so does every
 * return to ring 3.
 *
 * SYSCALL: LSTAR points at USER_STUB_VA, a user page holding `ud2`. On
 * hardware KVM SYSCALL enters CPL 0 there; under PVM it stays at CPL 3
 * (docs/pvm.md). Either way the ud2 raises #UD, whose gate uses IST1, so
 * the kernel stack is taken even from CPL 0 with the user's %rsp; the
 * handler recognises the stub's address and runs the system call.
 */
#include <arch/x86.h>

	.section .user_stub, "ax"
	.globl user_syscall_stub
user_syscall_stub:
	ud2

	.text
.macro STUB vec, has_error
	.p2align 4
trap_stub_\vec:
	.if \has_error == 0
	push $0
	.endif
	push $\vec
	jmp trap_common
.endm

	STUB 0, 0
	STUB 1, 0
	STUB 2, 0
	STUB 3, 0
	STUB 4, 0
	STUB 5, 0
	STUB 6, 0
	STUB 7, 0
	STUB 8, 1
	STUB 9, 0
	STUB 10, 1
	STUB 11, 1
	STUB 12, 1
	STUB 13, 1
	STUB 14, 1
	STUB 15, 0
	STUB 16, 0
	STUB 17, 1
	STUB 18, 0
	STUB 19, 0
	STUB 20, 0
	STUB 21, 1
	STUB 22, 0
	STUB 23, 0
	STUB 24, 0
	STUB 25, 0
	STUB 26, 0
	STUB 27, 0
	STUB 28, 0
	STUB 29, 1
	STUB 30, 1
	STUB 31, 0
	/* Interrupts (arch/x86.h VEC_*; BOTHY_VECTOR_EVENT), the device
	 * vectors VEC_DEVICE_FIRST..VEC_DEVICE_LAST first. */
	STUB 0xd0, 0
	STUB 0xd1, 0
	STUB 0xd2, 0
	STUB 0xd3, 0
	STUB 0xd4, 0
	STUB 0xd5, 0
	STUB 0xd6, 0
	STUB 0xd7, 0
	STUB 0xd8, 0
	STUB 0xd9, 0
	STUB 0xda, 0
	STUB 0xdb, 0
	STUB 0xdc, 0
	STUB 0xdd, 0
	STUB 0xde, 0
	STUB 0xdf, 0
	STUB 0xec, 0
	STUB 0xef, 0
	STUB 0xfc, 0
	STUB 0xfd, 0
	STUB 0xff, 0

#define TF_RIP (17 * 8)
#define TF_CS  (18 * 8)

trap_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	testb $3, TF_CS(%rsp)
	jnz 1f
	movabs $USER_STUB_VA, %rax
	cmp %rax, TF_RIP(%rsp)
	jne 2f
1:	swapgs
2:	call trap_handler
	.globl trap_return
trap_return:
	testb $3, TF_CS(%rsp)
	jz 3f
	swapgs
3:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

/* arch_enter_user(entry, sp): first entry to ring 3, all registers zero. */
	.globl arch_enter_user
arch_enter_user:
	push $GDT_USER_DS
	push %rsi
	push $0x202			/* IF: interrupts on in the program */
	push $GDT_USER_CS
	push %rdi
	xor %eax, %eax
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %ebp, %ebp
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	swapgs
	iretq

/*
 * arch_switch_stack(save, load): save the callee-saved registers and the
 * stack pointer at *save, continue on stack `load` (a frame made by this
 * function, or by arch_thread_new_*). arch_load_stack(load): the same
 * without saving.
 */
	.globl arch_switch_stack
arch_switch_stack:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	jmp 4f
	.globl arch_load_stack
arch_load_stack:
	mov %rdi, %rsp
4:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* A new program thread: its struct trapframe is at %rsp. */
	.globl thread_user_start
thread_user_start:
	mov %rsp, %rdi
	call sched_thread_start
	jmp trap_return

/* A new kernel thread: fn in %r12, its argument in %r13. */
	.globl thread_kernel_start
thread_kernel_start:
	mov %r13, %rdi
	call *%r12
	ud2

	.section .rodata
	.globl irq_stubs
	.p2align 3
irq_stubs:			/* vector, stub */
	.quad 0xd0, trap_stub_0xd0
	.quad 0xd1, trap_stub_0xd1
	.quad 0xd2, trap_stub_0xd2
	.quad 0xd3, trap_stub_0xd3
	.quad 0xd4, trap_stub_0xd4
	.quad 0xd5, trap_stub_0xd5
	.quad 0xd6, trap_stub_0xd6
	.quad 0xd7, trap_stub_0xd7
	.quad 0xd8, trap_stub_0xd8
	.quad 0xd9, trap_stub_0xd9
	.quad 0xda, trap_stub_0xda
	.quad 0xdb, trap_stub_0xdb
	.quad 0xdc, trap_stub_0xdc
	.quad 0xdd, trap_stub_0xdd
	.quad 0xde, trap_stub_0xde
	.quad 0xdf, trap_stub_0xdf
	.quad 0xec, trap_stub_0xec
	.quad 0xef, trap_stub_0xef
	.quad 0xfc, trap_stub_0xfc
	.quad 0xfd, trap_stub_0xfd
	.quad 0xff, trap_stub_0xff
	.quad 0, 0
	.globl trap_stubs
	.p2align 3
trap_stubs:
	i = 0
	.rept 32
	.quad trap_stub_start + i * 16
	i = i + 1
	.endr
	.set trap_stub_start, trap_stub_0

	.section .note.GNU-stack, "", @progbits
