// Advisory file locks of one kernel host, per inode, kept by the storage
// kernel process (it sees every open store file, whichever guest holds it):
//   - POSIX record locks (fcntl F_SETLK): owned by a process; byte ranges; a
//     process's own locks never conflict with each other (they merge, split
//     and convert); released by any close of the file by that process;
//   - OFD record locks (F_OFD_SETLK): the same ranges, owned by one open file
//     description; released when its last reference closes. They conflict
//     with POSIX locks held by anyone else, including the same process;
//   - flock locks: whole file, owned by an open file description; separate
//     from record locks (on Linux they do not interact).
// A lock that cannot be had now either fails (EAGAIN) or waits: the waiting
// request is parked and answered when a release lets it through, or with
// EINTR when its process withdraws it (kOpCancel: a signal). Not yet: EDEADLK
// detection between waiting processes.
#pragma once
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "kernelprocs/message.h"

namespace psx {

// The request a personality lays out in its scratch memory for kStorageLock.
// The range is already resolved (whence, negative lengths) and checked.
struct LockRequest {
  enum Cmd : uint32_t { kGet = 0, kSet = 1, kSetWait = 2, kFlock = 3, kFlockWait = 4 };
  Cmd cmd = kGet;
  int16_t type = 0;  // F_RDLCK, F_WRLCK, F_UNLCK
  uint16_t ofd = 0;  // 1: an OFD lock (owner = the description), 0: POSIX (owner = the process)
  int32_t pid = 0;   // the requesting guest process (F_GETLK reports it)
  uint64_t ino = 0;
  uint64_t file = 0;              // the open file description's id
  int64_t start = 0, end = 0;     // inclusive; end = INT64_MAX: to the end of the file
  // F_GETLK's answer: the first conflicting lock (out_type F_UNLCK if none).
  int16_t out_type = 0;
  int32_t out_pid = 0;
  int64_t out_start = 0, out_end = 0;
};

class LockTable {
 public:
  static constexpr int64_t kOffsetMax = INT64_MAX;
  // An owner: a process (POSIX locks) or an open file description (OFD locks, flock).
  struct Owner {
    uint64_t id = 0;   // pid for a process, the description's id otherwise
    bool ofd = false;
    bool operator==(const Owner&) const = default;
  };
  struct Range {
    Owner owner;
    int32_t pid = 0;  // who took it (F_GETLK reports it; -1 for OFD locks)
    int16_t type = 0;
    int64_t start = 0, end = 0;  // inclusive; end = kOffsetMax: to the end of the file
  };

  // The first lock of another owner that conflicts with [start, end] of `type`.
  const Range* conflict(uint64_t ino, Owner o, int16_t type, int64_t start, int64_t end) const;
  // Sets (F_RDLCK/F_WRLCK) or clears (F_UNLCK) o's locks on [start, end].
  void set(uint64_t ino, Owner o, int32_t pid, int16_t type, int64_t start, int64_t end);
  // flock: false if another description holds a conflicting lock.
  bool flock_can(uint64_t ino, uint64_t file, int16_t type) const;
  void flock_set(uint64_t ino, uint64_t file, int16_t type);
  // Drops every lock of o on ino (and, for a description, its flock).
  void release(uint64_t ino, Owner o);
  bool has_locks(uint64_t ino) const { return ranges_.count(ino) || flocks_.count(ino); }

 private:
  std::unordered_map<uint64_t, std::vector<Range>> ranges_;
  struct Flock {
    uint64_t file;
    int16_t type;
  };
  std::unordered_map<uint64_t, std::vector<Flock>> flocks_;
};

}  // namespace psx
