/*
 * KVM's binary statistics of a vCPU (KVM_GET_STATS_FD, the KVM API's
 * "Binary Statistics" section), printed at --log debug: on PVM hosts the
 * count of emulated instructions and exits is what boot time is made of.
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm.h"

void kvm_stats_print(const struct vm *vm)
{
	struct kvm_stats_header h;
	int fd = ioctl(vm->vcpu, KVM_GET_STATS_FD, NULL);
	size_t dsz;
	char *descs = NULL;
	uint64_t v;

	if (fd < 0 || pread(fd, &h, sizeof(h), 0) != sizeof(h))
		goto out;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(dsz * h.num_desc);
	if (!descs ||
	    pread(fd, descs, dsz * h.num_desc, h.desc_offset) != (ssize_t)(dsz * h.num_desc))
		goto out;
	fprintf(stderr, "bothy: vCPU statistics:");
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsz);
		if (d->size != 1 || pread(fd, &v, 8, h.data_offset + d->offset) != 8 || !v)
			continue;
		fprintf(stderr, " %s=%llu", d->name, (unsigned long long)v);
	}
	fputc('\n', stderr);
	fprintf(stderr, "bothy: hypercalls: write=%llu read=%llu fs=%llu\n",
	        (unsigned long long)vm->hypercalls[BOTHY_HC_WRITE],
	        (unsigned long long)vm->hypercalls[BOTHY_HC_READ],
	        (unsigned long long)vm->hypercalls[BOTHY_HC_FS]);
out:
	free(descs);
	if (fd >= 0)
		close(fd);
}
