// What an owning kernel process reports about one of its objects (fstat).
// Neutral: the syscall layer turns it into each ABI's struct stat / statx.
#pragma once
#include <cstdint>

namespace psx {

struct ObjectStat {
  uint64_t dev, ino, rdev, size, blocks;
  uint32_t mode, nlink, uid, gid, blksize, pad;
  int64_t atime_sec, mtime_sec, ctime_sec;
  uint32_t atime_nsec, mtime_nsec, ctime_nsec, pad2;
};

}  // namespace psx
