/*
 * The Xen PVH boot ABI as QEMU implements it for `-kernel` with a
 * XEN_ELFNOTE_PHYS32_ENTRY note: struct hvm_start_info and friends
 * (Xen public header arch-x86/hvm/start_info.h, docs/misc/pvh.pandoc).
 */
#ifndef X86_64_PVH_H
#define X86_64_PVH_H
#include <stdint.h>

#define HVM_START_MAGIC_VALUE 0x336ec578u

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;   /* version >= 1 */
	uint32_t memmap_entries; /* version >= 1 */
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* 1 = RAM (E820) */
	uint32_t reserved;
};

/* The files `bothy run --vmm qemu` puts in the initrd (docs/boot.md). */
#define PVH_FILE_PROGRAM ".bothy/program"
#define PVH_FILE_ARGS    ".bothy/args" /* struct pvh_args, then the strings */
#define PVH_FILE_STDIN   ".bothy/stdin" /* the program's stdin, if any */

struct pvh_args {
	uint32_t argc, envc, flags, log_level;
	uint8_t seed[32];
};

#endif
