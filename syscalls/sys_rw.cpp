// read, write, readv, writev: forwarded to the kernel process that owns the
// descriptor's object, with a reference to the guest's buffer (zero-copy).
// Vectored calls walk the iovec array one element per message.
#include <fcntl.h>

#include <csignal>
#include <cstring>

#include "kernelprocs/console.h"
#include "subsystem/personality.h"
#include "syscalls/signals.h"

namespace psx {
namespace {

// The owner's read/write operation for a descriptor.
uint16_t rw_op(const OpenFile& f, bool write) {
  if (f.owner == Console::kAddress) return write ? kConsoleWrite : kConsoleRead;
  return 0;
}

SysResult<OpenFile*> file_for(Personality& p, int fd, bool write) {
  FdEntry* e = p.fd(fd);
  if (!e) return fail(EBADF);
  uint32_t acc = e->file->status_flags & O_ACCMODE;
  if (write ? acc == O_RDONLY : acc == O_WRONLY) return fail(EBADF);
  return e->file.get();
}

// A write to a pipe with no reader raises SIGPIPE (and fails EPIPE if that
// does not end the process).
Outcome after_write(Personality& p, int64_t result) {
  if (result == -EPIPE) return raise_on_self(p, SIGPIPE, Outcome::done(result));
  return Outcome::done(result);
}

Outcome finish_rw(Personality& p, Call& c, const Message& reply) {
  return c.op == Op::write ? after_write(p, reply.arg[0]) : Outcome::done(reply.arg[0]);
}

Outcome rw(Personality& p, Call& c, bool write) {
  auto f = file_for(p, c.i(0), write);
  if (!f) return Outcome::error(f.error().value);
  uint64_t len = c.ul(2);
  if (int64_t(len) < 0) return Outcome::error(EINVAL);
  if (len > 0x7ffff000) len = 0x7ffff000;  // Linux's MAX_RW_COUNT
  if (len == 0) return Outcome::done(0);
  if (!p.mem().translate(c.ptr(1), len, !write)) return Outcome::error(EFAULT);
  uint16_t op = rw_op(**f, write);
  if (!op) return Outcome::error(EINVAL);
  return p.request(c, (*f)->owner, op, p.guest_buf(c.ptr(1), len), finish_rw, int64_t((*f)->object));
}

// iovec element n of the guest's array: {base, len}, pointer-sized fields.
SysResult<std::pair<uint64_t, uint64_t>> iov_at(Personality& p, const Call& c, uint64_t n) {
  uint64_t w = c.wide() ? 8 : 4;
  auto host = p.mem().translate(c.ptr(1) + n * 2 * w, 2 * w, false);
  if (!host) return fail(EFAULT);
  uint64_t base = 0, len = 0;
  memcpy(&base, *host, w);
  memcpy(&len, *host + w, w);
  return std::pair{base, len};
}

Outcome vec_step(Personality& p, Call& c, bool write);

Outcome vec_reply(Personality& p, Call& c, const Message& reply, bool write) {
  int64_t r = reply.arg[0];
  if (r < 0) return c.st[1] ? Outcome::done(int64_t(c.st[1])) : write ? after_write(p, r) : Outcome::done(r);
  c.st[1] += uint64_t(r);
  if (uint64_t(r) < c.st[2]) return Outcome::done(int64_t(c.st[1]));  // short: stop here, as Linux does
  c.st[0]++;
  return vec_step(p, c, write);
}
Outcome vec_reply_w(Personality& p, Call& c, const Message& m) { return vec_reply(p, c, m, true); }
Outcome vec_reply_r(Personality& p, Call& c, const Message& m) { return vec_reply(p, c, m, false); }

// st[0] = next iovec index, st[1] = bytes done, st[2] = length of the one in flight.
Outcome vec_step(Personality& p, Call& c, bool write) {
  auto f = file_for(p, c.i(0), write);
  if (!f) return Outcome::error(f.error().value);
  uint64_t count = c.ul(2);
  while (c.st[0] < count) {
    auto v = iov_at(p, c, c.st[0]);
    if (!v) return c.st[1] ? Outcome::done(int64_t(c.st[1])) : Outcome::error(EFAULT);
    auto [base, len] = *v;
    if (len == 0) {
      c.st[0]++;
      continue;
    }
    if (!p.mem().translate(base, len, !write))
      return c.st[1] ? Outcome::done(int64_t(c.st[1])) : Outcome::error(EFAULT);
    c.st[2] = len;
    return p.request(c, (*f)->owner, rw_op(**f, write), p.guest_buf(base, len),
                     write ? vec_reply_w : vec_reply_r, int64_t((*f)->object));
  }
  return Outcome::done(int64_t(c.st[1]));
}

Outcome vec(Personality& p, Call& c, bool write) {
  auto f = file_for(p, c.i(0), write);
  if (!f) return Outcome::error(f.error().value);
  uint64_t count = c.ul(2);
  if (count > 1024) return Outcome::error(EINVAL);  // IOV_MAX
  // Linux checks the whole array and the total length before doing anything.
  uint64_t total = 0;
  for (uint64_t n = 0; n < count; n++) {
    auto v = iov_at(p, c, n);
    if (!v) return Outcome::error(EFAULT);
    if (int64_t(v->second) < 0 || (!c.wide() && v->second > 0x7fffffff)) return Outcome::error(EINVAL);
    total += v->second;
    if (total > 0x7fffffffffffffffull) return Outcome::error(EINVAL);
  }
  // A segment that is not there fails the whole call before any byte moves,
  // as Linux's pipe and terminal paths do.
  for (uint64_t n = 0; n < count; n++) {
    auto v = iov_at(p, c, n);
    if (v->second && !p.mem().translate(v->first, v->second, !write)) return Outcome::error(EFAULT);
  }
  if (!rw_op(**f, write)) return Outcome::error(EINVAL);
  c.st[0] = c.st[1] = 0;
  return vec_step(p, c, write);
}

}  // namespace

Outcome sys_read(Personality& p, Call& c) { return rw(p, c, false); }
Outcome sys_write(Personality& p, Call& c) { return rw(p, c, true); }
Outcome sys_readv(Personality& p, Call& c) { return vec(p, c, false); }
Outcome sys_writev(Personality& p, Call& c) { return vec(p, c, true); }

}  // namespace psx
