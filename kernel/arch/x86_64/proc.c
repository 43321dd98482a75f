/*
 * The x86_64 part of /proc: the /proc/cpuinfo block (Linux's
 * arch/x86/kernel/cpu/proc.c format, facts from CPUID).
 */
#include <arch/cpu.h>
#include <ktime.h>
#include <string.h>

#include "arch.h"

/*
 * The flag names /proc/cpuinfo shows, by CPUID leaf and register, in
 * Linux's order of feature words; NULL where Linux shows nothing.
 */
static const char *const leaf1_edx[32] = {
    "fpu",  "vme",  "de",   "pse", "tsc",  "msr", "pae",   "mce", "cx8",     "apic", NULL,
    "sep",  "mtrr", "pge",  "mca", "cmov", "pat", "pse36", "pn",  "clflush", NULL,   "dts",
    "acpi", "mmx",  "fxsr", "sse", "sse2", "ss",  "ht",    "tm",  "ia64",    "pbe",
};
static const char *const ext1_edx[32] = {
    [11] = "syscall", [19] = "mp",     [20] = "nx", [22] = "mmxext",   [25] = "fxsr_opt",
    [26] = "pdpe1gb", [27] = "rdtscp", [29] = "lm", [30] = "3dnowext", [31] = "3dnow",
};
static const char *const leaf1_ecx[32] = {
    "pni",    "pclmulqdq",  "dtes64", "monitor", "ds_cpl",
    "vmx",    "smx",        "est",    "tm2",     "ssse3",
    "cid",    "sdbg",       "fma",    "cx16",    "xtpr",
    "pdcm",   NULL,         "pcid",   "dca",     "sse4_1",
    "sse4_2", "x2apic",     "movbe",  "popcnt",  "tsc_deadline_timer",
    "aes",    "xsave",      NULL,     "avx",     "f16c",
    "rdrand", "hypervisor",
};
static const char *const ext1_ecx[32] = {
    "lahf_lm",    "cmp_legacy",  "svm",
    "extapic",    "cr8_legacy",  "abm",
    "sse4a",      "misalignsse", "3dnowprefetch",
    "osvw",       "ibs",         "xop",
    "skinit",     "wdt",         NULL,
    "lwp",        "fma4",        "tce",
    NULL,         "nodeid_msr",  NULL,
    "tbm",        "topoext",     "perfctr_core",
    "perfctr_nb", NULL,          "bpext",
    "ptsc",       "perfctr_llc", "mwaitx",
};
static const char *const leaf7_ebx[32] = {
    "fsgsbase",   "tsc_adjust", "sgx",        "bmi1",     "hle",      "avx2",     NULL,
    "smep",       "bmi2",       "erms",       "invpcid",  "rtm",      "cqm",      NULL,
    "mpx",        "rdt_a",      "avx512f",    "avx512dq", "rdseed",   "adx",      "smap",
    "avx512ifma", NULL,         "clflushopt", "clwb",     "intel_pt", "avx512pf", "avx512er",
    "avx512cd",   "sha_ni",     "avx512bw",   "avx512vl",
};
static const char *const leafd1_eax[32] = {"xsaveopt", "xsavec", "xgetbv1", "xsaves"};
static const char *const leaf7_ecx[32] = {
    [1] = "avx512vbmi",
    [2] = "umip",
    [3] = "pku",
    [4] = "ospke",
    [5] = "waitpkg",
    [6] = "avx512_vbmi2",
    [8] = "gfni",
    [9] = "vaes",
    [10] = "vpclmulqdq",
    [11] = "avx512_vnni",
    [12] = "avx512_bitalg",
    [13] = "tme",
    [14] = "avx512_vpopcntdq",
    [16] = "la57",
    [22] = "rdpid",
    [24] = "bus_lock_detect",
    [25] = "cldemote",
    [27] = "movdiri",
    [28] = "movdir64b",
    [29] = "enqcmd",
    [30] = "sgx_lc",
};
static const char *const leaf7_edx[32] = {
    [2] = "avx512_4vnniw", [3] = "avx512_4fmaps", [4] = "fsrm",       [8] = "avx512_vp2intersect",
    [10] = "md_clear",     [14] = "serialize",    [16] = "tsxldtrk",  [18] = "pconfig",
    [19] = "arch_lbr",     [20] = "ibt",          [22] = "amx_bf16",  [23] = "avx512_fp16",
    [24] = "amx_tile",     [25] = "amx_int8",     [28] = "flush_l1d", [29] = "arch_capabilities",
};

enum { W_1EDX, W_E1EDX, W_TSC, W_1ECX, W_E1ECX, W_7EBX, W_D1EAX, W_7ECX, W_7EDX, NWORDS };
static const char *const *const word_names[NWORDS] = {
    leaf1_edx, ext1_edx, NULL, leaf1_ecx, ext1_ecx, leaf7_ebx, leafd1_eax, leaf7_ecx, leaf7_edx,
};

/* What CPUID says, read once (each CPUID is a VM exit). */
static struct {
	int ready;
	char vendor[13], brand[49];
	uint32_t max_leaf, max_ext, family, model, stepping, clflush, cache_kb;
	uint32_t phys_bits, virt_bits;
	uint32_t words[NWORDS];
} cpu;

static uint32_t cache_kb(void)
{
	uint32_t r[4], best = 0, level = 0;

	if (!memcmp(cpu.vendor, "GenuineIntel", 12) && cpu.max_leaf >= 4) {
		for (uint32_t i = 0; i < 16; i++) { /* deterministic cache parameters */
			cpuid(4, i, r);
			if (!(r[0] & 0x1f))
				break;
			if (((r[0] >> 5) & 7) >= level) {
				level = (r[0] >> 5) & 7;
				best = ((r[1] >> 22) + 1) * (((r[1] >> 12) & 0x3ff) + 1) *
				       ((r[1] & 0xfff) + 1) * (r[2] + 1) / 1024;
			}
		}
		return best;
	}
	if (cpu.max_ext >= 0x80000006) {
		cpuid(0x80000006, 0, r);
		return r[2] >> 16; /* L2, as Linux shows for AMD */
	}
	return 0;
}

static void cpu_read(void)
{
	uint32_t r[4];
	char *b = cpu.brand;

	cpuid(0, 0, r);
	cpu.max_leaf = r[0];
	memcpy(cpu.vendor, &r[1], 4);
	memcpy(cpu.vendor + 4, &r[3], 4);
	memcpy(cpu.vendor + 8, &r[2], 4);
	cpuid(1, 0, r);
	cpu.family = (r[0] >> 8) & 0xf;
	if (cpu.family == 0xf)
		cpu.family += (r[0] >> 20) & 0xff;
	cpu.model = (r[0] >> 4) & 0xf;
	if (cpu.family >= 6)
		cpu.model += ((r[0] >> 16) & 0xf) << 4;
	cpu.stepping = r[0] & 0xf;
	cpu.clflush = ((r[1] >> 8) & 0xff) * 8;
	cpu.words[W_1EDX] = r[3];
	cpu.words[W_1ECX] = r[2];
	if (cpu.max_leaf >= 7) {
		cpuid(7, 0, r);
		cpu.words[W_7EBX] = r[1];
		cpu.words[W_7ECX] = r[2];
		cpu.words[W_7EDX] = r[3];
	}
	if (cpu.max_leaf >= 0xd) {
		cpuid(0xd, 1, r);
		cpu.words[W_D1EAX] = r[0];
	}
	cpuid(0x80000000, 0, r);
	cpu.max_ext = r[0] >= 0x80000000 && r[0] < 0x8000ffff ? r[0] : 0;
	if (cpu.max_ext >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		cpu.words[W_E1EDX] = r[3];
		cpu.words[W_E1ECX] = r[2];
	}
	if (cpu.max_ext >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, r);
			memcpy(cpu.brand + 16 * i, r, 16);
		}
		while (*b == ' ')
			b++;
		memmove(cpu.brand, b, strlen(b) + 1);
	}
	if (!cpu.brand[0]) /* as Linux shows a CPU without a brand string */
		memcpy(cpu.brand, "unknown", 8);
	if (cpu.max_ext >= 0x80000007) {
		cpuid(0x80000007, 0, r);
		cpu.words[W_TSC] = r[3] & (1u << 8); /* invariant TSC */
	}
	cpu.phys_bits = 36, cpu.virt_bits = 48;
	if (cpu.max_ext >= 0x80000008) {
		cpuid(0x80000008, 0, r);
		cpu.phys_bits = r[0] & 0xff, cpu.virt_bits = (r[0] >> 8) & 0xff;
	}
	cpu.cache_kb = cache_kb();
	cpu.ready = 1;
}

struct out {
	char *buf;
	size_t size, len;
};

static __printf(2, 3) void put(struct out *o, const char *fmt, ...)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_list ap;

	va_start(ap, fmt);
	o->len += vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
}

/* " name" without a format: the flags line is the bulk of the block. */
static void put_flag(struct out *o, const char *name)
{
	size_t n = strlen(name);

	if (o->len + n + 1 < o->size) {
		o->buf[o->len] = ' ';
		memcpy(o->buf + o->len + 1, name, n);
		o->buf[o->len + n + 1] = 0;
	}
	o->len += n + 1;
}

static void put_flags(struct out *o)
{
	put(o, "flags\t\t:");
	for (int w = 0; w < NWORDS; w++) {
		if (w == W_TSC && cpu.words[w]) {
			put_flag(o, "constant_tsc");
			put_flag(o, "nonstop_tsc");
		}
		for (int bit = 0; w != W_TSC && bit < 32; bit++)
			if ((cpu.words[w] >> bit & 1) && word_names[w][bit])
				put_flag(o, word_names[w][bit]);
	}
	put(o, "\n");
}

int arch_cpuinfo(char *buf, size_t size, unsigned n)
{
	struct out o = {buf, size, 0};
	uint64_t khz = time_tsc_khz(), bogo = khz / 5; /* 2 * MHz, in hundredths */
	unsigned ncpus = boot_info->cpus ? boot_info->cpus : 1;

	if (!cpu.ready)
		cpu_read();
	put(&o, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n", n,
	    cpu.vendor, cpu.family, cpu.model);
	put(&o, "model name\t: %s\nstepping\t: %u\nmicrocode\t: 0xffffffff\n", cpu.brand,
	    cpu.stepping);
	put(&o, "cpu MHz\t\t: %lu.%03lu\n", (unsigned long)(khz / 1000),
	    (unsigned long)(khz % 1000));
	if (cpu.cache_kb)
		put(&o, "cache size\t: %u KB\n", cpu.cache_kb);
	put(&o, "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n", ncpus, n,
	    ncpus);
	put(&o, "apicid\t\t: %u\ninitial apicid\t: %u\n", n, n);
	put(&o, "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\n",
	    cpu.max_leaf);
	put_flags(&o);
	put(&o, "bugs\t\t:\nbogomips\t: %lu.%02lu\n", (unsigned long)(bogo / 100),
	    (unsigned long)(bogo % 100));
	put(&o, "clflush size\t: %u\ncache_alignment\t: %u\n", cpu.clflush, cpu.clflush);
	put(&o, "address sizes\t: %u bits physical, %u bits virtual\npower management:\n\n",
	    cpu.phys_bits, cpu.virt_bits);
	return (int)o.len;
}
