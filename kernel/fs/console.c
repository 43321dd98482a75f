/*
 * The console: the program's descriptors 0, 1 and 2 at start, /dev/tty
 * and /dev/console. The platform carries the data to the host's own
 * stdin, stdout and stderr (`bothy run`'s), so each open console file
 * remembers which host descriptor it stands for (file->priv). Terminal
 * ioctls answer as a terminal only when that host descriptor is one
 * (boot_info->flags); the terminal's settings cannot be changed.
 *
 * A stdio descriptor's inode is, when the host's is a terminal, the
 * character device /dev/console (same st_dev, st_ino and st_rdev, so that
 * ttyname(3) finds it), else a pipe, as a shell's redirection would give.
 */
#include <errno.h>
#include <sched.h>
#include <linux_abi.h>
#include <mm.h>
#include <net.h>
#include <string.h>
#include <syscall.h>

#include "synth.h"

#define ST_DEV_PIPEFS 0x0c
#define PIPEFS_MAGIC  0x50495045

static struct super_block pipefs_sb = {
    .type = "pipefs",
    .dev = ST_DEV_PIPEFS,
    .statfs_type = PIPEFS_MAGIC,
};

/* The stdio inodes: their iop marks them, their priv is the host fd. */
static const struct inode_ops console_iops = {
    .statfs = synth_statfs,
};

int console_is_tty(int fd)
{
	return fd >= 0 && fd <= 2 && (boot_info->flags & (BOTHY_BOOT_STDIN_TTY << fd));
}

static int host_fd(struct file *f)
{
	return (int)(uintptr_t)f->priv;
}

static int console_open(struct inode *inode, struct file *f)
{
	int fd = 1; /* /dev/console: the host's stdout */

	if (inode->iop == &console_iops) /* reopened through /proc/self/fd */
		fd = (int)(uintptr_t)inode->priv;
	else if (inode->rdev == DEV_TTY && console_is_tty(1))
		fd = 1;
	else if (inode->rdev == DEV_TTY && console_is_tty(0))
		fd = 0;
	else if (inode->rdev == DEV_TTY)
		return -ENXIO; /* no controlling terminal */
	f->priv = (void *)(uintptr_t)fd;
	return 0;
}

static struct waitq stdin_wait;
static struct pollhead stdin_ph; /* epoll items watching a console file */

/*
 * What poll(2) read of stdin to learn that it is readable, and the
 * program has not read yet: bytes stdin_buf[stdin_off, stdin_len), or an
 * end of file (stdin_eof: the next read returns 0).
 */
static char stdin_buf[512];
static size_t stdin_off, stdin_len;
static int stdin_eof;

void console_stdin_ready(void)
{
	wake_up(&stdin_wait, -1);
	pollhead_notify(&stdin_ph, POLLIN);
}

/* Something read from stdin without waiting: bytes, 0 at the end of
 * file, -EAGAIN (the monitor raises BOTHY_EVENT_STDIN when that changes),
 * or -errno. */
static long stdin_peek(void)
{
	long r;

	if (stdin_off < stdin_len || stdin_eof)
		return stdin_eof ? 0 : (long)(stdin_len - stdin_off);
	r = platform->console_read(stdin_buf, sizeof(stdin_buf));
	if (r > 0) {
		stdin_off = 0;
		stdin_len = (size_t)r;
	} else if (r == 0) {
		stdin_eof = 1;
	}
	return r;
}

/* vfs_read() checked a program buffer; the platform takes it as it is.
 * The monitor never blocks: with nothing to read yet it says -EAGAIN and
 * raises BOTHY_EVENT_STDIN later, and the thread waits for that here
 * while the others run. */
static long console_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	long r;
	int w;

	(void)pos;
	if (stdin_off < stdin_len) { /* what poll() took first */
		size_t k = MIN(b->len, stdin_len - stdin_off);
		if (io_copy_to(b, 0, stdin_buf + stdin_off, k))
			return -EFAULT;
		stdin_off += k;
		return (long)k;
	}
	if (stdin_eof) {
		stdin_eof = 0;
		return 0;
	}
	for (;;) {
		r = platform->console_read((void *)(uintptr_t)b->addr, b->len);
		if (r != -EAGAIN || (f->flags & O_NONBLOCK))
			return r;
		sched_external_waits++;
		w = wait_event(&stdin_wait, 0, 1, "a read from stdin");
		sched_external_waits--;
		if (w)
			return -ERESTARTSYS;
	}
}

/* vfs_write() checked a program buffer; the platform takes it as it is
 * (without a copy: see platform_hc.c). Descriptor 0 writes to stdout. A
 * host stdout that is a pipe with no reader left gives EPIPE and SIGPIPE,
 * as a write to that pipe would on Linux (pipe(7)). */
static long console_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	int fd = host_fd(f);
	long r;

	(void)pos;
	r = platform->console_write(fd ? fd : 1, (const void *)(uintptr_t)b->addr, b->len);
	if (r == -EPIPE)
		signal_raise(SIGPIPE, SI_USER);
	return r;
}

/* TCGETS: what a Linux terminal in its default (cooked) mode reports. */
static long tcgets(uint64_t arg)
{
	struct termios t = {
	    .c_iflag = 0x0500, /* ICRNL | IXON */
	    .c_oflag = 0x0005, /* OPOST | ONLCR */
	    .c_cflag = 0x00bf, /* B38400 | CS8 | CREAD */
	    .c_lflag = 0x8a3b, /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
	    .c_cc = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22},
	};

	return copy_to_user(arg, &t, sizeof(t));
}

/* ioctl(2) on the console: tty_ioctl(4)'s TCGETS and TIOCGWINSZ; the
 * descriptor-level FIOCLEX, FIONCLEX and FIONBIO are the caller's job
 * (the file here cannot see its descriptor) and succeed. */
static long console_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct winsize ws = {boot_info->tty_rows, boot_info->tty_cols, 0, 0};
	int on;

	switch (cmd) {
	case TCGETS:
		return console_is_tty(host_fd(f)) ? tcgets(arg) : -ENOTTY;
	case TIOCGWINSZ:
		if (!console_is_tty(host_fd(f)))
			return -ENOTTY;
		return copy_to_user(arg, &ws, sizeof(ws));
	case FIONBIO:
		if (copy_from_user(&on, arg, sizeof(on)))
			return -EFAULT;
		f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
		return 0;
	case FIOCLEX:
	case FIONCLEX:
		return 0;
	default:
		return -ENOTTY;
	}
}

/* poll: always writable; readable (if open for reading) when stdin has
 * a byte, its end of file or an error. Finding out reads stdin into a
 * buffer that console_read() hands out first. */
static unsigned console_poll(struct file *f)
{
	unsigned m = (f->flags & O_ACCMODE) != O_RDONLY ? POLLOUT | POLLWRNORM : 0;
	long r;

	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return m;
	r = stdin_peek();
	if (r >= 0)
		m |= POLLIN | POLLRDNORM;
	else if (r != -EAGAIN)
		m |= POLLERR;
	return m;
}

static struct pollhead *console_pollhead(struct file *f)
{
	(void)f;
	return &stdin_ph;
}

/* release: the console stays; only the epoll items watching f go. */
static void console_release(struct file *f)
{
	pollhead_forget(&stdin_ph, f);
}

const struct file_ops console_fops = {
    .open = console_open,
    .release = console_release,
    .read = console_read,
    .write = console_write,
    .ioctl = console_ioctl,
    .poll = console_poll,
    .pollhead = console_pollhead,
};

/* The inode of stdio descriptor fd (made once, kept for good). */
static struct inode *stdio_inode(int fd)
{
	static struct inode *inodes[3];
	struct super_block *dev = devfs_super();
	struct inode *i;

	if (inodes[fd])
		return inodes[fd];
	if (console_is_tty(fd) && dev) {
		i = inode_new(dev, S_IFCHR | 0620, synth_ino(devfs_console));
		if (i)
			i->rdev = DEV_CONSOLE;
	} else {
		i = inode_new(&pipefs_sb, S_IFIFO | 0600, 0);
	}
	if (!i)
		return NULL;
	i->iop = &console_iops;
	i->fop = &console_fops;
	i->priv = (void *)(uintptr_t)fd;
	return inodes[fd] = i;
}

/* console_file - a new open file for stdio descriptor fd (0, 1 or 2) on
 * the console: fd 0 reads the host's stdin (and, on a terminal, writes
 * its stdout), fds 1 and 2 write the host's stdout and stderr. NULL if fd
 * is out of range or memory is out. */
struct file *console_file(int fd)
{
	struct inode *i;
	struct file *f;
	int tty = console_is_tty(fd);

	if (fd < 0 || fd > 2 || !(i = stdio_inode(fd)))
		return NULL;
	f = file_new(&console_fops, fd ? O_WRONLY : tty ? O_RDWR : O_RDONLY, i);
	if (!f)
		return NULL;
	f->priv = (void *)(uintptr_t)fd;
	if (S_ISCHR(i->mode) && !(f->path = kstrdup("/dev/console"))) {
		fput(f);
		return NULL;
	}
	return f;
}
