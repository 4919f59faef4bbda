// open, openat, creat. The storage process resolves the path once and names
// the object's owner; later reads and writes go straight to that owner.
// A FIFO's ends come from the pipe process (sys_pipe.cpp).
// Partial: O_TMPFILE and O_PATH are refused.
#include <fcntl.h>

#include "kernelprocs/device.h"
#include "syscalls/path_request.h"
#include "syscalls/pipe_file.h"
#include "syscalls/procfs.h"

namespace psx {
namespace {

constexpr uint32_t kOpath = 010000000, kOtmpfile = 020000000;
// Status flags an open file description keeps (what F_GETFL shows).
constexpr uint32_t kKeptFlags = O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | O_NOATIME |
                                O_ASYNC | O_LARGEFILE;

FileKind kind_of(uint32_t mode) {
  switch (mode & vfs::kTypeMask) {
    case vfs::kRegular: return FileKind::kRegular;
    case vfs::kDirectory: return FileKind::kDirectory;
    case vfs::kCharDevice: case vfs::kBlockDevice: return FileKind::kDevice;
    case vfs::kSymlink: return FileKind::kSymlink;
    default: return FileKind::kOther;
  }
}

// st[0] = the guest's open flags.
Outcome opened(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  StorageRequest& r = current_request(p);
  uint32_t flags = uint32_t(c.st[0]);
  auto f = std::make_shared<OpenFile>();
  f->ino = r.result_ino;
  f->kind = kind_of(r.stat.mode);
  f->status_flags = (flags & kKeptFlags) | (c.wide() ? O_LARGEFILE : 0);
  switch (ObjectOwner(reply.arg[2])) {
    case ObjectOwner::kStorage:
      f->owner = kStorageAddress;
      f->object = r.result_ino;
      break;
    case ObjectOwner::kDevice:
      if (!Device::provides(r.stat.rdev)) {
        release_inode(p, r.result_ino);
        return Outcome::error(ENXIO);  // no driver for that device number
      }
      f->owner = Device::kAddress;
      f->object = r.stat.rdev;
      break;
    case ObjectOwner::kFifo:
      return open_fifo(p, c, r.result_ino, f->status_flags, flags & O_CLOEXEC);
    default:
      release_inode(p, r.result_ino);
      return Outcome::error(ENXIO);  // no kernel process serves it
  }
  auto fd = p.install_fd(FdEntry{f, bool(flags & O_CLOEXEC)});
  if (!fd) {
    release_inode(p, r.result_ino);
    return Outcome::error(fd.error().value);
  }
  return Outcome::done(*fd);
}

Outcome open_at(Personality& p, Call& c, int dirfd, uint64_t path, uint32_t flags, uint32_t mode) {
  if (flags & (kOpath | kOtmpfile)) return Outcome::error(EOPNOTSUPP);
  uint32_t acc = flags & O_ACCMODE;
  if (acc == 3) return Outcome::error(EINVAL);
  // Linux takes a descriptor before touching the path: no room, nothing happens.
  size_t free_fd = 0;
  while (free_fd < p.fds.size() && p.fds[free_fd].file) free_fd++;
  if (free_fd >= p.nofile_limit) return Outcome::error(EMFILE);
  StorageRequest& r = new_request(p, StorageReqKind::kOpen);
  auto put = put_path(p, r, dirfd, path);
  if (!put) return Outcome::error(put.error().value);
  if (auto o = procfs_open(p, c, r, dirfd, flags)) return *o;  // under /proc
  uint32_t f = 0;
  if (acc == O_RDONLY || acc == O_RDWR) f |= vfs::open_flag::kRead;
  if (acc == O_WRONLY || acc == O_RDWR) f |= vfs::open_flag::kWrite;
  if (flags & O_CREAT) f |= vfs::open_flag::kCreate;
  if (flags & O_EXCL) f |= vfs::open_flag::kExcl;
  if (flags & O_TRUNC) f |= vfs::open_flag::kTrunc;
  if (flags & O_DIRECTORY) f |= vfs::open_flag::kDirectoryOnly;
  if (flags & O_NOFOLLOW) f |= vfs::open_flag::kNoFollow;
  if (flags & O_APPEND) f |= vfs::open_flag::kAppend;
  r.flags = f;
  r.mode = mode & 07777 & ~p.umask;
  c.st[0] = flags;
  return send_request(p, c, opened);
}

}  // namespace

Outcome sys_open(Personality& p, Call& c) { return open_at(p, c, kAtFdcwd, c.ptr(0), c.u(1), c.u(2)); }
Outcome sys_openat(Personality& p, Call& c) { return open_at(p, c, c.i(0), c.ptr(1), c.u(2), c.u(3)); }
Outcome sys_creat(Personality& p, Call& c) {
  return open_at(p, c, kAtFdcwd, c.ptr(0), O_CREAT | O_WRONLY | O_TRUNC, c.u(1));
}

}  // namespace psx
