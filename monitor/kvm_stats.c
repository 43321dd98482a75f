/*
 * KVM's binary statistics of the vCPUs (KVM_GET_STATS_FD, the KVM API's
 * "Binary Statistics" section), printed at --log debug: on PVM hosts the
 * count of emulated instructions and exits is what boot time is made of.
 * One line for the whole VM: each counter summed over the vCPUs (a peak
 * is the largest of them), so that scripts read it as with one vCPU.
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm.h"

/* One vCPU's statistics: the header and descriptors read from fd. */
struct stats {
	int fd;
	struct kvm_stats_header h;
	size_t dsz; /* bytes per descriptor */
	char *descs;
};

/* 0, or -1 (then stats_close() is still due). */
static int stats_open(int vcpu, struct stats *s)
{
	s->fd = ioctl(vcpu, KVM_GET_STATS_FD, NULL);
	if (s->fd < 0 || pread(s->fd, &s->h, sizeof(s->h), 0) != sizeof(s->h))
		return -1;
	s->dsz = sizeof(struct kvm_stats_desc) + s->h.name_size;
	s->descs = malloc(s->dsz * s->h.num_desc);
	if (!s->descs || pread(s->fd, s->descs, s->dsz * s->h.num_desc, s->h.desc_offset) !=
	                     (ssize_t)(s->dsz * s->h.num_desc))
		return -1;
	return 0;
}

static void stats_close(struct stats *s)
{
	free(s->descs);
	if (s->fd >= 0)
		close(s->fd);
}

/* Descriptor i's value in *v; 0, or -1 if it is not one 64-bit number. */
static int stats_value(const struct stats *s, uint32_t i, uint64_t *v)
{
	const struct kvm_stats_desc *d = (const void *)(s->descs + i * s->dsz);

	if (d->size != 1 || pread(s->fd, v, 8, s->h.data_offset + d->offset) != 8)
		return -1;
	return 0;
}

void kvm_stats_print(const struct vm *vm)
{
	struct stats *s = calloc(vm->ncpus, sizeof(*s));
	uint64_t sum, v;

	if (!s)
		return;
	for (unsigned c = 0; c < vm->ncpus; c++)
		s[c].fd = -1;
	for (unsigned c = 0; c < vm->ncpus; c++)
		if (stats_open(vm->vcpus[c].fd, &s[c]) < 0)
			goto out;
	fprintf(stderr, "bothy: vCPU statistics:");
	for (uint32_t i = 0; i < s[0].h.num_desc; i++) {
		const struct kvm_stats_desc *d = (const void *)(s[0].descs + i * s[0].dsz);
		int peak = (d->flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_PEAK;
		if (stats_value(&s[0], i, &sum) < 0)
			continue;
		/* Every vCPU has the same descriptors, in the same order. */
		for (unsigned c = 1; c < vm->ncpus; c++)
			if (i < s[c].h.num_desc && stats_value(&s[c], i, &v) == 0)
				sum = peak ? (v > sum ? v : sum) : sum + v;
		if (sum)
			fprintf(stderr, " %s=%llu", d->name, (unsigned long long)sum);
	}
	fputc('\n', stderr);
	fprintf(stderr, "bothy: hypercalls: write=%llu read=%llu fs=%llu cpu_on=%llu\n",
	        (unsigned long long)vm->hypercalls[BOTHY_HC_WRITE],
	        (unsigned long long)vm->hypercalls[BOTHY_HC_READ],
	        (unsigned long long)vm->hypercalls[BOTHY_HC_FS],
	        (unsigned long long)vm->hypercalls[BOTHY_HC_CPU_ON]);
out:
	for (unsigned c = 0; c < vm->ncpus; c++)
		stats_close(&s[c]);
	free(s);
}
