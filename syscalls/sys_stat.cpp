// fstat and statx. The owner fills a neutral ObjectStat in the personality's
// scratch buffer; this file lays it out as the ABI's struct. Partial until the
// record store: statx works on descriptors (AT_EMPTY_PATH) only.
#include <fcntl.h>
#include <sys/sysmacros.h>

#include <cstring>

#include "kernelprocs/console.h"
#include "kernelprocs/object_stat.h"
#include "subsystem/personality.h"
#include "syscalls/abi_structs.h"

namespace psx {
namespace {

uint16_t stat_op(const OpenFile& f) { return f.owner == Console::kAddress ? kConsoleStat : 0; }

Outcome fstat_reply(Personality& p, Call& c, const Message& r) {
  if (r.arg[0] < 0) return Outcome::done(r.arg[0]);
  ObjectStat os;
  memcpy(&os, p.scratch(), sizeof os);
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
  auto h = p.mem().translate(c.ptr(1), sizeof st, true);
  if (!h) return Outcome::error(EFAULT);
  memcpy(*h, &st, sizeof st);
  return Outcome::done(0);
}

Outcome statx_reply(Personality& p, Call& c, const Message& r) {
  if (r.arg[0] < 0) return Outcome::done(r.arg[0]);
  ObjectStat os;
  memcpy(&os, p.scratch(), sizeof os);
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
  auto h = p.mem().translate(c.ptr(4), sizeof sx, true);
  if (!h) return Outcome::error(EFAULT);
  memcpy(*h, &sx, sizeof sx);
  return Outcome::done(0);
}

Outcome stat_fd(Personality& p, Call& c, int fd, uint64_t out, uint64_t out_len, Continuation k) {
  FdEntry* e = p.fd(fd);
  if (!e) return Outcome::error(EBADF);
  if (!p.mem().translate(out, out_len, true)) return Outcome::error(EFAULT);
  uint16_t op = stat_op(*e->file);
  if (!op) return Outcome::error(ENOSYS);
  return p.request(c, e->file->owner, op, p.scratch_buf(sizeof(ObjectStat)), k, int64_t(e->file->object));
}

}  // namespace

Outcome sys_fstat(Personality& p, Call& c) {
  return stat_fd(p, c, c.i(0), c.ptr(1), sizeof(abi::X86Stat), fstat_reply);
}

Outcome sys_statx(Personality& p, Call& c) {
  uint32_t flags = c.u(2);
  if (flags & ~uint32_t(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | 0x6000 /*AT_STATX_SYNC_TYPE*/))
    return Outcome::error(EINVAL);
  auto path = p.mem().read_string(c.ptr(1), 4096);
  if (!path) return Outcome::error(path.error().value);
  if (path->empty() && (flags & AT_EMPTY_PATH)) return stat_fd(p, c, c.i(0), c.ptr(4), sizeof(abi::Statx), statx_reply);
  if (path->empty()) return Outcome::error(ENOENT);
  return Outcome::error(ENOSYS);  // paths resolve in the record store (issue 3)
}

}  // namespace psx
