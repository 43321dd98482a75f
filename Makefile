# Bothy: `make` builds build/bothy (the monitor, with the kernel inside it);
# `make test` runs every test; `make install` puts bothy in $(PREFIX)/bin and
# its man page in $(PREFIX)/share/man/man1.
ARCH ?= x86_64
PREFIX ?= /usr/local
B := build
CC ?= gcc

WARN := -Wall -Wextra -Werror
# The kernel: freestanding, ring-0 code restricted to the instructions that
# PVM's emulator runs (see docs/pvm.md): general registers only, x86-64 base.
KCFLAGS := -std=gnu11 -O2 $(WARN) -ffreestanding -fno-pic -fno-pie -nostdinc \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -march=x86-64 -mtune=generic \
	-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fcf-protection=none -fno-builtin -fno-strict-aliasing -fno-tree-loop-distribute-patterns \
	-isystem $(shell $(CC) -print-file-name=include) \
	-Iinclude -Ikernel/include -Ikernel/lib -Ikernel/arch/$(ARCH)/include -I$(B)/gen -MMD -MP
KLDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
	-Wl,--no-warn-rwx-segments -T kernel/arch/$(ARCH)/kernel.ld

KSRC := $(wildcard kernel/*.c kernel/fs/*.c kernel/net/*.c kernel/drivers/*.c kernel/lib/*.c \
	kernel/arch/$(ARCH)/*.c kernel/arch/$(ARCH)/*.S)
KOBJ := $(patsubst %,$(B)/%.o,$(basename $(KSRC)))
KERNEL := $(B)/bothy-$(ARCH).elf

# lwIP 2.1.3, the TCP/IP stack: scripts/fetch-lwip.sh unpacks Debian's
# source package into $(LWIP_DIR); its core is compiled with the kernel's
# flags and our port (kernel/net/lwip/: lwipopts.h, arch/cc.h,
# arch/sys_arch.h). Kernel code that uses lwIP (kernel/net/) gets
# LWIP_INC too.
LWIP_DIR := $(B)/lwip/src
LWIP_STAMP := $(LWIP_DIR)/.fetched
LWIP_INC := -Ikernel/net/lwip -I$(LWIP_DIR)/src/include
LWIP_SRC := $(addprefix core/,altcp.c altcp_alloc.c altcp_tcp.c def.c dns.c inet_chksum.c \
	init.c ip.c mem.c memp.c netif.c pbuf.c raw.c stats.c sys.c tcp.c tcp_in.c tcp_out.c \
	timeouts.c udp.c) \
	$(addprefix core/ipv4/,autoip.c dhcp.c etharp.c icmp.c igmp.c ip4.c ip4_addr.c ip4_frag.c) \
	$(addprefix core/ipv6/,dhcp6.c ethip6.c icmp6.c inet6.c ip6.c ip6_addr.c ip6_frag.c mld6.c \
	nd6.c) \
	netif/ethernet.c api/tcpip.c api/err.c
LWIP_OBJ := $(patsubst %.c,$(B)/lwip/obj/%.o,$(LWIP_SRC))

MCFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -Iinclude -Ikernel/lib -MMD -MP
# Pure kernel modules that the monitor shares (ELF checks, cpio).
MSHARED := kernel/lib/elf.c kernel/lib/cpio.c
MSRC := $(wildcard monitor/*.c) $(MSHARED)
# libslirp for `--net slirp` (monitor/net_slirp.c). Its .pc file requires
# glib-2.0's, which Debian's libslirp-dev does not pull in; the header
# itself needs no glib, so plain -lslirp does when pkg-config cannot.
SLIRP_LIBS := $(shell pkg-config --libs slirp 2>/dev/null || echo -lslirp)
MOBJ := $(patsubst %,$(B)/host/%.o,$(basename $(MSRC)))

all: $(B)/bothy examples

# The example servers of the README's demo (static, musl): examples/.
examples: $(B)/bothy
	$(MAKE) -s -C examples

# Linux system-call numbers and names, from the installed UAPI header.
UNISTD := /usr/include/x86_64-linux-gnu/asm/unistd_64.h
GEN := $(B)/gen/syscall_nr.h $(B)/gen/syscall_names.h
$(B)/gen/syscall_nr.h: $(UNISTD)
	@mkdir -p $(dir $@)
	grep '^#define __NR_' $< > $@
$(B)/gen/syscall_names.h: $(UNISTD)
	@mkdir -p $(dir $@)
	{ echo 'static const char *const syscall_names[] = {'; \
	  sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/[\2] = "\1",/p' $<; echo '};'; } > $@

$(B)/%.o: %.c | $(GEN)
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(CC) $(KCFLAGS) -c -o $@ $<
$(LWIP_STAMP): scripts/fetch-lwip.sh
	@scripts/fetch-lwip.sh $(LWIP_DIR)
$(LWIP_OBJ): $(B)/lwip/obj/%.o: $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC lwip/$*.c"; $(CC) $(KCFLAGS) $(LWIP_INC) -c -o $@ $(LWIP_DIR)/src/$*.c
$(filter $(B)/kernel/net/%,$(KOBJ)): KCFLAGS += $(LWIP_INC)
$(filter $(B)/kernel/net/%,$(KOBJ)): | $(LWIP_STAMP)
$(B)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS $<"; $(CC) $(KCFLAGS) -D__ASSEMBLY__ -DVDSO_PATH='"$(VDSO)"' -c -o $@ $<

# The vDSO: user-mode code linked as a shared object, embedded in the kernel.
VDSO := $(B)/vdso-$(ARCH).so
VDIR := kernel/arch/$(ARCH)/vdso
$(VDSO): $(VDIR)/vdso.c $(VDIR)/vdso.lds kernel/arch/$(ARCH)/include/arch/vdso.h
	@mkdir -p $(dir $@)
	@echo "  VDSO $@"; $(CC) -std=gnu11 -O2 $(WARN) -fPIC -shared -nostdlib -ffreestanding \
		-fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none \
		-mgeneral-regs-only -Ikernel/arch/$(ARCH)/include -Wl,-T,$(VDIR)/vdso.lds \
		-Wl,--hash-style=both -Wl,-soname=linux-vdso.so.1 -Wl,--build-id=none \
		-Wl,-z,max-page-size=4096 -o $@ $<
$(B)/kernel/arch/$(ARCH)/vdso_blob.o: $(VDSO)

$(KERNEL): $(KOBJ) $(LWIP_OBJ) kernel/arch/$(ARCH)/kernel.ld
	@echo "  LD $@"; $(CC) $(KCFLAGS) $(KLDFLAGS) -o $@ $(KOBJ) $(LWIP_OBJ) -lgcc
	@size=$$(stat -c %s $@); echo "  kernel $@: $$size bytes"

$(B)/host/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC $<"; $(CC) $(MCFLAGS) -c -o $@ $<

# The kernel ELF is embedded in the monitor, so bothy is one file.
$(B)/host/kernel_blob.o: $(KERNEL) monitor/kernel_blob.S
	@mkdir -p $(dir $@)
	@$(CC) -c -DKERNEL_PATH='"$(KERNEL)"' -o $@ monitor/kernel_blob.S

$(B)/bothy: $(MOBJ) $(B)/host/kernel_blob.o
	@echo "  LD $@"; $(CC) -o $@ $^ $(SLIRP_LIBS) -lpthread

install: $(B)/bothy
	install -D -m 0755 $(B)/bothy $(DESTDIR)$(PREFIX)/bin/bothy
	install -D -m 0644 docs/bothy.1 $(DESTDIR)$(PREFIX)/share/man/man1/bothy.1

test: all
	tests/run.sh

unit: 
	tests/unit/run.sh

# The Open POSIX Test Suite's thread, semaphore, clock, timer and signal
# tests, natively and under bothy (BOTHY_POSIX_FULL=1: kvm and qemu).
posix: all
	tests/posix/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(B)

.PHONY: all examples install test unit posix format clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)
