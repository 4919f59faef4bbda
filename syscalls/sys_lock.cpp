// Advisory locks: fcntl F_GETLK/F_SETLK/F_SETLKW, F_OFD_GETLK/F_OFD_SETLK/
// F_OFD_SETLKW (riscv32 also F_GETLK64… and the 32-bit struct flock), and
// flock. The personality checks the arguments as Linux does and resolves the
// range; the locks themselves live in the storage kernel process
// (kernelprocs/lock_table.h), shared by every guest of this kernel host.
// Partial: EDEADLK is not detected (a signal interrupts a waiting lock
// through kOpCancel); console objects (the
// host's stdin/stdout/stderr) take locks that are granted but not recorded.
#include <fcntl.h>
#include <sys/file.h>

#include <cstring>
#include <new>

#include "kernelprocs/lock_table.h"
#include "syscalls/file_locks.h"
#include "syscalls/path_request.h"

namespace psx {
namespace {

// riscv32's fcntl64 commands with a 64-bit struct flock (asm-generic, 32-bit).
constexpr int kGetlk64 = 12, kSetlk64 = 13, kSetlkw64 = 14;

// struct flock as the guest lays it out: 64-bit offsets (x86-64; riscv32's
// flock64) or 32-bit ones (riscv32's F_GETLK = 5…).
struct GuestFlock {
  int16_t type = 0, whence = 0;
  int64_t start = 0, len = 0;
  int32_t pid = 0;
};
struct Flock64 {
  int16_t l_type, l_whence;
  int32_t pad;
  int64_t l_start, l_len;
  int32_t l_pid, pad2;
};
static_assert(sizeof(Flock64) == 32 && sizeof(Flock64) == sizeof(struct flock));
static_assert(offsetof(Flock64, l_start) == offsetof(struct flock, l_start));
static_assert(offsetof(Flock64, l_pid) == offsetof(struct flock, l_pid));
struct Flock32 {
  int16_t l_type, l_whence;
  int32_t l_start, l_len, l_pid;
};
static_assert(sizeof(Flock32) == 16);

// Call scratch while a lock is in progress: st[0] = kind (below), st[1] = the
// struct's address, st[2] = 1 for the 32-bit layout.
enum Kind : uint64_t { kGet, kSet, kSetWait };

bool narrow(const Call& c, int cmd) { return !c.wide() && (cmd == F_GETLK || cmd == F_SETLK || cmd == F_SETLKW); }

SysResult<GuestFlock> read_flock(Personality& p, uint64_t addr, bool small) {
  GuestFlock g;
  if (small) {
    auto h = p.mem().translate(addr, sizeof(Flock32), false);
    if (!h) return fail(EFAULT);
    Flock32 f;
    memcpy(&f, *h, sizeof f);
    g = {f.l_type, f.l_whence, f.l_start, f.l_len, f.l_pid};
  } else {
    auto h = p.mem().translate(addr, sizeof(Flock64), false);
    if (!h) return fail(EFAULT);
    Flock64 f;
    memcpy(&f, *h, sizeof f);
    g = {f.l_type, f.l_whence, f.l_start, f.l_len, f.l_pid};
  }
  return g;
}

// F_GETLK's answer: only the fields Linux writes.
Outcome write_getlk(Personality& p, Call& c, const LockRequest& r) {
  bool small = c.st[2];
  auto h = p.mem().translate(c.st[1], small ? sizeof(Flock32) : sizeof(Flock64), true);
  if (!h) return Outcome::error(EFAULT);
  if (r.out_type == F_UNLCK) {
    int16_t t = F_UNLCK;
    memcpy(*h, &t, 2);  // l_type only
    return Outcome::done(0);
  }
  int64_t len = r.out_end == LockTable::kOffsetMax ? 0 : r.out_end - r.out_start + 1;
  if (small) {
    if (r.out_start > INT32_MAX || len > INT32_MAX) return Outcome::error(EOVERFLOW);
    Flock32 f{r.out_type, SEEK_SET, int32_t(r.out_start), int32_t(len), r.out_pid};
    memcpy(*h, &f, sizeof f);
  } else {
    Flock64 f{};
    memcpy(&f, *h, sizeof f);
    f.l_type = r.out_type;
    f.l_whence = SEEK_SET;
    f.l_start = r.out_start;
    f.l_len = len;
    f.l_pid = r.out_pid;
    memcpy(*h, &f, sizeof f);
  }
  return Outcome::done(0);
}

Outcome lock_replied(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0 || c.st[0] != kGet) return Outcome::done(reply.arg[0]);
  return write_getlk(p, c, *reinterpret_cast<LockRequest*>(p.scratch()));
}

// The rest of fcntl's checks, in Linux's order, once the base of the range
// (0, the offset, or the file's size) is known; then the storage process.
Outcome lock_at(Personality& p, Call& c, int64_t base) {
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  int cmd = c.i(1);
  bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
  auto g = read_flock(p, c.st[1], c.st[2]);
  if (!g) return Outcome::error(g.error().value);
  if (g->start > LockTable::kOffsetMax - base) return Outcome::error(EOVERFLOW);
  int64_t start = base + g->start, end;
  if (start < 0) return Outcome::error(EINVAL);
  if (g->len > 0) {
    if (g->len - 1 > LockTable::kOffsetMax - start) return Outcome::error(EOVERFLOW);
    end = start + (g->len - 1);
  } else if (g->len < 0) {
    if (start + g->len < 0) return Outcome::error(EINVAL);
    end = start - 1;
    start += g->len;
  } else {
    end = LockTable::kOffsetMax;
  }
  if (g->type != F_RDLCK && g->type != F_WRLCK && g->type != F_UNLCK) return Outcome::error(EINVAL);
  uint32_t acc = e->file->status_flags & O_ACCMODE;
  if (c.st[0] != kGet) {
    if (g->type == F_RDLCK && acc == O_WRONLY) return Outcome::error(EBADF);
    if (g->type == F_WRLCK && acc == O_RDONLY) return Outcome::error(EBADF);
  }
  if (ofd && g->pid != 0) return Outcome::error(EINVAL);
  OpenFile& f = *e->file;
  if (!f.ino) {  // a console object: granted, not recorded
    if (c.st[0] != kGet) return Outcome::done(0);
    LockRequest none;
    none.out_type = F_UNLCK;
    return write_getlk(p, c, none);
  }
  auto* r = new (p.scratch()) LockRequest{};
  r->cmd = c.st[0] == kGet ? LockRequest::kGet : c.st[0] == kSet ? LockRequest::kSet : LockRequest::kSetWait;
  r->type = g->type;
  r->ofd = ofd;
  r->pid = p.pid;
  r->ino = f.ino;
  r->file = uint64_t(reinterpret_cast<uintptr_t>(&f));
  r->start = start;
  r->end = end;
  if (c.st[0] != kGet) p.uses_locks = true;
  return p.request(c, kStorageAddress, kStorageLock, p.scratch_buf(sizeof(LockRequest)), lock_replied);
}

Outcome sized(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  return lock_at(p, c, int64_t(current_request(p).stat.size));
}

}  // namespace

bool is_lock_cmd(const Call& c, int cmd) {
  switch (cmd) {
    case F_GETLK: case F_SETLK: case F_SETLKW: case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
      return true;
    case kGetlk64: case kSetlk64: case kSetlkw64:
      return !c.wide();
  }
  return false;
}

Outcome fcntl_lock(Personality& p, Call& c, int cmd) {
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  bool small = narrow(c, cmd);
  switch (cmd) {
    case F_GETLK: case kGetlk64: case F_OFD_GETLK: c.st[0] = kGet; break;
    case F_SETLK: case kSetlk64: case F_OFD_SETLK: c.st[0] = kSet; break;
    default: c.st[0] = kSetWait; break;
  }
  c.st[1] = c.ptr(2);
  c.st[2] = small;
  auto g = read_flock(p, c.st[1], small);
  if (!g) return Outcome::error(EFAULT);
  // F_GETLK asks about a lock: F_UNLCK (or nonsense) is no question.
  if (c.st[0] == kGet && g->type != F_RDLCK && g->type != F_WRLCK) return Outcome::error(EINVAL);
  OpenFile& f = *e->file;
  switch (g->whence) {
    case SEEK_SET: return lock_at(p, c, 0);
    case SEEK_CUR: return lock_at(p, c, int64_t(f.offset));
    case SEEK_END: {
      if (f.kind != FileKind::kRegular || !f.ino) return lock_at(p, c, 0);
      StorageRequest& r = new_request(p, StorageReqKind::kFstat);
      r.ino = f.ino;
      return send_request(p, c, sized);
    }
  }
  return Outcome::error(EINVAL);
}

Outcome sys_flock(Personality& p, Call& c) {
  constexpr uint32_t kLockMand = 32;
  uint32_t op = c.u(1);
  if (op & kLockMand) return Outcome::done(0);  // ignored since Linux 5.19, as there
  int16_t type;
  switch (op & ~uint32_t(LOCK_NB)) {
    case LOCK_SH: type = F_RDLCK; break;
    case LOCK_EX: type = F_WRLCK; break;
    case LOCK_UN: type = F_UNLCK; break;
    default: return Outcome::error(EINVAL);
  }
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  OpenFile& f = *e->file;
  if (!f.ino) return Outcome::done(0);  // a console object: granted, not recorded
  auto* r = new (p.scratch()) LockRequest{};
  r->cmd = op & LOCK_NB || type == F_UNLCK ? LockRequest::kFlock : LockRequest::kFlockWait;
  r->type = type;
  r->ofd = 1;
  r->pid = p.pid;
  r->ino = f.ino;
  r->file = uint64_t(reinterpret_cast<uintptr_t>(&f));
  p.uses_locks = true;
  c.st[0] = kSet;
  return p.request(c, kStorageAddress, kStorageLock, p.scratch_buf(sizeof(LockRequest)), lock_replied);
}

}  // namespace psx
