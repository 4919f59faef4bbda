// fstat, stat, lstat, newfstatat, statx, access, faccessat, faccessat2,
// readlink, readlinkat, statfs, fstatfs (statfs64/fstatfs64 on riscv32).
// The owner fills a neutral stat (storage: vfs::Stat in the request; the
// console and the pipe process, for an anonymous pipe: an ObjectStat in the
// scratch buffer); this file lays it out as the ABI's struct.
#include <fcntl.h>
#include <sys/sysmacros.h>

#include <cstring>

#include "kernelprocs/console.h"
#include "kernelprocs/object_stat.h"
#include "kernelprocs/pipe.h"
#include "syscalls/abi_structs.h"
#include "syscalls/path_request.h"
#include "syscalls/procfs.h"

namespace psx {
namespace {

// The device number files of the store report (an anonymous-style device).
const uint64_t kStoreDev = makedev(0, 0x2a);

ObjectStat from_vfs(const vfs::Stat& v) {
  ObjectStat os{};
  os.dev = kStoreDev;
  os.ino = v.ino;
  os.rdev = v.rdev;
  os.size = v.size;
  os.blocks = v.blocks;
  os.mode = v.mode;
  os.nlink = v.nlink;
  os.uid = v.uid;
  os.gid = v.gid;
  os.blksize = v.blksize;
  os.atime_sec = v.atime_ns / 1'000'000'000;
  os.atime_nsec = uint32_t(v.atime_ns % 1'000'000'000);
  os.mtime_sec = v.mtime_ns / 1'000'000'000;
  os.mtime_nsec = uint32_t(v.mtime_ns % 1'000'000'000);
  os.ctime_sec = v.ctime_ns / 1'000'000'000;
  os.ctime_nsec = uint32_t(v.ctime_ns % 1'000'000'000);
  return os;
}

SysResult<void> put_x86_stat(Personality& p, uint64_t addr, const ObjectStat& os) {
  abi::X86Stat st{};
  st.st_dev = os.dev;
  st.st_ino = os.ino;
  st.st_nlink = os.nlink;
  st.st_mode = os.mode;
  st.st_uid = os.uid;
  st.st_gid = os.gid;
  st.st_rdev = os.rdev;
  st.st_size = int64_t(os.size);
  st.st_blksize = os.blksize;
  st.st_blocks = int64_t(os.blocks);
  st.st_atime_sec = uint64_t(os.atime_sec);
  st.st_atime_nsec = os.atime_nsec;
  st.st_mtime_sec = uint64_t(os.mtime_sec);
  st.st_mtime_nsec = os.mtime_nsec;
  st.st_ctime_sec = uint64_t(os.ctime_sec);
  st.st_ctime_nsec = os.ctime_nsec;
  auto h = p.mem().translate(addr, sizeof st, true);
  if (!h) return fail(EFAULT);
  memcpy(*h, &st, sizeof st);
  return {};
}

SysResult<void> put_statx(Personality& p, uint64_t addr, const ObjectStat& os) {
  abi::Statx sx{};
  sx.stx_mask = 0x7ff;  // STATX_BASIC_STATS
  sx.stx_blksize = os.blksize;
  sx.stx_nlink = os.nlink;
  sx.stx_uid = os.uid;
  sx.stx_gid = os.gid;
  sx.stx_mode = uint16_t(os.mode);
  sx.stx_ino = os.ino;
  sx.stx_size = os.size;
  sx.stx_blocks = os.blocks;
  sx.stx_atime = {os.atime_sec, os.atime_nsec, 0};
  sx.stx_mtime = {os.mtime_sec, os.mtime_nsec, 0};
  sx.stx_ctime = {os.ctime_sec, os.ctime_nsec, 0};
  sx.stx_rdev_major = major(os.rdev);
  sx.stx_rdev_minor = minor(os.rdev);
  sx.stx_dev_major = major(os.dev);
  sx.stx_dev_minor = minor(os.dev);
  auto h = p.mem().translate(addr, sizeof sx, true);
  if (!h) return fail(EFAULT);
  memcpy(*h, &sx, sizeof sx);
  return {};
}

// st[0] = where the guest wants it, st[1] = 1 for statx layout.
Outcome deliver(Personality& p, Call& c, const ObjectStat& os) {
  auto r = c.st[1] ? put_statx(p, c.st[0], os) : put_x86_stat(p, c.st[0], os);
  return r ? Outcome::done(0) : Outcome::error(r.error().value);
}

Outcome object_stat_reply(Personality& p, Call& c, const Message& r) {
  if (r.arg[0] < 0) return Outcome::done(r.arg[0]);
  ObjectStat os;
  memcpy(&os, p.scratch(), sizeof os);
  return deliver(p, c, os);
}

Outcome store_stat_reply(Personality& p, Call& c, const Message& r) {
  if (r.arg[0] < 0) return Outcome::done(r.arg[0]);
  return deliver(p, c, from_vfs(current_request(p).stat));
}

Outcome stat_fd(Personality& p, Call& c, int fd) {
  FdEntry* e = p.fd(fd);
  if (!e) return Outcome::error(EBADF);
  if (procfs_owns(*e->file)) return procfs_fstat(p, c, *e->file, object_stat_reply);
  if (e->file->kind == FileKind::kConsole)
    return p.request(c, e->file->owner, kConsoleStat, p.scratch_buf(sizeof(ObjectStat)), object_stat_reply,
                     int64_t(e->file->object));
  if (e->file->kind == FileKind::kPipe && !e->file->ino)  // a FIFO is the store's inode
    return p.request(c, e->file->owner, kPipeStat, p.scratch_buf(sizeof(ObjectStat)), object_stat_reply,
                     int64_t(e->file->object));
  StorageRequest& r = new_request(p, StorageReqKind::kFstat);
  r.ino = e->file->ino;
  return send_request(p, c, store_stat_reply);
}

// stat of dirfd + path; AT_EMPTY_PATH with "" means the descriptor itself.
Outcome stat_at(Personality& p, Call& c, int dirfd, uint64_t path, uint32_t flags, uint64_t out, bool statx) {
  c.st[0] = out;
  c.st[1] = statx ? 1 : 0;
  if (!p.mem().translate(out, statx ? sizeof(abi::Statx) : sizeof(abi::X86Stat), true)) return Outcome::error(EFAULT);
  StorageRequest& r = new_request(p, StorageReqKind::kStat);
  auto n = copy_path(p, path, r.path, flags & AT_EMPTY_PATH);
  if (!n) return Outcome::error(n.error().value);
  if (*n == 0) {
    if (dirfd == kAtFdcwd) {
      r.kind = StorageReqKind::kFstat;
      r.ino = p.cwd_ino;
      return send_request(p, c, store_stat_reply);
    }
    return stat_fd(p, c, dirfd);
  }
  if (r.path[0] != '/') {
    auto d = start_dir(p, dirfd);
    if (!d) return Outcome::error(d.error().value);
    r.dir = *d;
  }
  if (auto o = procfs_stat(p, c, r, dirfd, !(flags & AT_SYMLINK_NOFOLLOW), stat_fd, object_stat_reply)) return *o;
  r.follow = !(flags & AT_SYMLINK_NOFOLLOW);
  return send_request(p, c, store_stat_reply);
}

Outcome access_at(Personality& p, Call& c, int dirfd, uint64_t path, int mode, uint32_t flags) {
  if (mode & ~(R_OK | W_OK | X_OK)) return Outcome::error(EINVAL);
  if (flags & ~uint32_t(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return Outcome::error(EINVAL);
  StorageRequest& r = new_request(p, StorageReqKind::kAccess);
  auto n = copy_path(p, path, r.path, flags & AT_EMPTY_PATH);
  if (!n) return Outcome::error(n.error().value);
  if (*n == 0) {
    r.path[0] = '.';
    r.path[1] = 0;
  }
  if (r.path[0] != '/') {
    auto d = start_dir(p, dirfd);
    if (!d) return Outcome::error(d.error().value);
    r.dir = *d;
  }
  if (auto o = procfs_access(p, c, r, dirfd, mode, !(flags & AT_SYMLINK_NOFOLLOW))) return *o;
  r.mode = uint32_t(mode);
  r.follow = !(flags & AT_SYMLINK_NOFOLLOW);
  return send_request(p, c);
}

Outcome readlink_at(Personality& p, Call& c, int dirfd, uint64_t path, uint64_t buf, int64_t size) {
  if (size <= 0) return Outcome::error(EINVAL);
  StorageRequest& r = new_request(p, StorageReqKind::kReadlink);
  auto put = put_path(p, r, dirfd, path);
  if (!put) return Outcome::error(put.error().value);
  uint64_t len = std::min<uint64_t>(uint64_t(size), vfs::kPathMax);
  if (!p.mem().translate(buf, len, true)) return Outcome::error(EFAULT);
  r.out = p.guest_buf(buf, len);
  r.follow = false;
  if (auto o = procfs_readlink(p, c, r, dirfd)) return *o;
  return send_request(p, c);
}

// struct statfs (x86-64) / struct statfs64 (riscv32), from vfs::StatFs.
Outcome statfs_reply(Personality& p, Call& c, const Message& r) {
  if (r.arg[0] < 0) return Outcome::done(r.arg[0]);
  const vfs::StatFs& s = current_request(p).statfs;
  uint8_t out[120] = {};
  size_t len;
  if (c.wide()) {
    uint64_t w[15] = {s.type, s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree,
                      s.fsid, s.namelen, s.frsize, /*f_flags*/ 0, 0, 0, 0, 0};
    memcpy(out, w, sizeof w);
    len = 120;
  } else {
    uint32_t head[2] = {uint32_t(s.type), uint32_t(s.bsize)};
    uint64_t mid[6] = {s.blocks, s.bfree, s.bavail, s.files, s.ffree, s.fsid};
    uint32_t tail[3] = {uint32_t(s.namelen), uint32_t(s.frsize), 0};
    memcpy(out, head, 8);
    memcpy(out + 8, mid, 48);
    memcpy(out + 56, tail, 12);
    len = 88;
  }
  auto h = p.mem().translate(c.st[0], len, true);
  if (!h) return Outcome::error(EFAULT);
  memcpy(*h, out, len);
  return Outcome::done(0);
}

Outcome statfs_common(Personality& p, Call& c, uint64_t out) {
  c.st[0] = out;
  if (!p.mem().translate(out, c.wide() ? 120 : 88, true)) return Outcome::error(EFAULT);
  current_request(p).kind = StorageReqKind::kStatfs;
  return send_request(p, c, statfs_reply);
}

}  // namespace

Outcome sys_fstat(Personality& p, Call& c) {
  c.st[0] = c.ptr(1);
  c.st[1] = 0;
  if (!p.fd(c.i(0))) return Outcome::error(EBADF);
  if (!p.mem().translate(c.ptr(1), sizeof(abi::X86Stat), true)) return Outcome::error(EFAULT);
  return stat_fd(p, c, c.i(0));
}
Outcome sys_stat(Personality& p, Call& c) { return stat_at(p, c, kAtFdcwd, c.ptr(0), 0, c.ptr(1), false); }
Outcome sys_lstat(Personality& p, Call& c) {
  return stat_at(p, c, kAtFdcwd, c.ptr(0), AT_SYMLINK_NOFOLLOW, c.ptr(1), false);
}
Outcome sys_newfstatat(Personality& p, Call& c) {
  uint32_t flags = c.u(3);
  if (flags & ~uint32_t(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) return Outcome::error(EINVAL);
  return stat_at(p, c, c.i(0), c.ptr(1), flags, c.ptr(2), false);
}
Outcome sys_statx(Personality& p, Call& c) {
  uint32_t flags = c.u(2);
  if (flags & ~uint32_t(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | 0x6000 /*AT_STATX_SYNC_TYPE*/))
    return Outcome::error(EINVAL);
  if ((flags & 0x6000) == 0x6000) return Outcome::error(EINVAL);
  return stat_at(p, c, c.i(0), c.ptr(1), flags, c.ptr(4), true);
}

Outcome sys_access(Personality& p, Call& c) { return access_at(p, c, kAtFdcwd, c.ptr(0), c.i(1), 0); }
Outcome sys_faccessat(Personality& p, Call& c) { return access_at(p, c, c.i(0), c.ptr(1), c.i(2), 0); }
Outcome sys_faccessat2(Personality& p, Call& c) { return access_at(p, c, c.i(0), c.ptr(1), c.i(2), c.u(3)); }

Outcome sys_readlink(Personality& p, Call& c) { return readlink_at(p, c, kAtFdcwd, c.ptr(0), c.ptr(1), c.l(2)); }
Outcome sys_readlinkat(Personality& p, Call& c) { return readlink_at(p, c, c.i(0), c.ptr(1), c.ptr(2), c.l(3)); }

Outcome sys_statfs(Personality& p, Call& c) {
  // statfs(path, buf) on x86-64; statfs64(path, size, buf) on riscv32.
  uint64_t out = c.wide() ? c.ptr(1) : c.ptr(2);
  if (!c.wide() && c.ul(1) != 88) return Outcome::error(EINVAL);
  StorageRequest& r = new_request(p, StorageReqKind::kStat);
  auto n = copy_path(p, c.ptr(0), r.path);
  if (!n) return Outcome::error(n.error().value);
  // The path must exist; every path is in the one store.
  c.st[0] = out;
  if (!p.mem().translate(out, c.wide() ? 120 : 88, true)) return Outcome::error(EFAULT);
  return send_request(p, c, [](Personality& p, Call& c, const Message& r) -> Outcome {
    if (r.arg[0] < 0) return Outcome::done(r.arg[0]);
    return statfs_common(p, c, c.st[0]);
  });
}

Outcome sys_fstatfs(Personality& p, Call& c) {
  uint64_t out = c.wide() ? c.ptr(1) : c.ptr(2);
  if (!c.wide() && c.ul(1) != 88) return Outcome::error(EINVAL);
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  if (e->file->kind == FileKind::kConsole) return Outcome::error(ENOSYS);  // not a store object
  new_request(p, StorageReqKind::kStatfs);
  return statfs_common(p, c, out);
}

}  // namespace psx
