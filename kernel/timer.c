/*
 * Timers the program sets, on the kernel's timers (kernel/sched.c):
 * alarm(2), setitimer(2)/getitimer(2), the POSIX timers of
 * timer_create(2) (SIGEV_SIGNAL, SIGEV_THREAD_ID, SIGEV_NONE), and the
 * file descriptors of timerfd_create(2) and eventfd(2).
 *
 * Bothy's program is alone on its machine, so its CPU time is counted as
 * the time since boot (as CLOCK_PROCESS_CPUTIME_ID says): ITIMER_VIRTUAL
 * and ITIMER_PROF, and timers on the CPU-time clocks, run on
 * CLOCK_MONOTONIC.
 */
#include <errno.h>
#include <ktime.h>
#include <linux_abi.h>
#include <mm.h>
#include <net.h>
#include <sched.h>
#include <string.h>
#include <sys.h>
#include <vfs.h>

#define NSEC 1000000000ull

struct kernel_itimerspec {
	struct kernel_timespec interval, value;
};
struct kernel_itimerval {
	struct kernel_timeval interval, value;
};

/* A timer of the program: its kernel timer, period, and what it does. */
struct ptimer {
	struct ktimer kt;
	uint64_t interval;   /* ns; 0 = one shot */
	int clock;           /* CLOCK_REALTIME counts from the wall clock */
	int id;              /* timer_create's id, or -1 */
	int signo, notify;   /* SIGEV_* */
	int tid;             /* SIGEV_THREAD_ID */
	uint64_t value;      /* sigev_value */
	int overrun;         /* expiries while its signal was pending */
	int pending_overrun; /* timer_getoverrun(2): as of the last delivery */
	int queued;          /* its signal is pending: expiries count as overruns */
};

#define SIGEV_SIGNAL    0
#define SIGEV_NONE      1
#define SIGEV_THREAD    2
#define SIGEV_THREAD_ID 4
#define ITIMERS         3
#define PTIMERS_MAX     256

static struct ptimer itimers[ITIMERS];
static struct ptimer *ptimers[PTIMERS_MAX];

static uint64_t ts_ns(const struct kernel_timespec *ts)
{
	return (uint64_t)ts->tv_sec * NSEC + (uint64_t)ts->tv_nsec;
}

static struct kernel_timespec ns_ts(uint64_t ns)
{
	return (struct kernel_timespec){(int64_t)(ns / NSEC), (int64_t)(ns % NSEC)};
}

static int ts_valid(const struct kernel_timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (int64_t)NSEC;
}

/* Arm p to first fire `value` ns from now (0 disarms), then every interval. */
static void ptimer_set(struct ptimer *p, uint64_t value, uint64_t interval)
{
	ktimer_cancel(&p->kt);
	p->interval = interval;
	p->overrun = 0;
	if (!value)
		return;
	p->kt.expires = time_monotonic_ns() + value;
	ktimer_arm(&p->kt);
}

/* Time left before p fires, and its period. */
static void ptimer_get(const struct ptimer *p, uint64_t *value, uint64_t *interval)
{
	uint64_t now = time_monotonic_ns();

	*value = p->kt.armed ? (p->kt.expires > now ? p->kt.expires - now : 1) : 0;
	*interval = p->interval;
}

/* A periodic timer that just fired: arm it for its next expiry after now;
 * returns how many expiries passed meanwhile without firing. */
static uint64_t ptimer_rearm(struct ptimer *p)
{
	uint64_t now = time_monotonic_ns(), missed = 0;

	p->kt.expires += p->interval;
	if (p->kt.expires <= now) {
		missed = (now - p->kt.expires) / p->interval + 1;
		p->kt.expires += missed * p->interval;
	}
	ktimer_arm(&p->kt);
	return missed;
}

static void ptimer_fire(struct ktimer *k)
{
	struct ptimer *p = (struct ptimer *)k;
	struct siginfo_k info;
	struct thread *t = NULL;

	if (p->interval) /* the next expiry, counting the ones missed */
		p->overrun += (int)ptimer_rearm(p);
	if (p->notify == SIGEV_NONE)
		return;
	if (p->queued) { /* its signal is still pending: one more overrun */
		p->overrun++;
		return;
	}
	memset(&info, 0, sizeof(info));
	info.signo = p->signo;
	if (p->id >= 0) {
		int32_t *f = (int32_t *)info.bytes; /* si_tid, si_overrun, si_value */
		info.code = SI_TIMER;
		f[0] = p->id;
		memcpy(&f[2], &p->value, sizeof(p->value));
	} else {
		info.code = 0x80; /* SI_KERNEL, as Linux's itimers */
	}
	if (p->notify == SIGEV_THREAD_ID && !(t = sched_find(p->tid)))
		return;
	signal_send(t, &info);
	if (p->id >= 0) /* pending (not dropped): overruns count until it is taken */
		p->queued = signal_is_pending(t, p->signo);
}

void timer_signal_taken(struct siginfo_k *info)
{
	int32_t *f = (int32_t *)info->bytes;
	struct ptimer *p = f[0] >= 0 && f[0] < PTIMERS_MAX ? ptimers[f[0]] : NULL;

	if (!p || !p->queued)
		return;
	f[1] = p->pending_overrun = p->overrun; /* si_overrun */
	p->overrun = 0;
	p->queued = 0;
}

void timer_signal_dropped(int sig)
{
	for (int i = 0; i < PTIMERS_MAX; i++)
		if (ptimers[i] && ptimers[i]->signo == sig)
			ptimers[i]->queued = 0;
}

/* --- alarm(2) and setitimer(2) ---------------------------------------------- */

static void itimers_init(void)
{
	static const int sig[ITIMERS] = {14 /* SIGALRM */, 26 /* SIGVTALRM */, 27 /* SIGPROF */};

	for (int i = 0; i < ITIMERS; i++)
		if (!itimers[i].kt.fn) {
			itimers[i].kt.fn = ptimer_fire;
			itimers[i].signo = sig[i];
			itimers[i].id = -1;
		}
}

long sys_setitimer(long which, long unew, long uold)
{
	struct kernel_itimerval nv, ov;
	uint64_t v, iv;

	itimers_init();
	if (which < 0 || which >= ITIMERS)
		return -EINVAL;
	if (unew && copy_from_user(&nv, unew, sizeof(nv)))
		return -EFAULT;
	if (unew &&
	    (nv.value.tv_sec < 0 || nv.value.tv_usec < 0 || nv.value.tv_usec >= 1000000 ||
	     nv.interval.tv_sec < 0 || nv.interval.tv_usec < 0 || nv.interval.tv_usec >= 1000000))
		return -EINVAL;
	ptimer_get(&itimers[which], &v, &iv);
	ov.value = (struct kernel_timeval){(int64_t)(v / NSEC), (int64_t)(v % NSEC + 999) / 1000};
	ov.interval = (struct kernel_timeval){(int64_t)(iv / NSEC), (int64_t)(iv % NSEC / 1000)};
	if (unew)
		ptimer_set(&itimers[which],
		           (uint64_t)nv.value.tv_sec * NSEC + (uint64_t)nv.value.tv_usec * 1000,
		           (uint64_t)nv.interval.tv_sec * NSEC +
		               (uint64_t)nv.interval.tv_usec * 1000);
	if (uold && copy_to_user(uold, &ov, sizeof(ov)))
		return -EFAULT;
	return 0;
}

long sys_getitimer(long which, long ucur)
{
	return sys_setitimer(which, 0, ucur);
}

long sys_alarm(long seconds)
{
	uint64_t v, iv;

	itimers_init();
	ptimer_get(&itimers[0], &v, &iv);
	ptimer_set(&itimers[0], (uint64_t)(unsigned)seconds * NSEC, 0);
	/* the seconds left, rounded to nearest and at least 1 if armed */
	return v ? (long)MAX(1, (v + NSEC / 2) / NSEC) : 0;
}

/* --- timer_create(2) and friends ---------------------------------------------- */

struct sigevent_k {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid; /* sigev_notify_thread_id */
	int32_t pad[11];
};

static int clock_ok(long clk)
{
	if ((int)clk < 0)
		return clock_cpu_valid((int)clk) == 0;
	return clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC || clk == CLOCK_BOOTTIME ||
	       clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID ||
	       clk == 8 /* REALTIME_ALARM */ || clk == 9 /* BOOTTIME_ALARM */;
}

long sys_timer_create(long clk, long usev, long uid)
{
	struct sigevent_k sev = {.signo = 14, .notify = SIGEV_SIGNAL};
	struct ptimer *p;
	int id;

	if (!clock_ok(clk))
		return -EINVAL;
	if (usev && copy_from_user(&sev, usev, sizeof(sev)))
		return -EFAULT;
	if (sev.notify != SIGEV_SIGNAL && sev.notify != SIGEV_NONE && sev.notify != SIGEV_THREAD_ID)
		return -EINVAL; /* SIGEV_THREAD is libc's, made of SIGEV_THREAD_ID */
	if (sev.notify != SIGEV_NONE && (sev.signo < 1 || sev.signo > NSIG))
		return -EINVAL;
	if (sev.notify == SIGEV_THREAD_ID && !sched_find(sev.tid))
		return -EINVAL;
	for (id = 0; id < PTIMERS_MAX && ptimers[id]; id++)
		;
	if (id == PTIMERS_MAX)
		return -EAGAIN;
	if (!(p = kmalloc(sizeof(*p))))
		return -EAGAIN;
	p->kt.fn = ptimer_fire;
	p->clock = (int)clk;
	p->id = id;
	p->signo = sev.signo;
	p->notify = sev.notify;
	p->tid = sev.tid;
	p->value = usev ? sev.value : (uint64_t)id;
	if (copy_to_user(uid, &id, sizeof(id))) {
		kfree(p);
		return -EFAULT;
	}
	ptimers[id] = p;
	return 0;
}

static struct ptimer *ptimer_of(long id)
{
	return id >= 0 && id < PTIMERS_MAX ? ptimers[id] : NULL;
}

/* An itimerspec's first expiry as ns from now (TIMER_ABSTIME: on clk). */
static int first_expiry(int clk, int abs, const struct kernel_itimerspec *its, uint64_t *value)
{
	uint64_t v = ts_ns(&its->value), now;

	if (!ts_valid(&its->value) || !ts_valid(&its->interval))
		return -EINVAL;
	*value = v;
	if (abs && v) {
		now = clk == CLOCK_REALTIME || clk == 8 ? time_realtime_ns() : time_monotonic_ns();
		*value = v > now ? v - now : 1;
	}
	return 0;
}

long sys_timer_settime(long id, long flags, long unew, long uold)
{
	struct ptimer *p = ptimer_of(id);
	struct kernel_itimerspec n, o;
	uint64_t v, iv, first;
	int r;

	if (!p)
		return -EINVAL;
	if (copy_from_user(&n, unew, sizeof(n)))
		return -EFAULT;
	if ((r = first_expiry(p->clock, flags & TIMER_ABSTIME, &n, &first)))
		return r;
	ptimer_get(p, &v, &iv);
	o.value = ns_ts(v);
	o.interval = ns_ts(iv);
	if (uold && copy_to_user(uold, &o, sizeof(o)))
		return -EFAULT;
	ptimer_set(p, first, ts_ns(&n.interval));
	return 0;
}

long sys_timer_gettime(long id, long ucur)
{
	struct ptimer *p = ptimer_of(id);
	struct kernel_itimerspec o;
	uint64_t v, iv;

	if (!p)
		return -EINVAL;
	ptimer_get(p, &v, &iv);
	o.value = ns_ts(v);
	o.interval = ns_ts(iv);
	return copy_to_user(ucur, &o, sizeof(o));
}

long sys_timer_getoverrun(long id)
{
	struct ptimer *p = ptimer_of(id);

	return p ? p->pending_overrun : -EINVAL;
}

long sys_timer_delete(long id)
{
	struct ptimer *p = ptimer_of(id);

	if (!p)
		return -EINVAL;
	ktimer_cancel(&p->kt);
	ptimers[id] = NULL;
	kfree(p);
	return 0; /* a signal of it still pending says an id no longer used */
}

/* --- timerfd_create(2) -------------------------------------------------------- */

static struct super_block anon_sb = {.type = "anon_inodefs", .dev = 0xe, .statfs_type = 0x09041934};

/* anon_inode_fd - a descriptor for an anonymous file (anon_inode:[x]) with
 * operations fop and priv; flags O_NONBLOCK and O_CLOEXEC. The descriptor
 * or -ENOMEM/-EMFILE (priv stays the caller's then). */
long anon_inode_fd(const struct file_ops *fop, void *priv, unsigned flags, const char *name)
{
	struct inode *i = inode_new(&anon_sb, 0600, 0);
	struct file *f;
	int fd;

	if (!i)
		return -ENOMEM;
	f = file_new(fop, O_RDWR | (flags & O_NONBLOCK), i);
	iput(i);
	if (!f)
		return -ENOMEM;
	f->priv = priv;
	f->path = kstrdup(name);
	if ((fd = fd_install(f, 0, flags & O_CLOEXEC)) < 0)
		fput(f);
	return fd;
}

struct timerfd {
	struct ptimer p;
	uint64_t ticks; /* expiries not yet read */
	struct waitq readers;
	struct pollhead ph; /* epoll items watching it */
};

static const struct file_ops timerfd_fops;

static void timerfd_fire(struct ktimer *k)
{
	struct timerfd *t = (struct timerfd *)k;

	t->ticks++;
	if (t->p.interval)
		t->ticks += ptimer_rearm(&t->p);
	wake_up(&t->readers, -1);
	pollhead_notify(&t->ph, POLLIN);
}

static long timerfd_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct timerfd *t = f->priv;
	uint64_t n;

	(void)pos;
	if (b->len < 8)
		return -EINVAL;
	while (!t->ticks) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event(&t->readers, 0, 1, "a read from a timerfd"))
			return -ERESTARTSYS;
	}
	n = t->ticks;
	if (io_copy_to(b, 0, &n, 8))
		return -EFAULT;
	t->ticks = 0;
	return 8;
}

static void timerfd_release(struct file *f)
{
	struct timerfd *t = f->priv;

	ktimer_cancel(&t->p.kt);
	pollhead_release(&t->ph);
	kfree(t);
}

static long timerfd_ready(struct file *f)
{
	return ((struct timerfd *)f->priv)->ticks ? 8 : 0;
}

static unsigned timerfd_poll(struct file *f)
{
	return ((struct timerfd *)f->priv)->ticks ? POLLIN | POLLRDNORM : 0;
}

static struct pollhead *timerfd_pollhead(struct file *f)
{
	return &((struct timerfd *)f->priv)->ph;
}

static const struct file_ops timerfd_fops = {
    .read = timerfd_read,
    .release = timerfd_release,
    .bytes_ready = timerfd_ready,
    .poll = timerfd_poll,
    .pollhead = timerfd_pollhead,
};

#define TFD_TIMER_ABSTIME 1
#define TFD_CLOEXEC       O_CLOEXEC
#define TFD_NONBLOCK      O_NONBLOCK

long sys_timerfd_create(long clk, long flags)
{
	struct timerfd *t;
	long fd;

	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME && clk != 8 &&
	    clk != 9)
		return -EINVAL;
	if (flags & ~(long)(TFD_CLOEXEC | TFD_NONBLOCK))
		return -EINVAL;
	if (!(t = kmalloc(sizeof(*t))))
		return -ENOMEM;
	t->p.kt.fn = timerfd_fire;
	t->p.clock = (int)clk;
	t->p.id = -1;
	if ((fd = anon_inode_fd(&timerfd_fops, t, (unsigned)flags, "anon_inode:[timerfd]")) < 0)
		kfree(t);
	return fd;
}

/* The timerfd of descriptor fd, its file referenced in *fp: 0, -EBADF, or
 * -EINVAL for a descriptor that is not a timerfd (timerfd_settime(2)). */
static int timerfd_get(long fd, struct file **fp, struct timerfd **t)
{
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	if (f->fop != &timerfd_fops) {
		fput(f);
		return -EINVAL;
	}
	*fp = f;
	*t = f->priv;
	return 0;
}

long sys_timerfd_settime(long fd, long flags, long unew, long uold)
{
	struct kernel_itimerspec n, o;
	struct file *f;
	struct timerfd *t;
	uint64_t v, iv, first;
	int r;

	if (flags & ~3l) /* TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET */
		return -EINVAL;
	if ((r = timerfd_get(fd, &f, &t)))
		return r;
	r = copy_from_user(&n, unew, sizeof(n))
	        ? -EFAULT
	        : first_expiry(t->p.clock, flags & TFD_TIMER_ABSTIME, &n, &first);
	if (!r) {
		ptimer_get(&t->p, &v, &iv);
		o.value = ns_ts(v);
		o.interval = ns_ts(iv);
		if (uold && copy_to_user(uold, &o, sizeof(o)))
			r = -EFAULT;
	}
	if (!r) {
		t->ticks = 0;
		ptimer_set(&t->p, first, ts_ns(&n.interval));
	}
	fput(f);
	return r;
}

long sys_timerfd_gettime(long fd, long ucur)
{
	struct kernel_itimerspec o;
	struct file *f;
	struct timerfd *t;
	uint64_t v, iv;
	int r;

	if ((r = timerfd_get(fd, &f, &t)))
		return r;
	ptimer_get(&t->p, &v, &iv);
	fput(f);
	o.value = ns_ts(v);
	o.interval = ns_ts(iv);
	return copy_to_user(ucur, &o, sizeof(o));
}

/* --- eventfd(2) ---------------------------------------------------------------- */

#define EFD_SEMAPHORE 1

struct eventfd {
	uint64_t count;
	int semaphore;
	struct waitq readers, writers;
	struct pollhead ph; /* epoll items watching it */
};

static long eventfd_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t n;

	(void)pos;
	if (b->len < 8)
		return -EINVAL;
	while (!e->count) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event(&e->readers, 0, 1, "a read from an eventfd"))
			return -ERESTARTSYS;
	}
	n = e->semaphore ? 1 : e->count;
	if (io_copy_to(b, 0, &n, 8))
		return -EFAULT;
	e->count -= n;
	wake_up(&e->writers, -1);
	pollhead_notify(&e->ph, POLLOUT);
	return 8;
}

static long eventfd_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t n;

	(void)pos;
	if (b->len < 8)
		return -EINVAL;
	if (io_copy_from(b, 0, &n, 8))
		return -EFAULT;
	if (n == ~0ull)
		return -EINVAL;
	while (n > ~0ull - 1 - e->count) { /* the counter stops below 2^64 - 1 */
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event(&e->writers, 0, 1, "a write to an eventfd"))
			return -ERESTARTSYS;
	}
	e->count += n;
	if (n)
		wake_up(&e->readers, -1);
	pollhead_notify(&e->ph, POLLIN);
	return 8;
}

static void eventfd_release(struct file *f)
{
	pollhead_release(&((struct eventfd *)f->priv)->ph);
	kfree(f->priv);
}

static long eventfd_ready(struct file *f)
{
	return ((struct eventfd *)f->priv)->count ? 8 : 0;
}

static unsigned eventfd_poll(struct file *f)
{
	struct eventfd *e = f->priv;

	return (e->count ? POLLIN | POLLRDNORM : 0) |
	       (e->count < ~0ull - 1 ? POLLOUT | POLLWRNORM : 0);
}

static struct pollhead *eventfd_pollhead(struct file *f)
{
	return &((struct eventfd *)f->priv)->ph;
}

static const struct file_ops eventfd_fops = {
    .read = eventfd_read,
    .write = eventfd_write,
    .release = eventfd_release,
    .bytes_ready = eventfd_ready,
    .poll = eventfd_poll,
    .pollhead = eventfd_pollhead,
};

long sys_eventfd2(long count, long flags)
{
	struct eventfd *e;
	long fd;

	if (flags & ~(long)(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	if (!(e = kmalloc(sizeof(*e))))
		return -ENOMEM;
	e->count = (uint32_t)count;
	e->semaphore = flags & EFD_SEMAPHORE;
	if ((fd = anon_inode_fd(&eventfd_fops, e, (unsigned)flags, "anon_inode:[eventfd]")) < 0)
		kfree(e);
	return fd;
}

long sys_eventfd(long count)
{
	return sys_eventfd2(count, 0);
}
