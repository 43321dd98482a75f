/*
 * epoll(7): epoll_create(2), epoll_create1(2), epoll_ctl(2), epoll_wait(2),
 * epoll_pwait(2), epoll_pwait2(2), and the pollheads (net.h) through which
 * pollable objects tell epoll that their readiness changed.
 *
 * An epoll instance is an anonymous file ("anon_inode:[eventpoll]") whose
 * items, one per watched (file, descriptor) pair, sit in a hash table. An
 * item whose file has a pollhead (file_ops.pollhead) is linked to it:
 * pollhead_notify() puts the item on the instance's ready list and wakes
 * its waiters, so a change costs O(watchers) and epoll_wait O(ready), as
 * on Linux. An item is taken off the ready list at epoll_wait and its file
 * polled again (Linux's ep_send_events): a level-triggered item that is
 * still ready goes back on the list, an edge-triggered one (EPOLLET) waits
 * for the next notification, an EPOLLONESHOT one is disabled until
 * EPOLL_CTL_MOD. A pollable file without a pollhead (none in Bothy today)
 * is polled on every epoll_wait, and its item keeps a reference to it, so
 * it goes only with EPOLL_CTL_DEL or the instance (a documented fallback).
 *
 * Items go away when their file's last reference is closed (the file's
 * release calls pollhead_release()/pollhead_forget()): closing one of
 * several descriptors of a file leaves the item, as on Linux.
 *
 * The instance is pollable itself (POLLIN while an item is ready), so it
 * works in poll(2), select(2) and other epoll instances, nested up to
 * EP_MAX_NESTS deep; a cycle gives ELOOP.
 *
 * Everything runs under the one kernel lock (include/sched.h).
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

#include "synth.h"

#define EPOLLIN        0x001u
#define EPOLLPRI       0x002u
#define EPOLLOUT       0x004u
#define EPOLLERR       0x008u
#define EPOLLHUP       0x010u
#define EPOLLRDNORM    0x040u
#define EPOLLWRNORM    0x100u
#define EPOLLRDHUP     0x2000u
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP    (1u << 29)
#define EPOLLONESHOT   (1u << 30)
#define EPOLLET        (1u << 31)
/* The bits that are modes, not events. */
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
/* What EPOLLEXCLUSIVE may come with (Linux's EPOLLEXCLUSIVE_OK_BITS). */
#define EP_EXCLUSIVE_OK                                                                            \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLL_CLOEXEC O_CLOEXEC

#define EP_MAX_NESTS  4                 /* epoll instances inside each other */
#define EP_MAX_EVENTS (0x7fffffff / 12) /* INT_MAX / sizeof(struct epoll_event) */

/* struct epoll_event: packed on x86_64 (12 bytes). */
struct epoll_event_k {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

struct eventpoll;

struct epitem {
	struct eventpoll *ep; /* the instance it belongs to */
	struct file *file;    /* what it watches (no reference unless ph == NULL) */
	int fd;
	uint32_t events;     /* asked for, with EPOLLERR | EPOLLHUP; no event bits: disabled */
	uint64_t data;       /* returned as given */
	struct pollhead *ph; /* the file's pollhead, or NULL: polled on each wait */
	struct epitem *ph_next, **ph_pprev; /* in ph's (or ep->polled's) list */
	struct epitem *hnext;               /* the hash chain */
	struct epitem *rnext, *rprev;       /* the ready list */
	int ready;                          /* on the ready list */
	int external;                       /* watches stdin (see ep_wait) */
};

struct eventpoll {
	struct epitem **hash;
	unsigned nbuckets, count; /* count: items */
	struct epitem *rhead, *rtail;
	unsigned nready;
	struct pollhead polled; /* the items without a pollhead */
	unsigned nexternal;     /* items watching something outside the VM */
	struct waitq wq;        /* threads in epoll_wait */
	struct pollhead ph;     /* items of other instances watching this one */
};

static const struct file_ops eventpoll_fops;

static struct eventpoll *ep_of(struct file *f)
{
	return f && f->fop == &eventpoll_fops ? f->priv : NULL;
}

/* --- lists ---------------------------------------------------------------- */

static void ph_link(struct pollhead *ph, struct epitem *it)
{
	it->ph_next = ph->items;
	if (ph->items)
		ph->items->ph_pprev = &it->ph_next;
	ph->items = it;
	it->ph_pprev = &ph->items;
}

static void ph_unlink(struct epitem *it)
{
	*it->ph_pprev = it->ph_next;
	if (it->ph_next)
		it->ph_next->ph_pprev = it->ph_pprev;
}

static void ready_add(struct eventpoll *ep, struct epitem *it)
{
	if (it->ready)
		return;
	it->ready = 1;
	it->rnext = NULL;
	it->rprev = ep->rtail;
	if (ep->rtail)
		ep->rtail->rnext = it;
	else
		ep->rhead = it;
	ep->rtail = it;
	ep->nready++;
}

static void ready_del(struct eventpoll *ep, struct epitem *it)
{
	if (!it->ready)
		return;
	if (it->rprev)
		it->rprev->rnext = it->rnext;
	else
		ep->rhead = it->rnext;
	if (it->rnext)
		it->rnext->rprev = it->rprev;
	else
		ep->rtail = it->rprev;
	it->ready = 0;
	ep->nready--;
}

static unsigned hash_of(struct eventpoll *ep, struct file *f, int fd)
{
	uint64_t h =
	    ((uint64_t)(uintptr_t)f >> 4) ^ ((uint64_t)(unsigned)fd * 0x9e3779b97f4a7c15ull);

	return (unsigned)(h ^ (h >> 29)) & (ep->nbuckets - 1);
}

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	for (struct epitem *it = ep->hash[hash_of(ep, f, fd)]; it; it = it->hnext)
		if (it->file == f && it->fd == fd)
			return it;
	return NULL;
}

/* Double the hash table when it holds more items than buckets; keeping the
 * old one if memory is short. */
static void ep_grow(struct eventpoll *ep)
{
	unsigned old = ep->nbuckets;
	struct epitem **oh = ep->hash, **nh;

	if (ep->count < old || !(nh = kmalloc(2 * old * sizeof(*nh))))
		return;
	ep->hash = nh;
	ep->nbuckets = 2 * old;
	for (unsigned b = 0; b < old; b++)
		for (struct epitem *it = oh[b], *next; it; it = next) {
			unsigned h = hash_of(ep, it->file, it->fd);
			next = it->hnext;
			it->hnext = nh[h];
			nh[h] = it;
		}
	kfree(oh);
}

/* --- readiness ---------------------------------------------------------- */

/* What item it's file is ready for now, of what the item asks. */
static unsigned item_poll(struct epitem *it)
{
	struct file *f = it->file;
	unsigned m = f->fop && f->fop->poll ? f->fop->poll(f) : 0;

	return m & it->events & ~EP_PRIVATE_BITS;
}

static void ph_mark(struct pollhead *ph, unsigned events, int depth);

/* Item it may be ready: queue it (unless disabled) and wake the instance's
 * waiters and watchers. */
static void ep_mark(struct epitem *it, int depth)
{
	struct eventpoll *ep = it->ep;

	if (!(it->events & ~EP_PRIVATE_BITS))
		return; /* EPOLLONESHOT fired: disabled until EPOLL_CTL_MOD */
	ready_add(ep, it);
	wake_up(&ep->wq, -1);
	if (depth < 2 * EP_MAX_NESTS)
		ph_mark(&ep->ph, EPOLLIN, depth + 1);
}

static void ph_mark(struct pollhead *ph, unsigned events, int depth)
{
	for (struct epitem *it = ph->items; it; it = it->ph_next)
		if (!events || (events & it->events))
			ep_mark(it, depth);
}

/* pollhead_notify - ph's object may have become ready, or stopped being
 * ready, for `events` (0: any): queue the epoll items watching it and wake
 * poll(2)/select(2) waiters. Safe in interrupt context. epoll(7). */
void pollhead_notify(struct pollhead *ph, unsigned events)
{
	if (ph)
		ph_mark(ph, events, 0);
	poll_notify();
}

/* Remove item it from its instance and free it. */
static void ep_remove(struct epitem *it)
{
	struct eventpoll *ep = it->ep;
	struct epitem **pp = &ep->hash[hash_of(ep, it->file, it->fd)];

	while (*pp != it)
		pp = &(*pp)->hnext;
	*pp = it->hnext;
	ep->count--;
	ph_unlink(it);
	ready_del(ep, it);
	ep->nexternal -= it->external;
	if (!it->ph)
		fput(it->file);
	kfree(it);
}

/* pollhead_release - the object of ph is going away: drop every epoll item
 * watching it (Linux: the last reference to the file was closed). */
void pollhead_release(struct pollhead *ph)
{
	if (!ph)
		return;
	while (ph->items)
		ep_remove(ph->items);
}

/* pollhead_forget - as pollhead_release, for the items watching file f
 * only (a pollhead several files share, such as a pipe's end). */
void pollhead_forget(struct pollhead *ph, struct file *f)
{
	if (!ph)
		return;
	for (struct epitem *it = ph->items, *next; it; it = next) {
		next = it->ph_next;
		if (it->file == f)
			ep_remove(it);
	}
}

/* Queue the items without a pollhead that are ready (O(such items)). */
static void ep_poll_unhooked(struct eventpoll *ep)
{
	for (struct epitem *it = ep->polled.items; it; it = it->ph_next)
		if (!it->ready && (it->events & ~EP_PRIVATE_BITS) && item_poll(it))
			ready_add(ep, it);
}

/* The instance as a file: POLLIN while an item is ready. Items queued but
 * no longer ready are dropped on the way (as Linux's ep_read_events_proc).
 * O(ready). */
static unsigned eventpoll_poll(struct file *f)
{
	struct eventpoll *ep = f->priv;

	ep_poll_unhooked(ep);
	for (struct epitem *it = ep->rhead, *next; it; it = next) {
		next = it->rnext;
		if (item_poll(it))
			return POLLIN | POLLRDNORM;
		ready_del(ep, it);
	}
	return 0;
}

static struct pollhead *eventpoll_pollhead(struct file *f)
{
	return &((struct eventpoll *)f->priv)->ph;
}

static void eventpoll_release(struct file *f)
{
	struct eventpoll *ep = f->priv;

	pollhead_release(&ep->ph); /* items of other instances watching this one */
	for (unsigned b = 0; b < ep->nbuckets; b++)
		while (ep->hash[b])
			ep_remove(ep->hash[b]);
	kfree(ep->hash);
	kfree(ep);
}

static const struct file_ops eventpoll_fops = {
    .release = eventpoll_release,
    .poll = eventpoll_poll,
    .pollhead = eventpoll_pollhead,
};

/* --- epoll_create(2) ---------------------------------------------------- */

/* epoll_create1(2): a new instance; flags 0 or EPOLL_CLOEXEC (else
 * -EINVAL). The descriptor or -ENOMEM/-EMFILE. */
long sys_epoll_create1(long flags)
{
	struct eventpoll *ep;
	long fd;

	if (flags & ~(long)EPOLL_CLOEXEC)
		return -EINVAL;
	if (!(ep = kmalloc(sizeof(*ep))))
		return -ENOMEM;
	ep->nbuckets = 16;
	if (!(ep->hash = kmalloc(ep->nbuckets * sizeof(*ep->hash)))) {
		kfree(ep);
		return -ENOMEM;
	}
	fd = anon_inode_fd(&eventpoll_fops, ep, (unsigned)flags, "anon_inode:[eventpoll]");
	if (fd < 0) {
		kfree(ep->hash);
		kfree(ep);
	}
	return fd;
}

/* epoll_create(2): size is only checked (> 0, else -EINVAL). */
long sys_epoll_create(long size)
{
	if ((int)size <= 0)
		return -EINVAL;
	return sys_epoll_create1(0);
}

/* --- epoll_ctl(2) ------------------------------------------------------- */

/* How deep the instances inside ep go (0: none), or more than
 * EP_MAX_NESTS if `into` is among them or they go too deep (Linux's
 * ep_loop_check_proc). */
static int depth_down(struct eventpoll *ep, struct eventpoll *into, int depth)
{
	int d = 0;

	for (unsigned b = 0; b < ep->nbuckets && d <= EP_MAX_NESTS; b++)
		for (struct epitem *it = ep->hash[b]; it && d <= EP_MAX_NESTS; it = it->hnext) {
			struct eventpoll *sub = ep_of(it->file);
			int k;
			if (!sub)
				continue;
			if (sub == into || depth > EP_MAX_NESTS)
				k = EP_MAX_NESTS + 1;
			else
				k = depth_down(sub, into, depth + 1) + 1;
			d = MAX(d, k);
		}
	return d;
}

/* How many instances ep is inside, along the longest chain. */
static int depth_up(struct eventpoll *ep, int level)
{
	int d = 0;

	if (level > EP_MAX_NESTS)
		return EP_MAX_NESTS + 1;
	for (struct epitem *it = ep->ph.items; it; it = it->ph_next) {
		int k = 1 + depth_up(it->ep, level + 1);
		d = MAX(d, k);
	}
	return d;
}

static int ep_insert(struct eventpoll *ep, struct epoll_event_k *ev, struct file *tf, int fd)
{
	struct epitem *it = kmalloc(sizeof(*it));
	unsigned h;

	if (!it)
		return -ENOMEM;
	it->ep = ep;
	it->file = tf;
	it->fd = fd;
	it->events = ev->events;
	it->data = ev->data;
	it->ph = tf->fop->pollhead ? tf->fop->pollhead(tf) : NULL;
	it->external = tf->fop == &console_fops;
	if (it->ph) {
		ph_link(it->ph, it);
	} else {
		tf->refs++; /* see the top of the file */
		ph_link(&ep->polled, it);
	}
	h = hash_of(ep, tf, fd);
	it->hnext = ep->hash[h];
	ep->hash[h] = it;
	ep->count++;
	ep->nexternal += it->external;
	ep_grow(ep);
	if (item_poll(it))
		ep_mark(it, 0);
	return 0;
}

static void ep_modify(struct epitem *it, struct epoll_event_k *ev)
{
	it->events = ev->events;
	it->data = ev->data;
	if (item_poll(it))
		ep_mark(it, 0);
}

/* epoll_ctl(2): add, change or remove the item watching descriptor fd in
 * instance epfd; `uev` is a struct epoll_event (ignored for
 * EPOLL_CTL_DEL). 0 or -EFAULT, -EBADF, -EPERM (fd cannot be polled: a
 * regular file), -EINVAL (epfd is no instance, is fd's file, a bad op or
 * EPOLLEXCLUSIVE misused), -ELOOP (a cycle of instances, or nested too
 * deep), -EEXIST, -ENOENT, -ENOMEM. */
long sys_epoll_ctl(long epfd, long op, long fd, long uev)
{
	struct epoll_event_k ev = {0, 0};
	struct file *f = NULL, *tf = NULL;
	struct eventpoll *ep, *sub;
	struct epitem *it;
	long r;

	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uev, sizeof(ev)))
		return -EFAULT;
	r = -EBADF;
	if (!(f = fget((int)epfd)) || !(tf = fget((int)fd)))
		goto out;
	r = -EPERM;
	if (!tf->fop || !tf->fop->poll)
		goto out;
	ev.events &= ~EPOLLWAKEUP; /* no suspend to hold off */
	r = -EINVAL;
	if (f == tf || !(ep = ep_of(f)))
		goto out;
	sub = ep_of(tf);
	if (op != EPOLL_CTL_DEL && (ev.events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || sub || (ev.events & ~EP_EXCLUSIVE_OK)))
		goto out;
	if (op == EPOLL_CTL_ADD && sub &&
	    ((r = depth_down(sub, ep, 0)) > EP_MAX_NESTS ||
	     r + 1 + depth_up(ep, 0) > EP_MAX_NESTS)) {
		r = -ELOOP;
		goto out;
	}
	if (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD)
		ev.events |= EPOLLERR | EPOLLHUP;
	it = ep_find(ep, tf, (int)fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		r = it ? -EEXIST : ep_insert(ep, &ev, tf, (int)fd);
		break;
	case EPOLL_CTL_DEL:
		r = it ? 0 : -ENOENT;
		if (it)
			ep_remove(it);
		break;
	case EPOLL_CTL_MOD:
		r = !it ? -ENOENT : (it->events & EPOLLEXCLUSIVE) ? -EINVAL : 0;
		if (!r)
			ep_modify(it, &ev);
		break;
	default:
		r = -EINVAL;
	}
out:
	fput(tf);
	fput(f);
	return r;
}

/* --- epoll_wait(2) ------------------------------------------------------ */

/* Report up to max ready items to the program's array at uev: each is
 * polled again; a level-triggered one still ready goes back on the list
 * (behind the others), an EPOLLONESHOT one is disabled. Returns how many
 * were reported, or -EFAULT if none could be. */
static long ep_send_events(struct eventpoll *ep, uint64_t uev, int max)
{
	unsigned todo = ep->nready;
	long n = 0;

	while (todo-- && n < max && ep->rhead) {
		struct epitem *it = ep->rhead;
		struct epoll_event_k e;
		ready_del(ep, it);
		if (!(e.events = item_poll(it)))
			continue;
		e.data = it->data;
		if (copy_to_user(uev + (uint64_t)n * sizeof(e), &e, sizeof(e))) {
			ready_add(ep, it); /* still to report */
			return n ? n : -EFAULT;
		}
		n++;
		if (it->events & EPOLLONESHOT)
			it->events &= EP_PRIVATE_BITS;
		else if (!(it->events & EPOLLET))
			ready_add(ep, it);
	}
	return n;
}

/* epoll_wait with a deadline (CLOCK_MONOTONIC ns; 0: none; 1: do not
 * wait). A signal gives -EINTR (never restarted, as on Linux). */
static long ep_wait(long epfd, long uev, long maxevents, uint64_t deadline)
{
	struct eventpoll *ep;
	struct file *f;
	long n;
	int r, ext;

	if ((int)maxevents <= 0 || (int)maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	if (!(f = fget((int)epfd)))
		return -EBADF;
	if (!(ep = ep_of(f))) {
		fput(f);
		return -EINVAL;
	}
	for (;;) {
		ep_poll_unhooked(ep);
		if ((n = ep_send_events(ep, (uint64_t)uev, (int)maxevents)))
			break;
		if (deadline == 1 || (deadline && deadline <= time_monotonic_ns()))
			break;
		/* Stdin's readiness comes from outside the VM: no deadlock. Items
		 * without a pollhead change with poll_notify() only. */
		ext = ep->nexternal && !deadline;
		sched_external_waits += ext;
		r = wait_event(ep->polled.items ? poll_waitq() : &ep->wq, deadline, 1,
		               "epoll_wait");
		sched_external_waits -= ext;
		if (r == -EINTR) { /* events that came meanwhile win (Linux's ep_poll) */
			n = ep_send_events(ep, (uint64_t)uev, (int)maxevents);
			n = n ? n : -EINTR;
			break;
		}
	}
	fput(f);
	return n;
}

static uint64_t deadline_ms(int ms)
{
	if (ms < 0)
		return 0;
	if (ms == 0)
		return 1;
	return time_monotonic_ns() + (uint64_t)ms * 1000000ull;
}

/* epoll_wait(2): timeout in ms, negative = forever. Events reported, 0 at
 * the timeout, or -EINVAL (maxevents <= 0, epfd no instance), -EBADF,
 * -EFAULT, -EINTR. */
long sys_epoll_wait(long epfd, long uev, long maxevents, long timeout)
{
	return ep_wait(epfd, uev, maxevents, deadline_ms((int)timeout));
}

/* epoll_pwait(2): epoll_wait with the signal mask *usig (sigsetsize 8)
 * for the call, as ppoll(2). */
long sys_epoll_pwait(long epfd, long uev, long maxevents, long timeout, long usig, long size)
{
	long r;

	if (usig && (r = signal_mask_for_call(usig, size)))
		return r;
	return ep_wait(epfd, uev, maxevents, deadline_ms((int)timeout));
}

/* epoll_pwait2(2): epoll_pwait with a struct timespec timeout (NULL:
 * forever); -EINVAL for a bad one. */
long sys_epoll_pwait2(long epfd, long uev, long maxevents, long uts, long usig, long size)
{
	struct kernel_timespec ts;
	uint64_t deadline = 0;
	long r;

	if (uts) {
		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		deadline = ts.tv_sec || ts.tv_nsec
		               ? time_monotonic_ns() + (uint64_t)ts.tv_sec * 1000000000ull +
		                     (uint64_t)ts.tv_nsec
		               : 1;
	}
	if (usig && (r = signal_mask_for_call(usig, size)))
		return r;
	return ep_wait(epfd, uev, maxevents, deadline);
}
