/* Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h). */
#ifndef BOTHY_ERRNO_H
#define BOTHY_ERRNO_H
#define EPERM           1
#define ENOENT          2
#define ESRCH           3
#define EINTR           4
#define EIO             5
#define ENXIO           6
#define E2BIG           7
#define ENOEXEC         8
#define EBADF           9
#define ECHILD          10
#define EAGAIN          11
#define ENOMEM          12
#define EACCES          13
#define EFAULT          14
#define EBUSY           16
#define EEXIST          17
#define EXDEV           18
#define ENODEV          19
#define ENOTDIR         20
#define EISDIR          21
#define EINVAL          22
#define ENFILE          23
#define EMFILE          24
#define ETXTBSY         26
#define ENOTTY          25
#define EFBIG           27
#define ENOSPC          28
#define ESPIPE          29
#define EROFS           30
#define EPIPE           32
#define EDOM            33
#define ERANGE          34
#define ENODATA         61
#define ENAMETOOLONG    36
#define ENOSYS          38
#define ENOTEMPTY       39
#define ELOOP           40
#define EOVERFLOW       75
#define ENOTSOCK        88
#define EPROTONOSUPPORT 93
#define ESOCKTNOSUPPORT 94
#define EOPNOTSUPP      95
#define EAFNOSUPPORT    97
#define ENOTCONN        107
#define ETIMEDOUT       110
#define ECONNREFUSED    111
#define ESTALE          116
#define EOWNERDEAD      130
/* Kernel-internal: a system call a signal interrupted, restarted or made
 * EINTR on the way back (signal_deliver); never seen by the program. */
#define ERESTARTSYS    512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#endif
