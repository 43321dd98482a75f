/*
 * read(2), write(2), readv(2), writev(2), ioctl(2), newfstatat(2) and
 * friends for the standard descriptors 0, 1 and 2, which the platform's
 * console carries. (Files arrive with the VFS.)
 */
#include <errno.h>
#include <linux_abi.h>
#include <mm.h>
#include <string.h>
#include <sys.h>

static unsigned stdio_closed; /* bit fd: closed by the program */

static int stdio_fd(long fd)
{
	return fd >= 0 && fd <= 2 && !(stdio_closed & (1u << fd));
}

static long do_write(long fd, uint64_t buf, size_t len)
{
	if (!stdio_fd(fd))
		return -EBADF;
	if (fd == 0)
		return -EBADF; /* stdin is open for reading only */
	if (vm_check(buf, len, PROT_READ))
		return -EFAULT;
	return len ? platform->console_write(fd, (const void *)buf, len) : 0;
}

static long do_read(long fd, uint64_t buf, size_t len)
{
	if (!stdio_fd(fd))
		return -EBADF;
	if (fd != 0)
		return -EBADF;
	if (vm_check(buf, len, PROT_WRITE))
		return -EFAULT;
	return len ? platform->console_read((void *)buf, len) : 0;
}

long sys_write(long fd, long buf, long len)
{
	return do_write(fd, buf, len);
}

long sys_read(long fd, long buf, long len)
{
	return do_read(fd, buf, len);
}

#define IOV_MAX 1024

/* Gather or scatter through the iovec array; stops at a short transfer. */
static long do_iov(long fd, uint64_t uiov, long cnt, long (*op)(long, uint64_t, size_t))
{
	struct iovec iov;
	long total = 0, r;

	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	for (long i = 0; i < cnt; i++) {
		if (copy_from_user(&iov, uiov + i * sizeof(iov), sizeof(iov)))
			return -EFAULT;
		if (!iov.iov_len)
			continue;
		r = op(fd, iov.iov_base, iov.iov_len);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((uint64_t)r < iov.iov_len)
			break;
	}
	return total;
}

long sys_writev(long fd, long iov, long cnt)
{
	return do_iov(fd, iov, cnt, do_write);
}

long sys_readv(long fd, long iov, long cnt)
{
	return do_iov(fd, iov, cnt, do_read);
}

long sys_close(long fd)
{
	if (!stdio_fd(fd))
		return -EBADF;
	stdio_closed |= 1u << fd;
	return 0;
}

static int is_tty(long fd)
{
	return boot_info->flags & (BOTHY_BOOT_STDIN_TTY << fd);
}

static long tcgets(long fd, long arg)
{
	struct termios t = {
	    .c_iflag = 0x0500, /* ICRNL | IXON */
	    .c_oflag = 0x0005, /* OPOST | ONLCR */
	    .c_cflag = 0x00bf, /* B38400 | CS8 | CREAD */
	    .c_lflag = 0x8a3b, /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
	    .c_cc = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22},
	};

	if (!is_tty(fd))
		return -ENOTTY;
	return copy_to_user(arg, &t, sizeof(t));
}

long sys_ioctl(long fd, long cmd, long arg)
{
	struct winsize ws = {boot_info->tty_rows, boot_info->tty_cols, 0, 0};

	if (!stdio_fd(fd))
		return -EBADF;
	switch ((unsigned)cmd) {
	case TCGETS:
		return tcgets(fd, arg);
	case TIOCGWINSZ:
		if (!is_tty(fd))
			return -ENOTTY;
		return copy_to_user(arg, &ws, sizeof(ws));
	case FIOCLEX:
	case FIONCLEX:
		return 0;
	default:
		return -ENOTTY;
	}
}

static long stat_stdio(long fd, long ubuf)
{
	struct kernel_stat st = {
	    .st_dev = 0x16,
	    .st_ino = fd + 1,
	    .st_nlink = 1,
	    .st_mode = (is_tty(fd) ? S_IFCHR : S_IFIFO) | 0620,
	    .st_blksize = 4096,
	};

	return copy_to_user(ubuf, &st, sizeof(st));
}

long sys_fstat(long fd, long ubuf)
{
	if (!stdio_fd(fd))
		return -EBADF;
	return stat_stdio(fd, ubuf);
}

long sys_newfstatat(long dirfd, long upath, long ubuf, long flags)
{
	char c;

	if ((flags & AT_EMPTY_PATH) && !copy_from_user(&c, upath, 1) && c == 0)
		return sys_fstat(dirfd, ubuf);
	if (strncpy_from_user(&c, upath, 1) == -EFAULT)
		return -EFAULT;
	return -ENOENT; /* no file system yet */
}

long sys_lseek(long fd, long off, long whence)
{
	(void)off, (void)whence;
	return stdio_fd(fd) ? -ESPIPE : -EBADF;
}

long sys_fcntl(long fd, long cmd, long arg)
{
	(void)arg;
	if (!stdio_fd(fd))
		return -EBADF;
	switch (cmd) {
	case 1: /* F_GETFD */
	case 2: /* F_SETFD */
		return 0;
	case 3: /* F_GETFL */
		return fd == 0 ? 0 /* O_RDONLY */ : 1 /* O_WRONLY */;
	default:
		return -EINVAL;
	}
}

long sys_openat(long dirfd, long upath, long flags, long mode)
{
	char path[256];
	long n = strncpy_from_user(path, upath, sizeof(path));

	(void)dirfd, (void)flags, (void)mode;
	return n < 0 ? n : -ENOENT; /* no file system yet */
}

long sys_open(long upath, long flags, long mode)
{
	return sys_openat(AT_FDCWD, upath, flags, mode);
}

long sys_access(long upath, long mode)
{
	return sys_openat(AT_FDCWD, upath, 0, mode);
}

long sys_readlinkat(long dirfd, long upath, long ubuf, long size)
{
	char path[256];
	long n = strncpy_from_user(path, upath, sizeof(path));
	size_t len = strlen(proc_exe_path);

	(void)dirfd;
	if (n < 0)
		return n;
	if (strcmp(path, "/proc/self/exe"))
		return -ENOENT;
	if (size <= 0)
		return -EINVAL;
	len = MIN(len, (size_t)size);
	return copy_to_user(ubuf, proc_exe_path, len) ? -EFAULT : (long)len;
}

long sys_readlink(long upath, long ubuf, long size)
{
	return sys_readlinkat(AT_FDCWD, upath, ubuf, size);
}
