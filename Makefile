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

MCFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -Iinclude -Ikernel/lib -MMD -MP
# Pure kernel modules that the monitor shares (ELF checks, cpio).
MSHARED := kernel/lib/elf.c kernel/lib/cpio.c
MSRC := $(wildcard monitor/*.c) $(MSHARED)
MOBJ := $(patsubst %,$(B)/host/%.o,$(basename $(MSRC)))

all: $(B)/bothy

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

$(KERNEL): $(KOBJ) kernel/arch/$(ARCH)/kernel.ld
	@echo "  LD $@"; $(CC) $(KCFLAGS) $(KLDFLAGS) -o $@ $(KOBJ) -lgcc
	@size=$$(stat -c %s $@); echo "  kernel $@: $$size bytes"

$(B)/host/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC $<"; $(CC) $(MCFLAGS) -c -o $@ $<

# The kernel ELF is embedded in the monitor, so bothy is one file.
$(B)/host/kernel_blob.o: $(KERNEL) monitor/kernel_blob.S
	@mkdir -p $(dir $@)
	@$(CC) -c -DKERNEL_PATH='"$(KERNEL)"' -o $@ monitor/kernel_blob.S

$(B)/bothy: $(MOBJ) $(B)/host/kernel_blob.o
	@echo "  LD $@"; $(CC) -o $@ $^ -lpthread

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

.PHONY: all install test unit posix format clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)
