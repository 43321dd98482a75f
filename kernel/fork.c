/*
 * fork(2), vfork(2), clone(2) without CLONE_VM, and wait4(2), for a
 * kernel with one thread of execution.
 *
 * The child runs first and to its end; the parent waits inside fork.
 * fork copies aside what the child may change (the parent's registers,
 * its address space's pages and areas, the descriptor table, the working
 * directory, umask and signal actions) and returns 0 in place, as the
 * child. When the child exits (or is killed by a signal), all of that is
 * put back and fork returns the child's pid to the parent, whose wait4
 * then finds the child's status. Open file descriptions are shared as
 * fork shares them, so a pipe the child fills is there for the parent to
 * read (a pipe grows while a child writes into it: its reader cannot run
 * yet). This is what programs that fork a helper and read its output need
 * (busybox tar -z runs its decompressor so); a child that waits for its
 * parent cannot work, and one fork at a time is supported.
 */
#include <arch.h>
#include <errno.h>
#include <mm.h>
#include <sched.h>
#include <sys.h>
#include <vfs.h>

#define WNOHANG 1

static struct {
	int active;              /* a child is running */
	long pid;                /* its pid */
	void *regs;              /* the parent's registers */
	struct vm_snapshot *vm;  /* its memory */
	struct fd_snapshot *fds; /* its descriptors */
	struct inode *cwd;       /* its working directory (a reference) */
	uint32_t umask;
	void *signals;
	uint64_t parent_tid_addr; /* CLONE_PARENT_SETTID */
	long zombie_pid;          /* an ended child not yet waited for, or 0 */
	int zombie_status;
} fk;

int fork_in_child(void)
{
	return fk.active;
}

long fork_pid(void)
{
	return fk.active ? fk.pid : 1;
}

static void drop_snapshots(void)
{
	kfree(fk.regs); /* (the memory snapshot is the last taken: never here) */
	if (fk.fds)
		fd_restore(fk.fds);
	kfree(fk.signals);
	iput(fk.cwd);
	fk.regs = fk.signals = NULL;
	fk.vm = NULL;
	fk.fds = NULL;
	fk.cwd = NULL;
}

static long do_fork(unsigned long flags, uint64_t newsp, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	static int said, said_threads;
	long pid;

	if (flags & CLONE_THREAD) {
		/* pthreads: CLONE_VM|CLONE_SIGHAND|CLONE_THREAD at least */
		if (!(flags & CLONE_VM) || !(flags & CLONE_SIGHAND))
			return -EINVAL;
		if (fk.active) {
			printk("bothy: %s: a forked child cannot make threads: clone fails with "
			       "EAGAIN\n",
			       proc_exe_path);
			return -EAGAIN;
		}
		return sched_clone_thread(flags, newsp, ptid, ctid, tls);
	}
	if ((flags & CLONE_VM) && !(flags & CLONE_VFORK))
		return -ENOSYS; /* a second process sharing the memory */
	if (sched_threads() > 1) {
		if (!said_threads++)
			printk("bothy: %s: fork in a program with threads is not supported: it "
			       "fails with EAGAIN\n",
			       proc_exe_path);
		return -EAGAIN;
	}
	if (fk.active || fk.zombie_pid) {
		if (!said++)
			printk("bothy: %s: a second process at a time is not supported: fork fails "
			       "with EAGAIN\n",
			       proc_exe_path);
		return -EAGAIN;
	}
	fk.regs = arch_user_context_save();
	fk.fds = fd_snapshot();
	fk.signals = signal_snapshot();
	if (!fk.regs || !fk.fds || !fk.signals || !(fk.vm = vm_snapshot())) {
		drop_snapshots();
		return -ENOMEM;
	}
	fk.cwd = iget(vfs_cwd());
	fk.umask = vfs_umask;
	fk.parent_tid_addr = flags & CLONE_PARENT_SETTID ? ptid : 0;
	pid = fk.pid = sched_alloc_id();
	fk.active = 1;
	if (flags & CLONE_CHILD_SETTID)
		copy_to_user(ctid, &(int){(int)pid}, sizeof(int));
	if (flags & CLONE_PARENT_SETTID)
		copy_to_user(ptid, &(int){(int)pid}, sizeof(int));
	if (flags & CLONE_SETTLS)
		arch_set_tls(tls);
	if (newsp) /* clone(2) with a stack: posix_spawn's child runs on it */
		arch_user_set_sp(newsp);
	return 0; /* as the child */
}

void fork_child_exit(int wstatus)
{
	long pid = fk.pid;
	void *regs = fk.regs;

	fk.active = 0;
	vm_restore(fk.vm);
	fd_restore(fk.fds);
	signal_restore(fk.signals);
	vfs_set_cwd(fk.cwd);
	iput(fk.cwd);
	vfs_umask = fk.umask;
	fk.vm = NULL;
	fk.fds = NULL;
	fk.signals = NULL;
	fk.cwd = NULL;
	fk.regs = NULL;
	fk.zombie_pid = pid;
	fk.zombie_status = wstatus;
	if (fk.parent_tid_addr)
		copy_to_user(fk.parent_tid_addr, &(int){(int)pid}, sizeof(int));
	arch_user_context_resume(regs, pid);
}

long sys_clone(long flags, long newsp, long ptid, long ctid, long tls)
{
	return do_fork((unsigned long)flags, (uint64_t)newsp, (uint64_t)ptid, (uint64_t)ctid,
	               (uint64_t)tls);
}

/* clone3(2): struct clone_args, the same flags; the stack is
 * [stack, stack + stack_size). */
long sys_clone3(long uargs, long size)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
		uint64_t set_tid, set_tid_size, cgroup;
	} a = {0};

	if (size < 64 || size > 4096)
		return -EINVAL;
	if (copy_from_user(&a, uargs, MIN((size_t)size, sizeof(a))))
		return -EFAULT;
	if (a.flags & (CLONE_PIDFD | 0xffffffff00000000ull) || a.set_tid || a.exit_signal > 64)
		return a.flags & CLONE_PIDFD ? -ENOSYS : -EINVAL;
	if ((a.stack == 0) != (a.stack_size == 0))
		return -EINVAL;
	return do_fork(a.flags | a.exit_signal, a.stack ? a.stack + a.stack_size : 0, a.parent_tid,
	               a.child_tid, a.tls);
}

long sys_fork(void)
{
	return do_fork(17 /* SIGCHLD */, 0, 0, 0, 0);
}

long sys_vfork(void)
{
	return do_fork(CLONE_VM | CLONE_VFORK | 17, 0, 0, 0, 0);
}

long sys_wait4(long pid, long ustatus, long options, long urusage)
{
	char rusage[144] = {0};
	int want = (int)pid; /* pid_t: the upper half of the register is not ours */
	long r;

	options = (int)options;
	if (options & ~(long)(WNOHANG | 2 /* WUNTRACED */ | 8 /* WCONTINUED */ | 0x40000000))
		return -EINVAL;
	if (!fk.zombie_pid || (want > 0 && want != fk.zombie_pid) || want < -1)
		return -ECHILD; /* the only child there can be has been reaped */
	if (ustatus && copy_to_user(ustatus, &fk.zombie_status, sizeof(int)))
		return -EFAULT;
	if (urusage && copy_to_user(urusage, rusage, sizeof(rusage)))
		return -EFAULT;
	r = fk.zombie_pid;
	fk.zombie_pid = 0;
	return r;
}
