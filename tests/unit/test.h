/*
 * A tiny harness for host unit tests. A test binary is a main() that calls
 * test_init(), runs its cases with TEST_RUN(fn) and ends with
 * `return test_summary("name");`. Its argument is the work directory
 * (build/unit), which holds the fixtures that run.sh built.
 * Protocol, one line per case on stdout:
 *   ok   CASE
 *   skip CASE: REASON
 *   FAIL CASE            (after one "  FILE:LINE: EXPR" line per failed check)
 * and a last line "NAME: P passed, F failed, S skipped". The exit status is
 * 1 if any case failed. tests/unit/run.sh reads these lines.
 */
#ifndef BOTHY_TEST_H
#define BOTHY_TEST_H

#include <stddef.h>
#include <stdint.h>

/* A failed check marks the current case failed and the case goes on. */
#define CHECK(expr)     ((expr) ? (void)0 : test_fail(__FILE__, __LINE__, #expr))
#define CHECK_EQ(a, b)  test_check_eq(__FILE__, __LINE__, #a " == " #b, (uint64_t)(a), (uint64_t)(b))
#define CHECK_STR(a, b) test_check_str(__FILE__, __LINE__, #a " == " #b, (a), (b))
/* Ends the current case as skipped (use only when a host tool is missing). */
#define SKIP(reason)                                                                               \
	do {                                                                                       \
		test_skip(reason);                                                                 \
		return;                                                                            \
	} while (0)
#define TEST_RUN(fn) test_run(#fn, fn)

/* test_init - read the work directory (argv[1]) and set up output. */
void test_init(int argc, char **argv);
void test_fail(const char *file, int line, const char *expr);
void test_check_eq(const char *file, int line, const char *expr, uint64_t a, uint64_t b);
void test_check_str(const char *file, int line, const char *expr, const char *a, const char *b);
void test_skip(const char *reason);
void test_run(const char *name, void (*fn)(void));
int test_summary(const char *name);

/* Helpers for cases. Each exits the binary with a message on a host error. */
/* test_read - the whole file at path in a malloc'd buffer of exactly *len bytes. */
void *test_read(const char *path, size_t *len);
/* test_write - create path with buf[0..len). */
void test_write(const char *path, const void *buf, size_t len);
/* test_dup - a malloc'd copy of buf[0..len) (exactly len bytes, for ASan). */
void *test_dup(const void *buf, size_t len);
/* test_sh - run a shell command (printf-style); returns its exit status. */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* test_sh_out - the stdout of a shell command, malloc'd and NUL-terminated. */
char *test_sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* test_tmpdir - make a new empty directory under the work directory and
 * put its path in buf[0..n). */
void test_tmpdir(char *buf, size_t n);
/* test_workdir - the work directory given as argv[1] ("." if none). */
extern const char *test_workdir;

#endif
