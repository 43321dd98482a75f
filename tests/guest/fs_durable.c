/*
 * fs_durable: write, fsync(2), rename into place, fsync the directory
 * (the pattern that makes a file durable), and an append log with
 * fdatasync(2) after each record; read both back. Under the KVM monitor
 * tests/fs/durable.sh runs it in a share with a second argument, "--hang":
 * the probe then prints "synced" and waits forever, and the script kills
 * bothy with SIGKILL and checks that the host has the data.
 * Runs in a fresh /tmp directory, or in argv[1] (see fs_probe.h).
 */
// case: fs_durable
// case: fs_durable_share variants=musl,glibc share=/work -- /work
#include <time.h>
#include "fs_probe.h"

#define SIZE (300 * 1024)

static unsigned char data[SIZE], back[SIZE];

static int write_file(void)
{
	int bad = 0, fd = open("durable.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644), dir;

	fs_fill(data, SIZE, 11, 0);
	bad += expect_eq("write 300 KiB", write(fd, data, SIZE), SIZE);
	bad += expect_ok("fsync", fsync(fd));
	bad += expect_ok("close", close(fd));
	bad += expect_ok("rename into place", rename("durable.tmp", "durable"));
	dir = open(".", O_RDONLY | O_DIRECTORY);
	bad += expect_ok("fsync the directory", fsync(dir));
	close(dir);
	bad += expect_eq("read it back", fs_get("durable", back, SIZE), SIZE);
	bad += check("... the same bytes", !memcmp(data, back, SIZE));
	return bad;
}

static int append_log(void)
{
	int bad = 0, fd = open("log", O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
	char rec[32];

	for (int i = 0; i < 5; i++) {
		int n = snprintf(rec, sizeof(rec), "record %d\n", i);

		if (write(fd, rec, n) != n || fdatasync(fd) != 0)
			bad++;
	}
	bad += check("5 records appended, each with fdatasync", bad == 0);
	close(fd);
	bad += expect_eq("the log's size", fs_get("log", back, 200), 45);
	bad += check("... records 0 to 4 in order",
	             !memcmp(back, "record 0\nrecord 1\nrecord 2\nrecord 3\nrecord 4\n", 45));
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	fs_close_extra();
	umask(022);
	fs_enter(argc > 2 ? 2 : argc, argv, "fs_durable");
	bad += write_file();
	bad += append_log();
	if (argc > 2 && !strcmp(argv[2], "--hang")) {
		printf("synced\n");
		fflush(stdout);
		for (;;)
			sleep(1);
	}
	return fs_leave(bad);
}
