/*
 * Helpers shared by the guest test programs (the .c files of tests/guest).
 *
 * A guest test is an ordinary Linux program. The runner (tests/run.sh) runs
 * it natively and under Bothy and compares stdout and the exit status, so a
 * test prints only facts that are the same on every correct Linux: "ok" or
 * "FAILED" for a check, never an address, a time or a pid.
 *
 * Each helper prints one line and returns 1 when the check failed, so main()
 * can add the results up and exit non-zero: a test that fails natively is a
 * broken test, and the runner reports it.
 */
#ifndef GUEST_H
#define GUEST_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * check - print "WHAT: ok" or "WHAT: FAILED".
 * @what: a short fixed description of the fact.
 * @ok: non-zero when the fact holds.
 * Returns 0 when @ok, else 1.
 */
static inline int check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAILED");
	return !ok;
}

/*
 * errno_name - the symbolic name of the errno values the tests expect.
 * Returns "E?" for any other value.
 */
static inline const char *errno_name(int err)
{
	switch (err) {
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case EBADF:
		return "EBADF";
	case ENOMEM:
		return "ENOMEM";
	case EFAULT:
		return "EFAULT";
	case EINVAL:
		return "EINVAL";
	case ENOTTY:
		return "ENOTTY";
	case ERANGE:
		return "ERANGE";
	case ENOSYS:
		return "ENOSYS";
	case EEXIST:
		return "EEXIST";
	case ENOTSOCK:
		return "ENOTSOCK";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ENOTCONN:
		return "ENOTCONN";
	case ESOCKTNOSUPPORT:
		return "ESOCKTNOSUPPORT";
	case EINTR:
		return "EINTR";
	case EAGAIN:
		return "EAGAIN";
	}
	return "E?";
}

/*
 * check_fails - evaluate @call (a libc call that returns -1 and sets errno
 * on failure) and check that it failed with errno @want (an E* constant).
 * Prints "WHAT: fails with EWANT" or what happened instead.
 * Evaluates to 0 when it failed as expected, else 1.
 */
#define check_fails(what, call, want)                                                              \
	({                                                                                         \
		long ret_;                                                                         \
		errno = 0;                                                                         \
		ret_ = (long)(call);                                                               \
		check_errno(what, ret_, errno, want);                                              \
	})

/*
 * check_errno - the body of check_fails: @ret and @err are the call's
 * return value and errno. Returns 0 when @ret is -1 and @err is @want.
 */
static inline int check_errno(const char *what, long ret, int err, int want)
{
	if (ret == -1 && err == want) {
		printf("%s: fails with %s\n", what, errno_name(want));
		return 0;
	}
	if (ret == -1)
		printf("%s: FAILED (errno %s, want %s)\n", what, errno_name(err), errno_name(want));
	else
		printf("%s: FAILED (returned %ld, want %s)\n", what, ret, errno_name(want));
	return 1;
}

/*
 * base_name - the part of @path after the last '/'.
 * Returns a pointer into @path (never NULL for a non-NULL @path).
 */
static inline const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * fnv1a - 64-bit FNV-1a hash of @len bytes at @p, continuing from @h
 * (start with FNV1A_INIT).
 */
#define FNV1A_INIT 0xcbf29ce484222325ull
static inline unsigned long long fnv1a(unsigned long long h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

#endif
