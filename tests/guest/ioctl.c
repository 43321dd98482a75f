/*
 * ioctl: stdin and stdout are a file or pipe here (the runner redirects
 * them), so terminal requests fail with ENOTTY, isatty(3) is false, and
 * stdio therefore buffers fully (ioctl_tty(2)). A bad fd gives EBADF.
 */
// case: ioctl
// case: ioctl_stdin_text stdin=text
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include "guest.h"

int main(void)
{
	struct termios t;
	struct winsize w;
	int bad = 0, tty1;

	errno = 0;
	tty1 = isatty(1);
	bad += check("isatty(1) is false", tty1 == 0 && errno == ENOTTY);
	bad += check("isatty(0) is false", isatty(0) == 0);
	bad += check_fails("TCGETS on stdout", ioctl(1, TCGETS, &t), ENOTTY);
	bad += check_fails("TCGETS on stdin", ioctl(0, TCGETS, &t), ENOTTY);
	bad += check_fails("TIOCGWINSZ on stdout", ioctl(1, TIOCGWINSZ, &w), ENOTTY);
	bad += check_fails("TCGETS on fd 99", ioctl(99, TCGETS, &t), EBADF);
	bad += check_fails("isatty(99)", isatty(99) ? 0 : -1, EBADF);
	return bad;
}
