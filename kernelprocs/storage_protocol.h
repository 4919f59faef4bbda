// The storage kernel process's messages. A path or inode operation is laid
// out as a StorageRequest in the requesting personality's own scratch memory
// and named by the message's BufRef (messages stay one cache line); the
// storage process reads it in place, copying what a worker-thread operation
// needs before it replies.
#pragma once
#include <cstdint>

#include "kernelprocs/message.h"
#include "vfs/types.h"

namespace psx {

enum StorageOp : uint16_t {
  kStorageRequest = 0x0500,  // buf = a StorageRequest; reply arg[0] = 0/-errno (or bytes for readlink)
  kStorageRead,      // arg[0] = ino, arg[1] = offset; buf = guest range; reply bytes
  kStorageWrite,     // arg[0] = ino, arg[1] = offset, arg[2] = uid << 32 | gid << 1 | append;
                     // buf = guest range; reply bytes, arg[1] = the new offset
  kStorageRelease,   // arg[0] = ino: the last reference of an open file description closed
  kStorageGetdents,  // arg[0] = ino, arg[1] = position; buf = guest range for linux_dirent64
                     // records; reply bytes, arg[1] = the new position
  kStorageReplyPosted,  // internal: the commit worker finished an operation
  kStorageLock,      // buf = a LockRequest (lock_table.h); reply 0/-errno, later for a waiting lock
  kStorageLockClose, // arg[0] = ino, arg[1] = the open file description's id, arg[2] = 1 if its
                     // last reference: drops the sender's POSIX locks (and the description's
                     // flock and OFD locks on its last close); no reply
};

// Who owns the I/O of an object that open() found (reply arg[2]).
enum class ObjectOwner : uint32_t { kStorage = 0, kDevice = 1, kFifo = 2 };

inline constexpr Address kStorageAddress{0, kStorage, 0};

enum class StorageReqKind : uint32_t {
  kOpen,      // path, dir, flags (vfs::open_flag), mode -> ino, stat
  kStat,      // path, dir, follow -> stat
  kFstat,     // ino -> stat
  kAccess,    // path, dir, mode (kMay*), follow; checked with the real ids
  kMkdir,     // path, dir, mode
  kMknod,     // path, dir, mode (with type), rdev
  kUnlink,    // path, dir
  kRmdir,     // path, dir
  kRename,    // path, dir -> path2, dir2, flags
  kLink,      // path, dir -> path2, dir2, follow
  kSymlink,   // path = target, path2/dir2 = the new link
  kReadlink,  // path, dir; out = guest buffer -> bytes
  kChmod,     // path, dir, mode, follow
  kFchmod,    // ino, mode
  kChown,     // path, dir, uid, gid, follow
  kFchown,    // ino, uid, gid
  kTruncate,  // path, dir, length
  kFtruncate, // ino, length
  kFallocate, // ino, mode, offset, length
  kUtimens,   // path, dir, times (or now), follow
  kFutimens,  // ino, times (or now)
  kChdir,     // path, dir -> ino of a searchable directory
  kStatfs,    // -> statfs
  kSync,      // everything committed is on the disk when this answers
  kPathOf,    // ino of a directory -> its absolute path in `path` (getcwd); reply: length
};

struct StorageRequest {
  StorageReqKind kind;
  uint32_t flags = 0;
  uint32_t mode = 0;
  uint32_t uid = 0, gid = 0;  // chown arguments
  bool follow = true;
  bool times_now = true;
  uint32_t cred_uid = 0, cred_gid = 0;
  int32_t pid = 0;
  uint64_t dir = vfs::kRootIno, dir2 = vfs::kRootIno, ino = 0;
  uint64_t rdev = 0;
  int64_t offset = 0, length = 0;
  vfs::TimeSpec times[2];
  BufRef out;  // guest buffer for readlink
  // Results.
  vfs::Stat stat;
  vfs::StatFs statfs;
  uint64_t result_ino = 0;
  // Paths (NUL-terminated, at most PATH_MAX).
  char path[vfs::kPathMax];
  char path2[vfs::kPathMax];
};

}  // namespace psx
