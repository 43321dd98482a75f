/*
 * Events (include/bothy/abi.h "Events"): while the vCPU threads run, the
 * main thread waits in poll(2) for
 *   - vm->done_fd: a vCPU thread has finished, maybe the VM has ended;
 *   - vm->signal_fd: SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 or SIGUSR2
 *     for `bothy run` (a terminal's Ctrl-C, kill(1)): bit sig-1 goes into
 *     boot_info.host_signals;
 *   - vm->stdin_fd: a READ hypercall found fd 0 empty and said -EAGAIN;
 *     from then on fd 0 itself, until it is readable (data, EOF or an
 *     error): BOTHY_EVENT_STDIN goes into boot_info.events;
 * and after setting a bit (atomic OR, the guest exchanges the words with 0)
 * it sends BOTHY_VECTOR_EVENT to vCPU 0 as an MSI (KVM_SIGNAL_MSI).
 *
 * The forwarded signals are blocked in every thread (the vCPU threads
 * inherit the mask) and read from the signalfd. The guest decides what a
 * signal means; three SIGINTs within two seconds, though, stop the guest
 * from here, so that a stuck guest can always be interrupted.
 *
 * Without KVM_CAP_SIGNAL_MSI there are no events: the signals keep their
 * default action (they end bothy), and READ blocks (hypercall.c).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "kvm.h"

#define MSI_ADDRESS   0xfee00000u  /* destination APIC ID in bits 19:12 */
#define SIGINT_WINDOW 2000000000ll /* ns: three SIGINTs in this stop the guest */
#define SIGINT_STOP   3
#define STATUS_SIGINT 130 /* 128 + SIGINT, as a shell reports it */

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static int eventfd_or_die(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	if (fd < 0)
		die(BOTHY_EXIT_MONITOR, "eventfd: %s", strerror(errno));
	return fd;
}

void events_setup(struct vm *vm)
{
	sigset_t set;

	vm->done_fd = eventfd_or_die();
	vm->signal_fd = -1;
	vm->events = ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_SIGNAL_MSI) > 0;
	if (!vm->events) {
		if (vm->log_level >= BOTHY_LOG_DEBUG)
			fprintf(stderr, "bothy: KVM has no KVM_CAP_SIGNAL_MSI: no events (host "
			                "signals are not forwarded, stdin reads block)\n");
		return;
	}
	vm->stdin_fd = eventfd_or_die();
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		die(BOTHY_EXIT_MONITOR, "pthread_sigmask failed");
	vm->signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (vm->signal_fd < 0)
		die(BOTHY_EXIT_MONITOR, "signalfd: %s", strerror(errno));
}

/* Set `bit` in the boot information's word at `off` and interrupt vCPU 0.
 * An MSI the guest cannot take yet (APIC off) is dropped by KVM; the bit
 * stays for the guest to find. */
static void raise_event(struct vm *vm, size_t off, uint64_t bit)
{
	uint64_t *word = gpa_ptr(vm, BOTHY_GPA_BOOTINFO + off, sizeof(*word));
	struct kvm_msi msi = {.address_lo = MSI_ADDRESS | 0 << 12, .data = BOTHY_VECTOR_EVENT};

	__atomic_fetch_or(word, bit, __ATOMIC_SEQ_CST);
	if (ioctl(vm->fd, KVM_SIGNAL_MSI, &msi) < 0 && vm->log_level >= BOTHY_LOG_DEBUG)
		fprintf(stderr, "bothy: KVM_SIGNAL_MSI: %s\n", strerror(errno));
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Forward the pending signals; 1 if the third SIGINT within
 * SIGINT_WINDOW has ended the VM. */
static int forward_signals(struct vm *vm)
{
	static long long first;
	static int sigints;
	struct signalfd_siginfo si;

	if (read(vm->signal_fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGINT) {
		long long t = now_ns();
		if (!sigints || t - first > SIGINT_WINDOW)
			first = t, sigints = 0;
		if (++sigints >= SIGINT_STOP) {
			fprintf(stderr, "bothy: interrupted three times: stopping the guest\n");
			vm_end(vm, STATUS_SIGINT);
			while (!vm_ended(vm)) /* a vCPU's vm_end() came first: its status */
				sched_yield();
			return 1;
		}
	}
	raise_event(vm, offsetof(struct bothy_boot_info, host_signals), 1ull << (si.ssi_signo - 1));
	return 0;
}

int events_loop(struct vm *vm)
{
	enum { DONE, SIGNALS, STDIN_ASKED, STDIN };
	struct pollfd p[4] = {
	    [DONE] = {.fd = vm->done_fd, .events = POLLIN},
	    [SIGNALS] = {.fd = vm->signal_fd, .events = POLLIN},
	    [STDIN_ASKED] = {.fd = vm->events ? vm->stdin_fd : -1, .events = POLLIN},
	    [STDIN] = {.fd = -1, .events = POLLIN},
	};
	uint64_t n;

	for (;;) {
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			die(BOTHY_EXIT_MONITOR, "poll: %s", strerror(errno));
		}
		if (p[DONE].revents && read(vm->done_fd, &n, sizeof(n)) > 0 && vm_ended(vm))
			return vm->end_status;
		if (p[SIGNALS].revents && forward_signals(vm))
			return vm->end_status;
		if (p[STDIN_ASKED].revents && read(vm->stdin_fd, &n, sizeof(n)) > 0)
			p[STDIN].fd = 0;
		if (p[STDIN].revents) { /* POLLIN, POLLHUP, POLLERR or POLLNVAL */
			p[STDIN].fd = -1;
			raise_event(vm, offsetof(struct bothy_boot_info, events),
			            BOTHY_EVENT_STDIN);
		}
	}
}
