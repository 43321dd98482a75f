/* The harness of test.h. */
#include "test.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *test_workdir = ".";

static int passed, failed, skipped;
static int case_failed;
static const char *case_skip;

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "test harness: %s %s: %s\n", what, arg, strerror(errno));
	exit(2);
}

void test_init(int argc, char **argv)
{
	static char dir[4096];

	if (argc > 1)
		test_workdir = argv[1];
	if (!realpath(test_workdir, dir))
		die("cannot find", test_workdir);
	test_workdir = dir; /* absolute: cases change directories in shells */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

void test_fail(const char *file, int line, const char *expr)
{
	printf("  %s:%d: %s\n", file, line, expr);
	case_failed = 1;
}

void test_check_eq(const char *file, int line, const char *expr, uint64_t a, uint64_t b)
{
	if (a == b)
		return;
	printf("  %s:%d: %s (0x%" PRIx64 " != 0x%" PRIx64 ")\n", file, line, expr, a, b);
	case_failed = 1;
}

void test_check_str(const char *file, int line, const char *expr, const char *a, const char *b)
{
	if (a && b && strcmp(a, b) == 0)
		return;
	printf("  %s:%d: %s (\"%s\" != \"%s\")\n", file, line, expr, a ? a : "(null)",
	       b ? b : "(null)");
	case_failed = 1;
}

void test_skip(const char *reason)
{
	case_skip = reason;
}

void test_run(const char *name, void (*fn)(void))
{
	case_failed = 0;
	case_skip = NULL;
	fn();
	if (case_failed) {
		printf("FAIL %s\n", name);
		failed++;
	} else if (case_skip) {
		printf("skip %s: %s\n", name, case_skip);
		skipped++;
	} else {
		printf("ok   %s\n", name);
		passed++;
	}
	fflush(stdout);
}

int test_summary(const char *name)
{
	printf("%s: %d passed, %d failed, %d skipped\n", name, passed, failed, skipped);
	return failed ? 1 : 0;
}

void *test_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die("cannot read", path);
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("cannot read", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void test_write(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		die("cannot write", path);
}

void *test_dup(const void *buf, size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p)
		die("out of memory", "");
	if (len)
		memcpy(p, buf, len);
	return p;
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory", "");
	return s;
}

int test_sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int st;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd);
	if (st == -1)
		die("cannot run", cmd);
	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

char *test_sh_out(const char *fmt, ...)
{
	va_list ap;
	char *cmd, *out = NULL;
	size_t n = 0;
	FILE *p, *m;
	int c;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	m = open_memstream(&out, &n);
	if (!p || !m)
		die("cannot run", cmd);
	while ((c = fgetc(p)) != EOF)
		fputc(c, m);
	pclose(p);
	fclose(m);
	free(cmd);
	return out;
}

void test_tmpdir(char *buf, size_t n)
{
	static int count;

	snprintf(buf, n, "%s/tmp.%d.%d", test_workdir, (int)getpid(), ++count);
	if (test_sh("rm -rf '%s'", buf) != 0 || mkdir(buf, 0755) != 0)
		die("cannot make", buf);
}
