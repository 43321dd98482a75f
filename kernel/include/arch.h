/*
 * What the generic kernel needs from the architecture (kvmtool-style
 * hooks); kernel/arch/<arch>/ implements them.
 */
#ifndef BOTHY_ARCH_H
#define BOTHY_ARCH_H
#include <kernel.h>

/* arch_cpu_init - descriptor tables, trap and system-call entry. */
void arch_cpu_init(void);
/* arch_main_kstack - the main thread's kernel stack and its size (bytes).
 * arch_timers_init - the interrupt controller and timer of the boot CPU. */
void *arch_main_kstack(uint64_t *size);
void arch_timers_init(void);
/* arch_boot_done - drop boot-only mappings (the identity map). */
void arch_boot_done(void);
/* arch_user_stub_phys - physical page holding the system-call stub,
 * which the loader maps at arch_user_stub_va() in every program. */
uint64_t arch_user_stub_phys(void);
uint64_t arch_user_stub_va(void);
/* arch_vdso_map - map the vDSO and its data page into the program;
 * returns the vDSO's address (AT_SYSINFO_EHDR), or 0 if there is none. */
uint64_t arch_vdso_map(void);
/* arch_set_tls - set the thread pointer (x86_64: FS base). */
void arch_set_tls(uint64_t tp);
/* arch_enter_user - start the program at `entry` with stack `sp`. */
__noreturn void arch_enter_user(uint64_t entry, uint64_t sp);
/* arch_user_context_save - a kmalloc'd copy of the program's registers
 * (and thread pointer) as the system call in progress will return to
 * them; NULL if out of memory. */
void *arch_user_context_save(void);
/* arch_user_set_sp - the stack pointer the system call in progress
 * returns to the program with. */
void arch_user_set_sp(uint64_t sp);
/* arch_user_context_resume - return to the program in the saved context
 * ctx (freed here) with `ret` as the system call's result; abandons the
 * current kernel stack. */
__noreturn void arch_user_context_resume(void *ctx, long ret);
/*
 * Signal frames (kernel/arch/x86_64/signal.c; signal(7), the x86_64
 * struct rt_sigframe of Linux's arch/x86/kernel/signal.c). `regs` is the
 * program's saved register frame (a struct trapframe on x86_64).
 * arch_signal_setup - build a frame for handler `ka` of signal info->signo
 * on the program's stack (or `alt`, the sigaltstack, if ka asks for it and
 * the program is not on it already), holding the registers, the FPU state
 * and `saved_mask`, and make regs enter the handler. 0, or -EFAULT if the
 * frame cannot be written (the caller then kills the program).
 * arch_signal_return - rt_sigreturn(2): restore regs, the FPU state, *mask
 * and *alt from the frame the program's stack pointer is at. 0 or -EFAULT.
 * arch_syscall_regs - the frame of the system call in progress; after
 * arch_syscall_regs_replaced() its return does not clobber rax/rip/rflags.
 */
struct siginfo_k;
struct kernel_sigaction;
struct sigaltstack_k;
int arch_signal_setup(void *regs, const struct siginfo_k *info, const struct kernel_sigaction *ka,
                      uint64_t saved_mask, const struct sigaltstack_k *alt);
int arch_signal_return(void *regs, uint64_t *mask, struct sigaltstack_k *alt);
void *arch_syscall_regs(void);
void arch_syscall_regs_replaced(void);
/* arch_user_sp - the program's stack pointer in the system call in progress. */
uint64_t arch_user_sp(void);
/* arch_syscall_result / arch_syscall_set_result - the return value of the
 * system call whose frame is regs. arch_syscall_restart - make regs
 * execute system call `nr` again when it returns to the program. */
long arch_syscall_result(void *regs);
void arch_syscall_set_result(void *regs, long v);
void arch_syscall_restart(void *regs, long nr);
/* arch_relax - a spin-wait hint (x86 pause). */
void arch_relax(void);
/* arch_panic - report a software panic (frames from here) and end the VM. */
__noreturn void arch_panic(void);
/* arch_cycles - a monotonic cycle counter (TSC). */
uint64_t arch_cycles(void);
/* arch_random - 64 bits from a hardware source; 1 on success, else 0. */
int arch_random(uint64_t *v);
/* arch_hwcap - AT_HWCAP and AT_HWCAP2 values (getauxval(3)). */
void arch_hwcap(uint64_t *hwcap, uint64_t *hwcap2);
/* arch_platform - AT_PLATFORM string, e.g. "x86_64". */
const char *arch_platform(void);
/* arch_backtrace - up to max return addresses from frame pointer fp. */
unsigned arch_backtrace(uint64_t fp, uint64_t *frames, unsigned max);
/* arch_cpuinfo - CPU number `cpu`'s block of /proc/cpuinfo, in Linux's
 * format for the architecture, into buf[0..size) (terminated); returns the
 * length of the whole block, as snprintf(3) does. */
int arch_cpuinfo(char *buf, size_t size, unsigned cpu);

/*
 * The MMU: 4 KiB user mappings in the one page table. Flags are MMU_*.
 * Changes are seen by the CPU only after mmu_flush() (a batch) or
 * mmu_flush_page() (one page); PVM needs this even for new entries.
 */
#define MMU_READ  1u
#define MMU_WRITE 2u
#define MMU_EXEC  4u
#define MMU_USER  8u
#define MMU_OWNED 16u /* the page belongs to the mapping: freed on unmap */

/* mmu_map - map [va, va+len) to [pa, pa+len); page aligned. 0, -ENOMEM. */
int mmu_map(uint64_t va, uint64_t pa, uint64_t len, unsigned flags);
/* mmu_lookup - the physical page and flags of va. 0, or -EFAULT if not mapped. */
int mmu_lookup(uint64_t va, uint64_t *pa, unsigned *flags);
/* mmu_unmap - unmap [va, va+len); owned pages are handed to release(). */
void mmu_unmap(uint64_t va, uint64_t len, void (*release)(uint64_t pa));
/* mmu_protect - change the flags of the mapped pages in [va, va+len). */
void mmu_protect(uint64_t va, uint64_t len, unsigned flags);
/* mmu_for_each - call fn for each present page in [va, va+len), with its
 * physical address and MMU_* flags; absent tables are skipped whole. */
void mmu_for_each(uint64_t va, uint64_t len,
                  void (*fn)(uint64_t va, uint64_t pa, unsigned flags, void *arg), void *arg);
/* mmu_flush - after removing or reducing mappings: this CPU's TLB, and a
 * shootdown of the other CPUs' (tlb_shootdown()). mmu_flush_local - this
 * CPU's only (after adding mappings: another CPU that faults on a stale
 * entry finds the page present and flushes it itself). */
void mmu_flush(void);
void mmu_flush_local(void);
void mmu_flush_page(uint64_t va);

#endif
