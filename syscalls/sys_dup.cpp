// dup, dup2, dup3, fcntl (descriptor and status flags), close_range. A
// duplicate shares the open file description (offset and status flags), as
// on Linux; the close-on-exec flag belongs to the descriptor. Record locks:
// sys_lock.cpp.
#include <fcntl.h>
#include <linux/close_range.h>

#include "subsystem/personality.h"
#include "syscalls/file_locks.h"
#include "syscalls/pipe_file.h"

namespace psx {
namespace {

// Status flags F_SETFL may change (Linux's SETFL_MASK).
constexpr uint32_t kSettable = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

Outcome dup_to(Personality& p, int old_fd, int new_fd, bool cloexec) {
  FdEntry* e = p.fd(old_fd);
  if (!e) return Outcome::error(EBADF);
  if (new_fd < 0 || uint64_t(new_fd) >= p.nofile_limit) return Outcome::error(EBADF);
  FdEntry copy{e->file, cloexec};
  p.set_fd(new_fd, std::move(copy));
  return Outcome::done(new_fd);
}

Outcome dup_lowest(Personality& p, int old_fd, int lowest, bool cloexec) {
  FdEntry* e = p.fd(old_fd);
  if (!e) return Outcome::error(EBADF);
  auto n = p.install_fd(FdEntry{e->file, cloexec}, lowest);
  return n ? Outcome::done(*n) : Outcome::error(n.error().value);
}

}  // namespace

Outcome sys_dup(Personality& p, Call& c) { return dup_lowest(p, c.i(0), 0, false); }

Outcome sys_dup2(Personality& p, Call& c) {
  if (c.i(0) == c.i(1)) return p.fd(c.i(0)) ? Outcome::done(c.i(1)) : Outcome::error(EBADF);
  return dup_to(p, c.i(0), c.i(1), false);
}

Outcome sys_dup3(Personality& p, Call& c) {
  uint32_t flags = c.u(2);
  if (flags & ~uint32_t(O_CLOEXEC)) return Outcome::error(EINVAL);
  if (c.i(0) == c.i(1)) return Outcome::error(EINVAL);
  return dup_to(p, c.i(0), c.i(1), flags & O_CLOEXEC);
}

Outcome sys_fcntl(Personality& p, Call& c) {
  int fd = c.i(0), cmd = c.i(1);
  FdEntry* e = p.fd(fd);
  if (!e) return Outcome::error(EBADF);
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      int64_t min = c.l(2);
      if (min < 0 || uint64_t(min) >= p.nofile_limit) return Outcome::error(EINVAL);
      return dup_lowest(p, fd, int(min), cmd == F_DUPFD_CLOEXEC);
    }
    case F_GETFD:
      return Outcome::done(e->cloexec ? FD_CLOEXEC : 0);
    case F_SETFD:
      e->cloexec = c.l(2) & FD_CLOEXEC;
      return Outcome::done(0);
    case F_GETFL:
      return Outcome::done(e->file->status_flags);
    case F_SETFL: {
      uint32_t want = uint32_t(c.l(2));
      e->file->status_flags = (e->file->status_flags & ~kSettable) | (want & kSettable);
      return Outcome::done(0);
    }
    case F_GETPIPE_SZ:
      return pipe_size(p, c, *e->file, -1);
    case F_SETPIPE_SZ:  // an unsigned int, as Linux takes it
      return pipe_size(p, c, *e->file, int64_t(uint32_t(c.l(2))));
    default:
      if (is_lock_cmd(c, cmd)) return fcntl_lock(p, c, cmd);  // sys_lock.cpp
      return Outcome::error(EINVAL);
  }
}

Outcome sys_close_range(Personality& p, Call& c) {
  uint32_t first = c.u(0), last = c.u(1), flags = c.u(2);
  if (flags & ~uint32_t(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) return Outcome::error(EINVAL);
  if (first > last) return Outcome::error(EINVAL);
  for (uint64_t n = first; n <= last && n < p.fds.size(); n++) {
    if (!p.fds[n].file) continue;
    if (flags & CLOSE_RANGE_CLOEXEC)
      p.fds[n].cloexec = true;
    else
      p.close_fd(int(n));
  }
  return Outcome::done(0);
}

}  // namespace psx
