// Neutral POSIX types of vfs: who is calling, what stat returns, directory
// entries, open flags. Mode and type bits use Linux's values, which both guest
// ABIs (x86-64, riscv32) share; the syscall layer converts guest structs.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "storage/schema.h"

namespace psx::vfs {

using Ino = storage::Ino;
inline constexpr Ino kRootIno = storage::kRootIno;

inline constexpr size_t kNameMax = 255;   // NAME_MAX: bytes in one path component
inline constexpr size_t kPathMax = 4096;  // PATH_MAX, counting the NUL: paths are < 4096 bytes
inline constexpr int kMaxSymlinks = 40;   // symlinks followed in one lookup before ELOOP
inline constexpr uint64_t kMaxFileSize = uint64_t{1} << 44;  // 16 TiB, like ext4; EFBIG beyond

// st_mode bits (Linux values).
inline constexpr uint32_t kTypeMask = 0170000;
inline constexpr uint32_t kRegular = 0100000;
inline constexpr uint32_t kDirectory = 0040000;
inline constexpr uint32_t kSymlink = 0120000;
inline constexpr uint32_t kFifo = 0010000;
inline constexpr uint32_t kCharDevice = 0020000;
inline constexpr uint32_t kBlockDevice = 0060000;
inline constexpr uint32_t kSocket = 0140000;
inline constexpr uint32_t kSetUid = 04000;
inline constexpr uint32_t kSetGid = 02000;
inline constexpr uint32_t kSticky = 01000;
inline constexpr uint32_t kPermMask = 07777;

// Access bits for permission checks and access(): R_OK, W_OK, X_OK.
inline constexpr int kMayRead = 4;
inline constexpr int kMayWrite = 2;
inline constexpr int kMayExec = 1;

// The caller's credentials. The subsystem passes the effective (fs) ids for
// ordinary calls and the real ids for access().
struct Cred {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // supplementary groups
  bool is_root() const { return uid == 0; }
  bool in_group(uint32_t g) const {
    if (g == gid) return true;
    for (uint32_t x : groups)
      if (x == g) return true;
    return false;
  }
};

// Who asks: credentials for permission checks, pid for the transaction log.
struct Caller {
  Cred cred;
  int32_t pid = 0;
};

// What stat() returns, before the syscall layer lays it out for an ABI.
struct Stat {
  Ino ino = 0;
  uint32_t mode = 0;      // type | permission bits
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t rdev = 0;      // device nodes: the device number (its owner does the I/O)
  uint64_t size = 0;
  uint64_t blocks = 0;    // 512-byte units actually stored (holes cost nothing)
  uint32_t blksize = 4096;  // preferred I/O size
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  int64_t btime_ns = 0;
  bool is_dir() const { return (mode & kTypeMask) == kDirectory; }
  bool is_regular() const { return (mode & kTypeMask) == kRegular; }
  bool is_symlink() const { return (mode & kTypeMask) == kSymlink; }
};

// One directory entry. `name` points into the store: valid only during the
// readdir callback that receives it.
struct DirEntry {
  Ino ino = 0;
  uint32_t d_off = 0;    // position after this entry: pass it back to resume
  uint8_t d_type = 0;    // DT_* value (DT_DIR = 4, DT_REG = 8, ...)
  std::string_view name;
};

struct StatFs {
  uint64_t type = 0x50535821;  // f_type: "PSX!"
  uint64_t bsize = 4096;
  uint64_t blocks = 0;
  uint64_t bfree = 0;
  uint64_t bavail = 0;
  uint64_t files = 0;
  uint64_t ffree = 0;
  uint64_t fsid = 0;
  uint64_t namelen = kNameMax;
  uint64_t frsize = 4096;
};

// open() flags, neutral (the syscall layer maps O_*). O_CLOEXEC and the open
// file description itself belong to the subsystem.
namespace open_flag {
inline constexpr uint32_t kRead = 1u << 0;
inline constexpr uint32_t kWrite = 1u << 1;
inline constexpr uint32_t kCreate = 1u << 2;
inline constexpr uint32_t kExcl = 1u << 3;
inline constexpr uint32_t kTrunc = 1u << 4;
inline constexpr uint32_t kDirectoryOnly = 1u << 5;  // O_DIRECTORY
inline constexpr uint32_t kNoFollow = 1u << 6;
inline constexpr uint32_t kAppend = 1u << 7;  // recorded for the caller; writes pass append=true
}  // namespace open_flag

// renameat2() flags (Linux values).
inline constexpr uint32_t kRenameNoReplace = 1;
inline constexpr uint32_t kRenameExchange = 2;

// utimensat() special nanosecond values (Linux values).
inline constexpr int64_t kUtimeNow = (1l << 30) - 1;
inline constexpr int64_t kUtimeOmit = (1l << 30) - 2;
struct TimeSpec {
  int64_t sec = 0;
  int64_t nsec = 0;
};

inline constexpr uint32_t kNoId = 0xffffffffu;  // chown: leave unchanged

struct OpenResult {
  Ino ino = 0;
  Stat stat;             // after the open (type, rdev tell who owns the I/O)
  bool created = false;  // O_CREAT made it
};

struct WriteResult {
  size_t bytes = 0;
  uint64_t end = 0;  // offset just past the last byte written (the new file offset)
};

}  // namespace psx::vfs
