/* The Linux system-call layer: dispatch and the handlers' shape. */
#ifndef BOTHY_SYSCALL_H
#define BOTHY_SYSCALL_H
#include <kernel.h>

/* A handler takes the six raw argument registers and returns the result
 * or -errno, exactly as the Linux system call does. */
typedef long (*syscall_fn)(long a0, long a1, long a2, long a3, long a4, long a5);

/*
 * syscall_dispatch - run system call `nr` (the architecture's Linux
 * number) with args[0..5]. Unknown or unsupported calls return -ENOSYS and
 * are logged once per number.
 */
long syscall_dispatch(unsigned long nr, const long args[6]);

/* Signals the kernel can raise (Linux numbers, signal(7)). */
#define SIGHUP  1
#define SIGINT  2
#define SIGQUIT 3
#define SIGILL  4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS  7
#define SIGFPE  8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGPIPE 13
#define SIGTERM 15
#define SIGSYS  31

/*
 * signal_fatal - the program took signal `sig` with no way to handle it:
 * print one line naming the signal and, for a fault, the address `addr`
 * and instruction pointer `ip` (both 0 for a signal that was sent), and
 * end the VM with status 128 + sig, as a shell reports.
 */
__noreturn void signal_fatal(int sig, uint64_t addr, uint64_t ip);

/*
 * signal_raise - send signal `sig` to the program itself (kill(2) with
 * code SI_USER, tgkill(2) with SI_TKILL): it becomes pending, and is
 * delivered on the way back to the program (signal_deliver()); an ignored
 * signal is dropped. 0, or -EINVAL for a bad number.
 */
long signal_raise(int sig, int code);

/*
 * signal_send - make signal info->signo pending for thread t (a struct
 * thread), or for the process if t is NULL, and wake a thread that can
 * take it. Ignored signals are dropped. 0, -EINVAL, -EAGAIN. signal(7).
 * signal_from_host - the signals (bit sig-1) the host sent bothy.
 */
struct siginfo_k;
struct thread;
long signal_send(struct thread *t, const struct siginfo_k *info);
void signal_from_host(uint64_t sigs);
/* timer_signal_taken - a POSIX timer's signal (SI_TIMER) is being taken:
 * fill its si_overrun, and let the timer send the next (kernel/timer.c). */
void timer_signal_taken(struct siginfo_k *info);
/* timer_signal_dropped - pending signals `sig` were discarded (SIG_IGN). */
void timer_signal_dropped(int sig);
/* signal_ignored - is sig's action to ignore it (SIG_IGN, or a default
 * action of ignoring it)? signal_is_pending - is sig pending for thread t
 * (NULL: for the process)? */
int signal_ignored(int sig);
int signal_is_pending(struct thread *t, int sig);
/* signal_mask_for_call - the sigset_t at uset (size bytes) becomes the
 * calling thread's mask until the system call in progress returns, and a
 * signal it lets through is delivered under it (rt_sigsuspend(2),
 * ppoll(2), pselect6(2)). 0, -EINVAL, -EFAULT. */
long signal_mask_for_call(long uset, long size);

/*
 * fork(2) without a second CPU context: the child runs first, to its end,
 * in the parent's address space, which was copied aside and is put back
 * when the child exits (kernel/fork.c). fork_in_child - is a child
 * running? fork_child_exit - the child ended with wait status `wstatus`:
 * restore the parent and return to it from fork. fork_pid - the running
 * process's pid (1, or the child's).
 */
int fork_in_child(void);
__noreturn void fork_child_exit(int wstatus);
long fork_pid(void);
struct siginfo_k;
/*
 * signal_deliver - on the way back to the program from a system call
 * (regs: its saved registers): run the lowest pending signal that is not
 * blocked: its handler (a frame on the program's stack), its default
 * action (ignore, or end the program with 128 + N), or nothing.
 * signal_fault - the program faulted (info: the signal, code and address;
 * addr: for the message): enter its handler if it has one and the signal
 * is not blocked, else end it as signal_fatal() does. signal(7).
 */
void signal_deliver(void *regs);
void signal_fault(void *regs, const struct siginfo_k *info, uint64_t addr);
/* signal_snapshot / signal_restore - the signal actions, for fork(2). */
void *signal_snapshot(void);
void signal_restore(void *p);

/* proc_exit - the program ended with `status` (exit_group(2)). */
__noreturn void proc_exit(int status);

/* The program's path as the guest sees it (AT_EXECFN, /proc/self/exe). */
extern const char *proc_exe_path;

#endif
