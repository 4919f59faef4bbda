// Guest struct layouts, per ABI, checked at compile time. The host is x86-64
// Linux, so the x86-64 layouts are also checked against the host's headers.
#pragma once
#include <linux/stat.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <cstddef>
#include <cstdint>

namespace psx::abi {

// x86-64 `struct stat` (fstat, stat, lstat, newfstatat).
struct X86Stat {
  uint64_t st_dev, st_ino, st_nlink;
  uint32_t st_mode, st_uid, st_gid, pad0;
  uint64_t st_rdev;
  int64_t st_size, st_blksize, st_blocks;
  uint64_t st_atime_sec, st_atime_nsec, st_mtime_sec, st_mtime_nsec, st_ctime_sec, st_ctime_nsec;
  int64_t unused[3];
};
static_assert(sizeof(X86Stat) == sizeof(struct stat) && sizeof(X86Stat) == 144);
static_assert(offsetof(X86Stat, st_mode) == offsetof(struct stat, st_mode));
static_assert(offsetof(X86Stat, st_size) == offsetof(struct stat, st_size));
static_assert(offsetof(X86Stat, st_mtime_sec) == offsetof(struct stat, st_mtim));

// `struct statx`: the same on every ABI (riscv32 has no other stat call).
struct StatxTimestamp {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};
struct Statx {
  uint32_t stx_mask, stx_blksize;
  uint64_t stx_attributes;
  uint32_t stx_nlink, stx_uid, stx_gid;
  uint16_t stx_mode, spare0;
  uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
  StatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
  uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
  uint64_t stx_mnt_id;
  uint32_t stx_dio_mem_align, stx_dio_offset_align;
  uint64_t spare3[12];
};
static_assert(sizeof(Statx) == 256 && sizeof(Statx) == sizeof(struct statx));
static_assert(offsetof(Statx, stx_ino) == offsetof(struct statx, stx_ino));
static_assert(offsetof(Statx, stx_mtime) == offsetof(struct statx, stx_mtime));
static_assert(offsetof(Statx, stx_dev_minor) == offsetof(struct statx, stx_dev_minor));

// `struct utsname`: six 65-byte fields on both ABIs.
struct Utsname {
  char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
static_assert(sizeof(Utsname) == sizeof(struct utsname));

// __kernel_timespec: 64-bit seconds and nanoseconds on both ABIs (riscv32 is time64-only).
struct Timespec {
  int64_t tv_sec, tv_nsec;
};
static_assert(sizeof(Timespec) == 16);

// Kernel sigaction: x86-64 has sa_restorer; riscv32 (asm-generic) does not.
struct X86Sigaction {
  uint64_t handler, flags, restorer, mask;
};
// riscv32 as musl (and qemu-riscv32) lay it out: musl defines SA_RESTORER for
// riscv32 and passes its __restore_rt; the mask is two 32-bit words.
struct Rv32Sigaction {
  uint32_t handler, flags, restorer;
  uint32_t mask[2];
};
static_assert(sizeof(X86Sigaction) == 32 && sizeof(Rv32Sigaction) == 20);

// Terminal ioctls (the same numbers on x86-64 and asm-generic).
inline constexpr uint32_t kTCGETS = 0x5401, kTCSETS = 0x5402, kTCSETSW = 0x5403, kTCSETSF = 0x5404,
                          kTIOCGPGRP = 0x540F, kTIOCSPGRP = 0x5410, kTIOCGSID = 0x5429, kTIOCGWINSZ = 0x5413, kTIOCSWINSZ = 0x5414,
                          kFIONREAD = 0x541B, kFIONCLEX = 0x5450, kFIOCLEX = 0x5451;
inline constexpr uint32_t kKernelTermiosSize = 36;  // struct termios as the kernel sees it
inline constexpr uint32_t kWinsizeSize = 8;

}  // namespace psx::abi
