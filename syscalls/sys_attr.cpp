// chmod, fchmod, fchmodat, chown, fchown, lchown, fchownat, truncate,
// ftruncate, fallocate, utimensat.
#include <fcntl.h>

#include <cstring>

#include "syscalls/abi_structs.h"
#include "syscalls/path_request.h"

namespace psx {
namespace {

uint64_t arg64(const Call& c, int i) { return c.wide() ? c.a[i] : (c.a[i] & 0xffffffffu) | (c.a[i + 1] << 32); }

// An *at() call with AT_EMPTY_PATH and "": it acts on dirfd itself (the cwd
// for AT_FDCWD), as the descriptor form of the call (`fd_kind`).
Outcome on_descriptor(Personality& p, Call& c, StorageRequest& r, int dirfd, StorageReqKind fd_kind) {
  FdEntry* e = dirfd == kAtFdcwd ? nullptr : p.fd(dirfd);
  if (dirfd != kAtFdcwd && !e) return Outcome::error(EBADF);
  r.kind = fd_kind;
  r.ino = e ? e->file->ino : p.cwd_ino;
  return send_request(p, c);
}

// The path of an *at() call: relative ones start at dirfd.
SysResult<void> start_at(Personality& p, StorageRequest& r, int dirfd) {
  if (r.path[0] != '/') r.dir = PSX_TRY(start_dir(p, dirfd));
  return {};
}


Outcome chmod_at(Personality& p, Call& c, int dirfd, uint64_t path, uint32_t mode) {
  StorageRequest& r = new_request(p, StorageReqKind::kChmod);
  auto put = put_path(p, r, dirfd, path);
  if (!put) return Outcome::error(put.error().value);
  r.mode = mode & 07777;
  return send_request(p, c);
}

Outcome chown_at(Personality& p, Call& c, int dirfd, uint64_t path, uint32_t uid, uint32_t gid, uint32_t flags) {
  if (flags & ~uint32_t(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return Outcome::error(EINVAL);
  StorageRequest& r = new_request(p, StorageReqKind::kChown);
  auto n = copy_path(p, path, r.path, flags & AT_EMPTY_PATH);
  if (!n) return Outcome::error(n.error().value);
  r.uid = uid;
  r.gid = gid;
  if (*n == 0) return on_descriptor(p, c, r, dirfd, StorageReqKind::kFchown);
  if (auto d = start_at(p, r, dirfd); !d) return Outcome::error(d.error().value);
  r.follow = !(flags & AT_SYMLINK_NOFOLLOW);
  return send_request(p, c);
}

// The store inode behind fd: EBADF, or EINVAL for console objects (not in the store).
SysResult<uint64_t> store_ino(Personality& p, int fd) {
  FdEntry* e = p.fd(fd);
  if (!e) return fail(EBADF);
  if (!e->file->ino) return fail(EINVAL);
  return e->file->ino;
}

}  // namespace

Outcome sys_chmod(Personality& p, Call& c) { return chmod_at(p, c, kAtFdcwd, c.ptr(0), c.u(1)); }
Outcome sys_fchmodat(Personality& p, Call& c) { return chmod_at(p, c, c.i(0), c.ptr(1), c.u(2)); }
Outcome sys_fchmod(Personality& p, Call& c) {
  auto ino = store_ino(p, c.i(0));
  if (!ino) return Outcome::error(ino.error().value);
  StorageRequest& r = new_request(p, StorageReqKind::kFchmod);
  r.ino = *ino;
  r.mode = c.u(1) & 07777;
  return send_request(p, c);
}

Outcome sys_chown(Personality& p, Call& c) { return chown_at(p, c, kAtFdcwd, c.ptr(0), c.u(1), c.u(2), 0); }
Outcome sys_lchown(Personality& p, Call& c) {
  return chown_at(p, c, kAtFdcwd, c.ptr(0), c.u(1), c.u(2), AT_SYMLINK_NOFOLLOW);
}
Outcome sys_fchownat(Personality& p, Call& c) { return chown_at(p, c, c.i(0), c.ptr(1), c.u(2), c.u(3), c.u(4)); }
Outcome sys_fchown(Personality& p, Call& c) {
  auto ino = store_ino(p, c.i(0));
  if (!ino) return Outcome::error(ino.error().value);
  StorageRequest& r = new_request(p, StorageReqKind::kFchown);
  r.ino = *ino;
  r.uid = c.u(1);
  r.gid = c.u(2);
  return send_request(p, c);
}

Outcome sys_truncate(Personality& p, Call& c) {
  int64_t len = int64_t(arg64(c, 1));
  if (len < 0) return Outcome::error(EINVAL);
  StorageRequest& r = new_request(p, StorageReqKind::kTruncate);
  auto put = put_path(p, r, kAtFdcwd, c.ptr(0));
  if (!put) return Outcome::error(put.error().value);
  r.length = len;
  return send_request(p, c);
}

Outcome sys_ftruncate(Personality& p, Call& c) {
  int64_t len = int64_t(arg64(c, 1));
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  if (len < 0) return Outcome::error(EINVAL);
  // Linux: a descriptor not open for writing, or not a regular file, is EINVAL.
  if ((e->file->status_flags & O_ACCMODE) == O_RDONLY || e->file->kind != FileKind::kRegular)
    return Outcome::error(EINVAL);
  StorageRequest& r = new_request(p, StorageReqKind::kFtruncate);
  r.ino = e->file->ino;
  r.length = len;
  return send_request(p, c);
}

Outcome sys_fallocate(Personality& p, Call& c) {
  int mode = c.i(1);
  int64_t off = int64_t(arg64(c, 2)), len = int64_t(c.wide() ? c.a[3] : arg64(c, 4));
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  if (off < 0 || len <= 0) return Outcome::error(EINVAL);
  if ((e->file->status_flags & O_ACCMODE) == O_RDONLY) return Outcome::error(EBADF);
  if (e->file->kind == FileKind::kConsole || e->file->kind == FileKind::kPipe) return Outcome::error(ESPIPE);
  if (e->file->kind == FileKind::kDirectory) return Outcome::error(EISDIR);
  if (e->file->kind != FileKind::kRegular) return Outcome::error(ENODEV);
  StorageRequest& r = new_request(p, StorageReqKind::kFallocate);
  r.ino = e->file->ino;
  r.mode = uint32_t(mode);
  r.offset = off;
  r.length = len;
  return send_request(p, c);
}

Outcome sys_utimensat(Personality& p, Call& c) {
  int dirfd = c.i(0);
  uint64_t path = c.ptr(1), times = c.ptr(2);
  uint32_t flags = c.u(3);
  if (flags & ~uint32_t(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return Outcome::error(EINVAL);
  StorageRequest& r = new_request(p, StorageReqKind::kUtimens);
  if (times) {
    auto h = p.mem().translate(times, 2 * sizeof(abi::Timespec), false);
    if (!h) return Outcome::error(EFAULT);
    abi::Timespec ts[2];
    memcpy(ts, *h, sizeof ts);
    for (auto& t : ts)
      if (t.tv_nsec != vfs::kUtimeNow && t.tv_nsec != vfs::kUtimeOmit && (t.tv_nsec < 0 || t.tv_nsec >= 1'000'000'000))
        return Outcome::error(EINVAL);
    // Both omitted: nothing to do, and Linux does not even look at the path.
    if (ts[0].tv_nsec == vfs::kUtimeOmit && ts[1].tv_nsec == vfs::kUtimeOmit) return Outcome::done(0);
    r.times[0] = {ts[0].tv_sec, ts[0].tv_nsec};
    r.times[1] = {ts[1].tv_sec, ts[1].tv_nsec};
    r.times_now = false;
  }
  if (!path) {
    // futimens(): utimensat(fd, NULL, times, 0).
    if (dirfd == kAtFdcwd) return Outcome::error(EFAULT);
    FdEntry* e = p.fd(dirfd);
    if (!e) return Outcome::error(EBADF);
    if (!e->file->ino) return Outcome::error(EPERM);
    r.kind = StorageReqKind::kFutimens;
    r.ino = e->file->ino;
    return send_request(p, c);
  }
  auto n = copy_path(p, path, r.path, flags & AT_EMPTY_PATH);
  if (!n) return Outcome::error(n.error().value);
  if (*n == 0) return on_descriptor(p, c, r, dirfd, StorageReqKind::kFutimens);
  if (auto d = start_at(p, r, dirfd); !d) return Outcome::error(d.error().value);
  r.follow = !(flags & AT_SYMLINK_NOFOLLOW);
  return send_request(p, c);
}

}  // namespace psx
