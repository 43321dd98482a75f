/*
 * The local APIC (Intel SDM vol. 3, chapter 11): each CPU's timer, the
 * interrupts between CPUs, and starting the other CPUs.
 *
 * x2APIC mode (MSRs) where CPUID offers it, as under the Bothy monitor's
 * in-kernel irqchip; else xAPIC mode through the MMIO page at 0xfee00000,
 * as under QEMU with TCG. The timer uses TSC-deadline mode where offered
 * (an absolute TSC value: no calibration, no drift), else one-shot mode
 * with the APIC timer's rate measured against the TSC at boot.
 */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <errno.h>
#include <ktime.h>
#include <mm.h>
#include <sched.h>
#include <string.h>

#include "arch.h"
#include "smp_pvh.h"

#define APIC_ID       0x20
#define APIC_TPR      0x80
#define APIC_EOI      0xb0
#define APIC_SVR      0xf0
#define APIC_ICR      0x300
#define APIC_ICR_HI   0x310
#define APIC_LVT_TMR  0x320
#define APIC_TMR_ICR  0x380 /* initial count */
#define APIC_TMR_CCR  0x390 /* current count */
#define APIC_TMR_DIV  0x3e0
#define APIC_XAPIC_PA 0xfee00000ull

#define LVT_TSC_DEADLINE (2u << 17)
#define ICR_BUSY         (1u << 12)

static int x2apic, tsc_deadline;
static volatile uint32_t *xapic;
static uint64_t ticks_per_ms; /* one-shot mode */
static uint32_t apic_ids[CPUS_MAX];

static void apic_write(unsigned reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + reg / 16, v);
	else
		xapic[reg / 4] = v;
}

static uint32_t apic_read(unsigned reg)
{
	return x2apic ? (uint32_t)rdmsr(MSR_X2APIC_BASE + reg / 16) : xapic[reg / 4];
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/* This CPU's APIC: on, no priority threshold, the timer's vector. */
void apic_init_cpu(void)
{
	if (x2apic)
		wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11) | (1u << 10));
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);
	apic_write(APIC_TMR_DIV, 0xb); /* divide by 1 */
	apic_write(APIC_LVT_TMR, VEC_TIMER | (tsc_deadline ? LVT_TSC_DEADLINE : 0));
	apic_ids[this_cpu()->id] = x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

/* The APIC timer's ticks per millisecond, against the TSC: the least of
 * three 1 ms measurements (a vCPU the host stops in the middle of one
 * makes it read high, and a rate read high would make every timer late;
 * one read low only makes some fire early, and they are re-armed). */
static void calibrate(void)
{
	uint64_t khz = time_tsc_khz(), t0, t1, best = ~0ull;

	for (int i = 0; i < 3; i++) {
		uint32_t c0, c1;
		apic_write(APIC_TMR_ICR, 0xffffffff);
		c0 = apic_read(APIC_TMR_CCR);
		t0 = rdtsc();
		while (rdtsc() - t0 < khz)
			cpu_relax();
		c1 = apic_read(APIC_TMR_CCR);
		t1 = rdtsc();
		best = MIN(best, (uint64_t)(c0 - c1) * khz / (t1 - t0));
	}
	apic_write(APIC_TMR_ICR, 0);
	ticks_per_ms = best ? best : 1;
}

void apic_init(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	x2apic = (r[2] >> 21) & 1;
	tsc_deadline = (r[2] >> 24) & 1;
	if (!x2apic && !(xapic = mmu_map_mmio(APIC_XAPIC_PA)))
		panic("cannot map the local APIC");
	apic_init_cpu();
	if (!tsc_deadline)
		calibrate();
}

void arch_timer_set(uint64_t deadline)
{
	uint64_t now, ticks;

	if (tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, deadline ? time_ns_to_tsc(deadline) : 0);
		return;
	}
	if (!deadline) {
		apic_write(APIC_TMR_ICR, 0);
		return;
	}
	now = time_monotonic_ns();
	ticks = deadline > now ? (deadline - now) / 1000 * ticks_per_ms / 1000 + 1 : 1;
	apic_write(APIC_TMR_ICR, ticks > 0xffffffffull ? 0xffffffffu : (uint32_t)ticks);
}

void arch_ipi(int cpu, int kind)
{
	uint32_t low = kind == IPI_TLB ? VEC_TLB : VEC_RESCHED; /* fixed, physical, edge */

	if (x2apic) {
		wrmsr(MSR_X2APIC_BASE + APIC_ICR / 16, (uint64_t)apic_ids[cpu] << 32 | low);
		return;
	}
	while (apic_read(APIC_ICR) & ICR_BUSY)
		cpu_relax();
	apic_write(APIC_ICR_HI, apic_ids[cpu] << 24);
	apic_write(APIC_ICR, low);
}

void arch_idle(void)
{
	asm volatile("sti; hlt; cli" ::: "memory");
}

void arch_halt(void)
{
	asm volatile("cli; hlt" ::: "memory");
}

void arch_relax(void)
{
	cpu_relax();
}

/* Start CPU c through the monitor (BOTHY_HC_CPU_ON) on a one-page boot
 * stack, and wait until it is up. */
int arch_cpu_start(struct cpu *c)
{
	extern char ap_start64[];
	uint64_t stack = page_alloc(), t0;
	struct bothy_hc_cpu_on on = {.cpu = (uint64_t)c->id, .rip = (uint64_t)ap_start64};

	if (!platform->cpu_on)
		return -ENOSYS;
	if (!stack || !(c->arch = arch_cpu_alloc()))
		return -ENOMEM;
	on.rsp = (uint64_t)PHYS_TO_VIRT(stack) + PAGE_SIZE;
	on.arg = (uint64_t)c;
	if (platform->cpu_on(&on))
		return (int)on.ret;
	for (t0 = rdtsc(); !__atomic_load_n(&c->online, __ATOMIC_SEQ_CST);)
		if (rdtsc() - t0 > time_tsc_khz() * 2000) /* 2 s */
			return -ETIMEDOUT;
	return 0;
}

/* --- INIT and STARTUP IPIs (smp_pvh.c: other CPUs under PVH boot) ------ */

#define ICR_INIT    (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_ASSERT  (1u << 14)

static void apic_udelay(uint64_t us)
{
	uint64_t t0 = rdtsc(), n = time_tsc_khz() * us / 1000;

	while (rdtsc() - t0 < n)
		cpu_relax();
}

/* Send one IPI (ICR low word `low`, physical destination apic_id); in xAPIC
 * mode wait, at most 10 ms, for the previous one and this one to be
 * accepted. 0 or -EIO. */
static int apic_icr_send(uint32_t apic_id, uint32_t low)
{
	uint64_t t0, limit = time_tsc_khz() * 10;

	if (x2apic) {
		wrmsr(MSR_X2APIC_BASE + APIC_ICR / 16, (uint64_t)apic_id << 32 | low);
		return 0;
	}
	for (t0 = rdtsc(); apic_read(APIC_ICR) & ICR_BUSY;)
		if (rdtsc() - t0 > limit)
			return -EIO;
	apic_write(APIC_ICR_HI, apic_id << 24);
	apic_write(APIC_ICR, low);
	for (t0 = rdtsc(); apic_read(APIC_ICR) & ICR_BUSY;)
		if (rdtsc() - t0 > limit)
			return -EIO;
	return 0;
}

/* Declared in smp_pvh.h. */
int apic_send_init_sipi(uint32_t apic_id, uint64_t vector_page)
{
	if ((vector_page & 0xfff) || vector_page >= 0x100000 || (!x2apic && apic_id >= 0xff))
		return -EINVAL;
	/* The x2APIC's ICR write is not ordered after the caller's stores. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (apic_icr_send(apic_id, ICR_INIT | ICR_ASSERT))
		return -EIO;
	apic_udelay(10000);
	for (int i = 0; i < 2; i++) {
		if (apic_icr_send(apic_id,
		                  ICR_STARTUP | ICR_ASSERT | (uint32_t)(vector_page >> 12)))
			return -EIO;
		apic_udelay(200);
	}
	return 0;
}
