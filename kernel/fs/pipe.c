/*
 * Pipes (pipe(7)): a 64 KiB ring per pipe, two open files (read and write
 * ends) over one anonymous FIFO inode. A read from an empty pipe whose
 * write end is open waits for a writer (a write to a full one for a
 * reader), interruptibly; O_NONBLOCK gives EAGAIN as on Linux. Writing
 * with no reader left raises SIGPIPE, then EPIPE.
 */
#include <errno.h>
#include <mm.h>
#include <net.h>
#include <sched.h>
#include <string.h>
#include <syscall.h>
#include <vfs.h>

#define PIPE_SIZE 65536ul

struct pipe {
	char *buf;
	size_t size;        /* bytes in buf: PIPE_SIZE, more while a fork child writes */
	size_t head, count; /* ring: data at [head, head+count) mod size */
	unsigned readers, writers;
	struct waitq rq, wq; /* waiting to read, to write */
	struct pollhead ph;  /* epoll items watching either end */
};

static struct super_block pipe_sb = {.type = "pipefs", .dev = 0xd, .statfs_type = 0x50495045};
static const struct inode_ops pipe_iops;

static void pipe_inode_release(struct inode *i)
{
	struct pipe *p = i->priv;

	pollhead_release(&p->ph); /* none left: each end's release forgot its own */
	kfree(p->buf);
	kfree(p);
}

/*
 * Make room for `need` bytes: a fork child runs before its parent can read
 * (kernel/fork.c), so what it writes is kept, not waited on. 0 or -ENOMEM.
 */
static int pipe_grow(struct pipe *p, size_t need)
{
	size_t size = p->size;
	char *buf;

	while (size < need)
		size *= 2;
	if (!(buf = kmalloc(size)))
		return -ENOMEM;
	for (size_t done = 0; done < p->count;) { /* unwrap the ring */
		size_t k = MIN(p->count - done, p->size - (p->head + done) % p->size);
		memcpy(buf + done, p->buf + (p->head + done) % p->size, k);
		done += k;
	}
	kfree(p->buf);
	p->buf = buf;
	p->size = size;
	p->head = 0;
	return 0;
}

static long pipe_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct pipe *p = f->inode->priv;
	size_t done = 0;

	(void)pos;
	while (!p->count) {
		if (!p->writers)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event(&p->rq, 0, 1, "a read from an empty pipe"))
			return -ERESTARTSYS;
	}
	while (done < b->len && p->count) {
		size_t k = MIN(MIN(b->len - done, p->count), p->size - p->head);
		if (io_copy_to(b, done, p->buf + p->head, k))
			return done ? (long)done : -EFAULT;
		p->head = (p->head + k) % p->size;
		p->count -= k;
		done += k;
	}
	wake_up(&p->wq, -1);
	pollhead_notify(&p->ph, POLLOUT | POLLWRNORM);
	return (long)done;
}

static long pipe_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct pipe *p = f->inode->priv;
	size_t done = 0;

	(void)pos;
	if (fork_in_child() && p->count + b->len > p->size && pipe_grow(p, p->count + b->len))
		return -ENOMEM;
	/* Writes of up to PIPE_BUF bytes go in whole (pipe(7)); larger ones
	 * may be split between waits for room. */
	while (done < b->len) {
		size_t room = p->size - p->count;
		if (!p->readers) {
			signal_raise(SIGPIPE, SI_USER);
			return done ? (long)done : -EPIPE;
		}
		if (!room || (b->len - done <= 4096 && room < b->len - done)) {
			if (f->flags & O_NONBLOCK)
				return done ? (long)done : -EAGAIN;
			if (wait_event(&p->wq, 0, 1, "a write to a full pipe"))
				return done ? (long)done : -ERESTARTSYS;
			continue;
		}
		while (done < b->len && p->count < p->size) {
			size_t tail = (p->head + p->count) % p->size;
			size_t k = MIN(MIN(b->len - done, p->size - p->count), p->size - tail);
			if (io_copy_from(b, done, p->buf + tail, k))
				return done ? (long)done : -EFAULT;
			p->count += k;
			done += k;
		}
		wake_up(&p->rq, -1);
		pollhead_notify(&p->ph, POLLIN | POLLRDNORM);
	}
	return (long)done;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->inode->priv;

	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	wake_up(&p->rq, -1); /* an end of file, or EPIPE, for whoever waits */
	wake_up(&p->wq, -1);
	pollhead_forget(&p->ph, f);
	pollhead_notify(&p->ph, 0); /* POLLHUP or POLLERR for the other end */
}

static unsigned pipe_poll(struct file *f)
{
	struct pipe *p = f->inode->priv;

	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return (p->count ? POLLIN | POLLRDNORM : 0) | (p->writers ? 0 : POLLHUP);
	return (p->size - p->count >= 4096 ? POLLOUT | POLLWRNORM : 0) | (p->readers ? 0 : POLLERR);
}

static struct pollhead *pipe_pollhead(struct file *f)
{
	return &((struct pipe *)f->inode->priv)->ph;
}

static long pipe_bytes_ready(struct file *f)
{
	return (long)((struct pipe *)f->inode->priv)->count;
}

static const struct inode_ops pipe_iops = {.release = pipe_inode_release};
static const struct file_ops pipe_fops = {
    .read = pipe_read,
    .write = pipe_write,
    .release = pipe_release,
    .bytes_ready = pipe_bytes_ready,
    .poll = pipe_poll,
    .pollhead = pipe_pollhead,
};

/*
 * pipe_create - a new pipe: *rd and *wr are its read and write ends with
 * open flags `flags` (O_NONBLOCK honoured). 0 or -ENOMEM. pipe(2).
 */
int pipe_create(unsigned flags, struct file **rd, struct file **wr)
{
	struct inode *i = inode_new(&pipe_sb, S_IFIFO | 0600, 0);
	struct pipe *p = kmalloc(sizeof(*p));

	if (!i || !p || !(p->buf = kmalloc(PIPE_SIZE)))
		goto fail;
	i->priv = p;
	i->iop = &pipe_iops;
	i->fop = &pipe_fops;
	*rd = file_new(&pipe_fops, O_RDONLY | (flags & O_NONBLOCK), i);
	*wr = file_new(&pipe_fops, O_WRONLY | (flags & O_NONBLOCK), i);
	if (!*rd || !*wr) {
		kfree(*rd), kfree(*wr);
		iput(i);
		return -ENOMEM;
	}
	p->readers = p->writers = 1;
	p->size = PIPE_SIZE;
	iput(i); /* the two files hold it */
	return 0;
fail:
	if (p)
		kfree(p->buf);
	kfree(p), kfree(i);
	return -ENOMEM;
}

/* pipe_size - F_GETPIPE_SZ of f, or -EBADF if f is not a pipe. */
long pipe_size(struct file *f)
{
	return f->fop == &pipe_fops ? (long)PIPE_SIZE : -EBADF;
}
