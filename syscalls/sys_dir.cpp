// mkdir, mkdirat, rmdir, mknod, mknodat, chdir, fchdir, getcwd, getdents64,
// umask. Partial: mknod makes FIFOs, sockets and device nodes as records;
// their I/O owners arrive with later issues (/dev's own nodes work now).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstring>

#include "syscalls/path_request.h"
#include "syscalls/procfs.h"

namespace psx {
namespace {

Outcome path_op(Personality& p, Call& c, StorageReqKind kind, int dirfd, uint64_t path, uint32_t mode) {
  StorageRequest& r = new_request(p, kind);
  auto put = put_path(p, r, dirfd, path);
  if (!put) return Outcome::error(put.error().value);
  r.mode = mode;
  return send_request(p, c);
}

Outcome mknod_at(Personality& p, Call& c, int dirfd, uint64_t path, uint32_t mode, uint32_t dev) {
  uint32_t type = mode & S_IFMT;
  if (type == 0) type = S_IFREG;
  if (type == S_IFDIR) return Outcome::error(EPERM);
  if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK && type != S_IFCHR && type != S_IFBLK)
    return Outcome::error(EINVAL);
  if ((type == S_IFCHR || type == S_IFBLK) && p.uid != 0) return Outcome::error(EPERM);
  StorageRequest& r = new_request(p, StorageReqKind::kMknod);
  auto put = put_path(p, r, dirfd, path);
  if (!put) return Outcome::error(put.error().value);
  r.mode = type | (mode & 07777 & ~p.umask);
  // The syscall's dev is the kernel's 32-bit encoding; the store keeps st_rdev's.
  r.rdev = makedev((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00));
  return send_request(p, c);
}

Outcome chdir_done(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  p.cwd_ino = current_request(p).result_ino;
  return Outcome::done(0);
}

// st[0] = guest buffer, st[1] = its size.
Outcome cwd_done(Personality& p, Call& c, const Message& reply) {
  int64_t len = reply.arg[0];
  if (len < 0) return Outcome::done(len);
  if (uint64_t(len) > c.st[1]) return Outcome::error(ERANGE);
  auto h = p.mem().translate(c.st[0], uint64_t(len), true);
  if (!h) return Outcome::error(EFAULT);
  memcpy(*h, current_request(p).path, size_t(len));
  return Outcome::done(len);
}

Outcome getdents_done(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] >= 0)
    if (FdEntry* e = p.fd(c.i(0))) e->file->offset = uint64_t(reply.arg[1]);
  return Outcome::done(reply.arg[0]);
}

}  // namespace

Outcome sys_mkdir(Personality& p, Call& c) {
  return path_op(p, c, StorageReqKind::kMkdir, kAtFdcwd, c.ptr(0), c.u(1) & 07777 & ~p.umask);
}
Outcome sys_mkdirat(Personality& p, Call& c) {
  return path_op(p, c, StorageReqKind::kMkdir, c.i(0), c.ptr(1), c.u(2) & 07777 & ~p.umask);
}
Outcome sys_rmdir(Personality& p, Call& c) { return path_op(p, c, StorageReqKind::kRmdir, kAtFdcwd, c.ptr(0), 0); }
Outcome sys_mknod(Personality& p, Call& c) { return mknod_at(p, c, kAtFdcwd, c.ptr(0), c.u(1), c.u(2)); }
Outcome sys_mknodat(Personality& p, Call& c) { return mknod_at(p, c, c.i(0), c.ptr(1), c.u(2), c.u(3)); }

Outcome sys_chdir(Personality& p, Call& c) {
  StorageRequest& r = new_request(p, StorageReqKind::kChdir);
  auto put = put_path(p, r, kAtFdcwd, c.ptr(0));
  if (!put) return Outcome::error(put.error().value);
  return send_request(p, c, chdir_done);
}

Outcome sys_fchdir(Personality& p, Call& c) {
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  if (e->file->kind != FileKind::kDirectory) return Outcome::error(ENOTDIR);
  if (procfs_owns(*e->file)) return Outcome::error(EOPNOTSUPP);  // a working directory in /proc is not supported
  StorageRequest& r = new_request(p, StorageReqKind::kChdir);
  r.dir = e->file->ino;
  r.path[0] = '.';
  return send_request(p, c, chdir_done);
}

Outcome sys_getcwd(Personality& p, Call& c) {
  if (c.ul(1) == 0) return Outcome::error(c.ptr(0) ? EINVAL : ERANGE);
  c.st[0] = c.ptr(0);
  c.st[1] = c.ul(1);
  StorageRequest& r = new_request(p, StorageReqKind::kPathOf);
  r.ino = p.cwd_ino;
  return send_request(p, c, cwd_done);
}

Outcome sys_getdents64(Personality& p, Call& c) {
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  if (e->file->kind != FileKind::kDirectory) return Outcome::error(ENOTDIR);
  if (procfs_owns(*e->file)) return procfs_getdents(p, c, *e->file);
  uint64_t len = std::min<uint64_t>(c.ul(2), 1 << 20);
  if (!p.mem().translate(c.ptr(1), len, true)) return Outcome::error(EFAULT);
  return p.request(c, kStorageAddress, kStorageGetdents, p.guest_buf(c.ptr(1), len), getdents_done,
                   int64_t(e->file->ino), int64_t(e->file->offset));
}

Outcome sys_umask(Personality& p, Call& c) {
  uint32_t old = p.umask;
  p.umask = c.u(0) & 0777;
  return Outcome::done(old);
}

}  // namespace psx
