/*
 * A sampling profiler of the guest kernel (BOTHY_PROFILE=FILE, KVM
 * monitor): a thread kicks every vCPU thread with VCPU_KICK every
 * BOTHY_PROFILE_US microseconds (default 1000); the kicked thread, back
 * from KVM_RUN with EINTR, reads the vCPU's registers (KVM_GET_REGS) and,
 * for kernel code, walks the frame-pointer chain (the kernel is built with
 * -fno-omit-frame-pointer), translating each frame with KVM_TRANSLATE and
 * reading it through gpa_ptr(). Nothing the guest wrote is trusted: a
 * frame outside guest RAM or outside the kernel's text ends the walk.
 *
 * At the end the samples go to FILE as folded stacks (one line per
 * distinct stack, "outer;...;inner COUNT", the input of flamegraph.pl),
 * and a table of the functions with the most samples (self, and with
 * callees) to stderr. Under PVM, where every ring-0 instruction is
 * emulated, this shows where the guest kernel's time goes.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "kvm.h"

#define DEPTH   24        /* frames kept per sample */
#define BUCKETS (1 << 16) /* distinct stacks kept; more are counted as lost */

struct stack {
	uint64_t count;
	unsigned depth;     /* 0: the bucket is free */
	uint64_t pc[DEPTH]; /* innermost first; pc[0] == 1 for user mode */
};

static struct {
	struct vm *vm;
	FILE *out;
	const char *path;
	unsigned period_us;
	pthread_t thread;
	int running;
	pthread_mutex_t lock;
	struct stack *stacks;
	uint64_t samples, lost;
} prof;

#define USER_PC 1 /* a sample taken in the program (ring 3) */

static int kernel_text(uint64_t a)
{
	return a >= BOTHY_KERNEL_VBASE;
}

/* gva_read - 8 bytes at guest-virtual va through vCPU v's page tables;
 * 0 on success, -1 if unmapped or not guest RAM. */
static int gva_read(struct vcpu *v, uint64_t va, uint64_t *val)
{
	struct kvm_translation t = {.linear_address = va};
	const void *p;

	if ((va & 7) || ioctl(v->fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
		return -1;
	if (!(p = gpa_ptr(v->vm, t.physical_address, 8)))
		return -1;
	memcpy(val, p, 8);
	return 0;
}

static uint64_t hash(const uint64_t *pc, unsigned n)
{
	uint64_t h = 1469598103934665603ull;

	for (unsigned i = 0; i < n; i++)
		h = (h ^ pc[i]) * 1099511628211ull;
	return h;
}

static void record(const uint64_t *pc, unsigned n)
{
	uint64_t h = hash(pc, n);

	pthread_mutex_lock(&prof.lock);
	prof.samples++;
	for (unsigned i = 0; i < BUCKETS; i++) {
		struct stack *s = &prof.stacks[(h + i) & (BUCKETS - 1)];
		if (!s->depth) {
			s->depth = n;
			memcpy(s->pc, pc, n * sizeof(*pc));
		} else if (s->depth != n || memcmp(s->pc, pc, n * sizeof(*pc))) {
			continue;
		}
		s->count++;
		pthread_mutex_unlock(&prof.lock);
		return;
	}
	prof.lost++;
	pthread_mutex_unlock(&prof.lock);
}

void profile_sample(struct vcpu *v)
{
	struct kvm_regs r;
	uint64_t pc[DEPTH], fp, next, ret;
	unsigned n = 0;

	if (!prof.running || ioctl(v->fd, KVM_GET_REGS, &r) < 0)
		return;
	if (!kernel_text(r.rip)) {
		pc[n++] = USER_PC;
	} else {
		pc[n++] = r.rip;
		for (fp = r.rbp; n < DEPTH && kernel_text(fp); fp = next) {
			if (gva_read(v, fp, &next) || gva_read(v, fp + 8, &ret) ||
			    !kernel_text(ret))
				break;
			pc[n++] = ret - 1; /* inside the call, for the symbol */
			if (next <= fp)
				break; /* stacks grow down: the chain must go up */
		}
	}
	record(pc, n);
}

static void *sampler(void *arg)
{
	struct timespec p = {.tv_sec = prof.period_us / 1000000,
	                     .tv_nsec = (prof.period_us % 1000000) * 1000l};

	(void)arg;
	while (__atomic_load_n(&prof.running, __ATOMIC_ACQUIRE) && !vm_ended(prof.vm)) {
		nanosleep(&p, NULL);
		for (unsigned i = 0; i < prof.vm->ncpus; i++)
			if (prof.vm->vcpus[i].has_thread)
				pthread_kill(prof.vm->vcpus[i].thread, VCPU_KICK);
	}
	return NULL;
}

int profile_start(struct vm *vm)
{
	const char *path = getenv("BOTHY_PROFILE"), *us = getenv("BOTHY_PROFILE_US");
	char *end;

	if (!path || !*path)
		return 0;
	prof.period_us = 1000;
	if (us && *us) {
		unsigned long v = strtoul(us, &end, 10);
		if (*end || v < 50 || v > 1000000)
			die(BOTHY_EXIT_MONITOR,
			    "BOTHY_PROFILE_US=%s: not a period of 50 to 1000000 microseconds", us);
		prof.period_us = (unsigned)v;
	}
	if (!(prof.out = fopen(path, "w")))
		die(BOTHY_EXIT_MONITOR, "BOTHY_PROFILE=%s: %s", path, strerror(errno));
	if (!(prof.stacks = calloc(BUCKETS, sizeof(*prof.stacks))))
		die(BOTHY_EXIT_MONITOR, "out of memory");
	prof.path = path;
	prof.vm = vm;
	pthread_mutex_init(&prof.lock, NULL);
	prof.running = 1;
	if (pthread_create(&prof.thread, NULL, sampler, NULL))
		die(BOTHY_EXIT_MONITOR, "cannot start the profiler's thread");
	return 1;
}

/* name - the function containing pc, without its offset, into buf. */
static const char *name(uint64_t pc, char *buf, size_t len)
{
	char *plus;

	if (pc == USER_PC)
		return "[program]";
	kernel_symbolize(prof.vm->kernel, pc, buf, len);
	if ((plus = strrchr(buf, '+')))
		*plus = 0;
	return buf;
}

struct fn_count {
	char name[128];
	uint64_t self, total;
};

static int by_self(const void *a, const void *b)
{
	const struct fn_count *x = a, *y = b;

	return x->self < y->self ? 1 : x->self > y->self ? -1 : 0;
}

static struct fn_count *fn_find(struct fn_count *f, unsigned *nf, unsigned cap, const char *n)
{
	for (unsigned i = 0; i < *nf; i++)
		if (!strcmp(f[i].name, n))
			return &f[i];
	if (*nf == cap)
		return NULL;
	snprintf(f[*nf].name, sizeof(f[*nf].name), "%s", n);
	return &f[(*nf)++];
}

void profile_stop(void)
{
	enum { CAP = 4096 };
	struct fn_count *fn;
	unsigned nf = 0;
	char buf[128];

	if (!prof.running)
		return;
	__atomic_store_n(&prof.running, 0, __ATOMIC_RELEASE);
	pthread_join(prof.thread, NULL);
	if (!(fn = calloc(CAP, sizeof(*fn))))
		die(BOTHY_EXIT_MONITOR, "out of memory");
	pthread_mutex_lock(&prof.lock); /* a vCPU may be in record() */
	for (unsigned i = 0; i < BUCKETS; i++) {
		struct stack *s = &prof.stacks[i];
		const char *seen[DEPTH];
		struct fn_count *f;
		if (!s->depth)
			continue;
		for (unsigned j = s->depth; j-- > 0;)
			fprintf(prof.out, "%s%s", name(s->pc[j], buf, sizeof(buf)), j ? ";" : "");
		fprintf(prof.out, " %llu\n", (unsigned long long)s->count);
		/* self: the innermost frame; total: each function once per stack */
		for (unsigned j = 0; j < s->depth; j++) {
			if (!(f = fn_find(fn, &nf, CAP, name(s->pc[j], buf, sizeof(buf)))))
				break;
			if (!j)
				f->self += s->count;
			seen[j] = f->name;
			int dup = 0;
			for (unsigned k = 0; k < j; k++)
				dup |= seen[k] == seen[j];
			if (!dup)
				f->total += s->count;
		}
	}
	pthread_mutex_unlock(&prof.lock);
	if (fclose(prof.out))
		fprintf(stderr, "bothy: BOTHY_PROFILE=%s: %s\n", prof.path, strerror(errno));
	qsort(fn, nf, sizeof(*fn), by_self);
	fprintf(stderr, "bothy: profile: %llu samples (%llu not kept), folded stacks in %s\n",
	        (unsigned long long)prof.samples, (unsigned long long)prof.lost, prof.path);
	fprintf(stderr, "bothy: profile:   self%%  total%%  function\n");
	for (unsigned i = 0; i < nf && i < 25; i++)
		fprintf(stderr, "bothy: profile: %6.1f %6.1f  %s\n",
		        100.0 * fn[i].self / (prof.samples ? prof.samples : 1),
		        100.0 * fn[i].total / (prof.samples ? prof.samples : 1), fn[i].name);
	free(fn);
}
