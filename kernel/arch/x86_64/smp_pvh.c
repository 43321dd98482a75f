/*
 * The other CPUs under PVH boot (QEMU `-smp N`, where there is no monitor
 * to start them with BOTHY_HC_CPU_ON).
 *
 * Finding them: the ACPI RSDP (from the PVH start info, else found in the
 * BIOS area 0xe0000-0xfffff), the XSDT or RSDT, the MADT ("APIC") and its
 * Processor Local APIC and Local x2APIC entries (ACPI 6.5, 5.2.5, 5.2.7,
 * 5.2.8, 5.2.12). Every pointer and length is checked against the table
 * holding it and against the kernel's map of physical memory, and every
 * checksum; on any doubt the kernel runs on one CPU.
 *
 * Starting them: INIT-SIPI-SIPI through the local APIC (apic.c) at the
 * real-mode trampoline (smp_trampoline.S) copied to SMP_TRAMPOLINE_PA,
 * with a page table of its own: the kernel's (boot_pml4) lost its identity
 * map of low memory in arch_boot_done(), and programs use that range.
 */
#include <arch/cpu.h>
#include <errno.h>
#include <mm.h>
#include <string.h>

#include "arch.h"
#include "smp_pvh.h"

#define SDT_HEADER_SIZE 36         /* signature, length, ..., creator revision */
#define SDT_SIZE_MAX    (1u << 20) /* larger tables are refused */
#define MADT_ENTRIES    44         /* header, local APIC address, flags */
#define MADT_LAPIC      0          /* Processor Local APIC */
#define MADT_X2APIC     9          /* Processor Local x2APIC */
#define MADT_IOAPIC     1          /* I/O APIC */
#define MADT_ISO        2          /* Interrupt Source Override */
#define MADT_ENABLED    1u         /* Local APIC Flags: Enabled */
#define PTE_BITS        0x03       /* present, writable */
#define PDE_2M_BITS     0xe3       /* present, writable, accessed, dirty, 2 MiB */

/* What smp_trampoline.S reads, at smp_trampoline_data in its copy. */
struct smp_trampoline_data {
	uint64_t cr3, rip, rsp, arg;
};

extern const char smp_trampoline[], smp_trampoline_data[], smp_trampoline_end[];

static uint32_t cpu_apic_id[BOTHY_CPUS_MAX]; /* by CPU number; [0]: the boot CPU */
static unsigned ncpus = 1;
static uint8_t started[BOTHY_CPUS_MAX];
static uint64_t trampoline_cr3; /* made at the first pvh_cpu_on() */
struct pvh_ioapic pvh_ioapics[PVH_IOAPICS_MAX];
unsigned pvh_nioapics;
struct pvh_irq_override pvh_irq_overrides[PVH_ISO_MAX];
unsigned pvh_nirq_overrides;

/* Physical [pa, pa+len) as the kernel sees it, or NULL if the boot map
 * ([0, BOTHY_MEM_MAX) at BOTHY_KERNEL_VBASE) does not cover all of it. */
static const uint8_t *phys(uint64_t pa, uint64_t len)
{
	if (!pa || pa >= BOTHY_MEM_MAX || len > BOTHY_MEM_MAX - pa)
		return NULL;
	return PHYS_TO_VIRT(pa);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ACPI checksums: the bytes sum to 0 (mod 256). */
static int sums_to_zero(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s == 0;
}

/* Remember an I/O APIC entry (ACPI 6.5, 5.2.12.3) or an Interrupt Source
 * Override (5.2.12.5) of the MADT for ioapic.c. */
static void madt_irq_entry(const uint8_t *e, unsigned elen)
{
	if (e[0] == MADT_IOAPIC && elen >= 12 && pvh_nioapics < PVH_IOAPICS_MAX) {
		pvh_ioapics[pvh_nioapics].pa = get32(e + 4);
		pvh_ioapics[pvh_nioapics++].gsi_base = get32(e + 8);
	} else if (e[0] == MADT_ISO && elen >= 10 && e[2] == 0 &&
	           pvh_nirq_overrides < PVH_ISO_MAX) {
		struct pvh_irq_override *o = &pvh_irq_overrides[pvh_nirq_overrides++];
		o->source = e[3];
		o->gsi = get32(e + 4);
		o->flags = (uint16_t)(e[8] | e[9] << 8);
	}
}

/* The RSDP at pa (ACPI 5.2.5.3): signature, the ACPI 1.0 checksum over 20
 * bytes and, for revision 2 and later, the extended one over `length`. */
static const uint8_t *rsdp_at(uint64_t pa)
{
	const uint8_t *p = phys(pa, 20);
	uint32_t len;

	if (!p || memcmp(p, "RSD PTR ", 8) || !sums_to_zero(p, 20))
		return NULL;
	if (p[15] < 2)
		return p;
	if (!phys(pa, 36) || (len = get32(p + 20)) < 36 || len > 4096 || !phys(pa, len) ||
	    !sums_to_zero(p, len))
		return NULL;
	return p;
}

/* ACPI 5.2.5.1: on 16-byte boundaries of the BIOS read-only area. */
static const uint8_t *rsdp_scan(void)
{
	const uint8_t *p;

	for (uint64_t pa = 0xe0000; pa < 0x100000; pa += 16)
		if ((p = rsdp_at(pa)))
			return p;
	return NULL;
}

/*
 * The system description table at pa (ACPI 5.2.6) with signature sig:
 * NULL with *why set if it is out of reach, too short or too long, or
 * fails its checksum; NULL with *why untouched if it has another
 * signature. Its length in *len.
 */
static const uint8_t *sdt_at(uint64_t pa, const char *sig, uint32_t *len, const char **why)
{
	const uint8_t *p = phys(pa, SDT_HEADER_SIZE);

	if (!p) {
		*why = "a table is outside the first 2 GiB";
		return NULL;
	}
	if (memcmp(p, sig, 4))
		return NULL;
	*len = get32(p + 4);
	if (*len < SDT_HEADER_SIZE || *len > SDT_SIZE_MAX || !phys(pa, *len)) {
		*why = "a table has a bad length";
		return NULL;
	}
	if (!sums_to_zero(p, *len)) {
		*why = "a table fails its checksum";
		return NULL;
	}
	return p;
}

/* The MADT: through the XSDT (64-bit entries) if the RSDP has one, else
 * the RSDT (32-bit entries). */
static const uint8_t *madt_find(const uint8_t *rsdp, uint32_t *len, const char **why)
{
	int x = rsdp[15] >= 2 && get64(rsdp + 24);
	uint64_t root_pa = x ? get64(rsdp + 24) : get32(rsdp + 16);
	unsigned esize = x ? 8 : 4;
	const uint8_t *root, *madt;
	uint32_t rlen;
	int unreachable = 0;

	if (!(root = sdt_at(root_pa, x ? "XSDT" : "RSDT", &rlen, why))) {
		if (!*why)
			*why = x ? "the RSDP points to no XSDT" : "the RSDP points to no RSDT";
		return NULL;
	}
	for (uint32_t off = SDT_HEADER_SIZE; off + esize <= rlen; off += esize) {
		uint64_t pa = x ? get64(root + off) : get32(root + off);
		if (!phys(pa, SDT_HEADER_SIZE)) {
			unreachable = 1; /* perhaps the MADT: said below if none is found */
			continue;
		}
		if ((madt = sdt_at(pa, "APIC", len, why)))
			return madt;
		if (*why)
			return NULL;
	}
	*why = unreachable ? "no MADT in the first 2 GiB" : "no MADT";
	return NULL;
}

/* This CPU's local APIC ID: CPUID leaf 0xb's x2APIC ID where there is one,
 * else the initial APIC ID of leaf 1 (Intel SDM vol. 3, 11.4.6, 11.12.8). */
static uint32_t boot_apic_id(int *has_x2apic)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	*has_x2apic = (r[2] >> 21) & 1;
	uint32_t id = r[1] >> 24;
	cpuid(0, 0, r);
	if (*has_x2apic && r[0] >= 0xb) {
		cpuid(0xb, 0, r);
		if (r[1])
			id = r[3];
	}
	return id;
}

/* Fill cpu_apic_id[] from the MADT's entries; returns the CPUs found, or
 * 0 with *why set. */
static unsigned madt_cpus(const uint8_t *madt, uint32_t len, const char **why, unsigned *dropped)
{
	int has_x2apic, bsp_seen = 0;
	uint32_t bsp = boot_apic_id(&has_x2apic), id, flags;
	unsigned n = 1, elen;

	cpu_apic_id[0] = bsp;
	for (uint32_t off = MADT_ENTRIES; off < len; off += elen) {
		if (len - off < 2 || (elen = madt[off + 1]) < 2 || elen > len - off) {
			*why = "an MADT entry runs past the table";
			return 0;
		}
		madt_irq_entry(madt + off, elen);
		if (madt[off] == MADT_LAPIC && elen >= 8) {
			id = madt[off + 3];
			flags = get32(madt + off + 4);
			if (id == 0xff) /* the broadcast ID */
				continue;
		} else if (madt[off] == MADT_X2APIC && elen >= 16) {
			id = get32(madt + off + 4);
			flags = get32(madt + off + 8);
		} else
			continue;
		if (!(flags & MADT_ENABLED))
			continue;
		if (id == bsp) {
			bsp_seen = 1;
			continue;
		}
		if (!has_x2apic && id >= 0xff) { /* xAPIC destinations are 8 bits */
			++*dropped;
			continue;
		}
		unsigned i = 1;
		while (i < n && cpu_apic_id[i] != id)
			i++;
		if (i < n) /* listed twice */
			continue;
		if (n == BOTHY_CPUS_MAX) {
			++*dropped;
			continue;
		}
		cpu_apic_id[n++] = id;
	}
	if (!bsp_seen) {
		*why = "the boot CPU is not in the MADT";
		return 0;
	}
	return n;
}

/* The trampoline page must be RAM in the PVH memory map (E820 type 1). */
static int trampoline_page_is_ram(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *m = PHYS_TO_VIRT(si->memmap_paddr);

	for (uint32_t i = 0; i < si->memmap_entries && i < 128; i++)
		if (m[i].type == 1 && m[i].addr <= SMP_TRAMPOLINE_PA &&
		    m[i].addr + m[i].size >= SMP_TRAMPOLINE_PA + PAGE_SIZE)
			return 1;
	return 0;
}

unsigned pvh_cpus_find(const struct hvm_start_info *si, unsigned log_level)
{
	const uint8_t *rsdp = si->rsdp_paddr ? rsdp_at(si->rsdp_paddr) : rsdp_scan();
	const uint8_t *madt;
	const char *why = NULL;
	unsigned n, dropped = 0;
	uint32_t len;

	if (!rsdp) {
		if (log_level >= (si->rsdp_paddr ? BOTHY_LOG_WARN : BOTHY_LOG_INFO))
			printk("bothy: ACPI: %s; running on one CPU\n",
			       si->rsdp_paddr ? "bad RSDP in the PVH start info" : "no RSDP");
		return 1;
	}
	if (!(madt = madt_find(rsdp, &len, &why)) || !(n = madt_cpus(madt, len, &why, &dropped))) {
		if (log_level >= BOTHY_LOG_WARN)
			printk("bothy: ACPI: %s; running on one CPU\n", why);
		return 1;
	}
	if (n > 1 && !trampoline_page_is_ram(si)) {
		if (log_level >= BOTHY_LOG_WARN)
			printk("bothy: no RAM at 0x%x for starting CPUs; running on one CPU\n",
			       SMP_TRAMPOLINE_PA);
		return 1;
	}
	if (dropped && log_level >= BOTHY_LOG_WARN)
		printk("bothy: ACPI: %u CPUs left out (at most %u, APIC IDs below 255)\n", dropped,
		       BOTHY_CPUS_MAX);
	if (log_level >= BOTHY_LOG_DEBUG)
		printk("bothy: CPUs in the ACPI MADT: %u, the boot CPU's APIC ID: %u\n", n,
		       cpu_apic_id[0]);
	ncpus = n;
	return n;
}

/* The trampoline's page table: the low 2 MiB identity-mapped (the
 * trampoline runs there until its jump), the kernel's top-level entry for
 * BOTHY_KERNEL_VBASE. 0 or -ENOMEM. */
static int trampoline_tables(void)
{
	uint64_t pml4 = page_alloc(), pdpt = page_alloc(), pd = page_alloc();
	uint64_t *t;

	if (!pml4 || !pdpt || !pd) {
		if (pml4)
			page_free(pml4);
		if (pdpt)
			page_free(pdpt);
		if (pd)
			page_free(pd);
		return -ENOMEM;
	}
	assert(pml4 < (1ull << 32)); /* loaded into CR3 in 32-bit mode */
	t = PHYS_TO_VIRT(pd);
	t[0] = 0 | PDE_2M_BITS;
	t = PHYS_TO_VIRT(pdpt);
	t[0] = pd | PTE_BITS;
	t = PHYS_TO_VIRT(pml4);
	t[0] = pdpt | PTE_BITS;
	t[511] = boot_pml4[511];
	trampoline_cr3 = pml4;
	return 0;
}

int pvh_cpu_on(struct bothy_hc_cpu_on *on)
{
	size_t size = (size_t)(smp_trampoline_end - smp_trampoline);
	uint8_t *page = PHYS_TO_VIRT(SMP_TRAMPOLINE_PA);
	struct smp_trampoline_data *d;
	int r;

	if (on->cpu == 0 || on->cpu >= ncpus)
		r = -EINVAL;
	else if (started[on->cpu])
		r = -EBUSY;
	else
		r = trampoline_cr3 ? 0 : trampoline_tables();
	if (!r) {
		assert(size <= PAGE_SIZE);
		memcpy(page, smp_trampoline, size);
		d = (struct smp_trampoline_data *)(page + (smp_trampoline_data - smp_trampoline));
		d->cr3 = trampoline_cr3;
		d->rip = on->rip;
		d->rsp = on->rsp;
		d->arg = on->arg;
		started[on->cpu] = 1;
		r = apic_send_init_sipi(cpu_apic_id[on->cpu], SMP_TRAMPOLINE_PA);
	}
	on->ret = r;
	return r;
}
