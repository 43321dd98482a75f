/*
 * One host thread per vCPU. vCPU 0's thread runs it at once; vCPU n's
 * thread waits on vcpus[n].go until the guest's BOTHY_HC_CPU_ON
 * (hypercall.c) has stored its start registers, or until the VM ends.
 * A thread that leaves its run loop tells the main thread through
 * vm->done_fd.
 *
 * Stopping: once vm_end() has been called, vcpus_stop() sets each
 * kvm_run's immediate_exit and sends the thread VCPU_KICK, whose handler
 * does nothing: KVM_RUN (or a blocking read(2) in a hypercall) returns
 * EINTR, and the loop sees the VM has ended. immediate_exit covers a
 * kick that lands just before KVM_RUN is entered.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm.h"

static void kicked(int sig)
{
	(void)sig;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	uint64_t one = 1;
	int r;

	if (v->id != 0) {
		while (sem_wait(&v->go) < 0 && errno == EINTR)
			;
		if (!vm_ended(v->vm) && (r = vcpu_start_regs(v)) < 0) {
			fprintf(stderr, "bothy: cannot start vCPU %u: %s\n", v->id, strerror(-r));
			vm_end(v->vm, BOTHY_EXIT_MONITOR);
		}
	}
	vcpu_run(v);
	if (write(v->vm->done_fd, &one, sizeof(one)) != sizeof(one))
		die(BOTHY_EXIT_MONITOR, "cannot wake the main thread: %s", strerror(errno));
	return NULL;
}

void vcpus_start(struct vm *vm)
{
	struct sigaction sa = {.sa_handler = kicked}; /* no SA_RESTART */
	int r;

	sigemptyset(&sa.sa_mask);
	if (sigaction(VCPU_KICK, &sa, NULL) < 0)
		die(BOTHY_EXIT_MONITOR, "sigaction: %s", strerror(errno));
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if ((r = pthread_create(&v->thread, NULL, vcpu_thread, v)))
			die(BOTHY_EXIT_MONITOR, "cannot start a vCPU thread: %s", strerror(r));
		v->has_thread = 1;
	}
}

/* Kick every vCPU thread not yet joined; returns how many there are. */
static unsigned kick_all(struct vm *vm)
{
	unsigned left = 0;

	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (!v->has_thread)
			continue;
		if (!pthread_tryjoin_np(v->thread, NULL)) {
			v->has_thread = 0;
			continue;
		}
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		sem_post(&v->go);
		pthread_kill(v->thread, VCPU_KICK);
		left++;
	}
	return left;
}

int vcpus_stop(struct vm *vm)
{
	struct timespec pause = {.tv_nsec = 1000000}; /* 1 ms */

	/* Kicked again and again: a kick can land between a thread's look
	 * at vm_ended() and its next blocking call. At most about a second. */
	for (int tries = 0; tries < 1000; tries++) {
		if (!kick_all(vm))
			return 1;
		nanosleep(&pause, NULL);
	}
	return 0;
}
