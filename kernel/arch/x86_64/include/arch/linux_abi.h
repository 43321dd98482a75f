/* Linux user-ABI structures whose layout is x86_64's own. */
#ifndef ARCH_LINUX_ABI_H
#define ARCH_LINUX_ABI_H
#include <stdint.h>

/* struct stat of newfstatat(2) (arch/x86/include/uapi/asm/stat.h). */
struct kernel_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, __pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	uint64_t st_atime_sec, st_atime_nsec, st_mtime_sec, st_mtime_nsec;
	uint64_t st_ctime_sec, st_ctime_nsec;
	int64_t __reserved[3];
};
_Static_assert(sizeof(struct kernel_stat) == 144, "x86_64 struct stat");

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

#endif
