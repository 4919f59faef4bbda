// read, write, readv, writev, pread64, pwrite64, preadv, pwritev, lseek,
// llseek. Each transfer goes to the kernel process that owns the object
// (console, storage, device, pipe) with a reference to the guest's buffer: the
// owner reads or writes it in place. Vectored calls send one message per
// segment (a writev of at most PIPE_BUF bytes to a pipe is gathered into one,
// so it stays atomic); large store writes go in chunks so no LMDB transaction
// grows unbounded.
#include <fcntl.h>

#include <csignal>
#include <cstring>

#include "kernelprocs/console.h"
#include "kernelprocs/device.h"
#include "kernelprocs/pipe.h"
#include "syscalls/path_request.h"
#include "syscalls/pipe_file.h"
#include "syscalls/procfs.h"
#include "syscalls/signals.h"

namespace psx {
namespace {

constexpr uint64_t kMaxRw = 0x7ffff000;  // Linux's MAX_RW_COUNT
constexpr uint64_t kStoreChunk = 1 << 20;
constexpr uint64_t kUseFileOffset = UINT64_MAX;

// Call state: st[0] segment index, st[1] bytes done, st[2] bytes in flight,
// st[3] position (or kUseFileOffset), st[4] offset inside the segment,
// st[5] bit 0: vectored, bit 1: write.
bool is_write(const Call& c) { return c.st[5] & 2; }
bool is_vectored(const Call& c) { return c.st[5] & 1; }

SysResult<OpenFile*> file_for(Personality& p, int fd, bool write) {
  FdEntry* e = p.fd(fd);
  if (!e) return fail(EBADF);
  uint32_t acc = e->file->status_flags & O_ACCMODE;
  if (write ? acc == O_RDONLY : acc == O_WRONLY) return fail(EBADF);
  return e->file.get();
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

// A write to a pipe with no reader raises SIGPIPE (and fails EPIPE if that
// does not end the process).
Outcome write_failed(Personality& p, int64_t result) {
  if (result == -EPIPE) return raise_on_self(p, SIGPIPE, Outcome::done(result));
  return Outcome::done(result);
}

Outcome step(Personality& p, Call& c);

Outcome on_reply(Personality& p, Call& c, const Message& reply) {
  int64_t r = reply.arg[0];
  FdEntry* e = p.fd(c.i(0));
  if (r < 0) {
    if (!c.st[1]) return is_write(c) ? write_failed(p, r) : Outcome::done(r);
    // Bytes already went: they are the result (the pipe's reader leaving still raises SIGPIPE).
    if (r == -EPIPE && is_write(c)) return raise_on_self(p, SIGPIPE, Outcome::done(int64_t(c.st[1])));
    return Outcome::done(int64_t(c.st[1]));
  }
  if (e && e->file->kind == FileKind::kPipe && is_write(c) && reply.arg[1] == int64_t(kPipeWriterGone))
    return raise_on_self(p, SIGPIPE, Outcome::done(int64_t(c.st[1]) + r));
  if (e && e->file->kind == FileKind::kRegular) {
    if (c.st[3] != kUseFileOffset)
      c.st[3] += uint64_t(r);
    else
      e->file->offset = is_write(c) ? uint64_t(reply.arg[1]) : e->file->offset + uint64_t(r);
  }
  c.st[1] += uint64_t(r);
  c.st[4] += uint64_t(r);
  if (uint64_t(r) < c.st[2] || r == 0) return Outcome::done(int64_t(c.st[1]));  // short: stop, as Linux does
  return step(p, c);
}

// Sends the next piece of the transfer, or finishes.
Outcome step(Personality& p, Call& c) {
  bool write = is_write(c);
  auto f = file_for(p, c.i(0), write);
  if (!f) return Outcome::error(f.error().value);
  OpenFile& file = **f;
  uint64_t count = is_vectored(c) ? c.ul(2) : 1;
  while (c.st[0] < count) {
    uint64_t base, len;
    if (is_vectored(c)) {
      auto v = iov_at(p, c, c.st[0]);
      if (!v) return c.st[1] ? Outcome::done(int64_t(c.st[1])) : Outcome::error(EFAULT);
      base = v->first;
      len = v->second;
    } else {
      base = c.ptr(1);
      len = std::min(c.ul(2), kMaxRw);
    }
    if (c.st[1] + (len - std::min(len, c.st[4])) > kMaxRw) len = c.st[4] + (kMaxRw - c.st[1]);
    if (c.st[4] >= len) {
      c.st[0]++;
      c.st[4] = 0;
      if (c.st[1] >= kMaxRw) break;
      continue;
    }
    uint64_t n = len - c.st[4];
    uint64_t addr = base + c.st[4];
    if (file.kind == FileKind::kRegular) n = std::min(n, kStoreChunk);
    if (!p.mem().translate(addr, n, !write)) return c.st[1] ? Outcome::done(int64_t(c.st[1])) : Outcome::error(EFAULT);
    c.st[2] = n;
    BufRef buf = p.guest_buf(addr, n);
    if (procfs_owns(file))  // a /proc file: its text is made for each read
      return procfs_read(p, c, file, buf, c.st[3] == kUseFileOffset ? file.offset : c.st[3], on_reply);
    switch (file.kind) {
      case FileKind::kConsole:
        return p.request(c, file.owner, write ? kConsoleWrite : kConsoleRead, buf, on_reply, int64_t(file.object),
                         file.status_flags);
      case FileKind::kRegular: {
        uint64_t pos = c.st[3] == kUseFileOffset ? file.offset : c.st[3];
        int64_t who = write ? int64_t((uint64_t(p.uid) << 32) | (uint64_t(p.gid & 0x7fffffff) << 1) |
                                      ((file.status_flags & O_APPEND) ? 1 : 0))
                            : 0;
        return p.request(c, file.owner, write ? kStorageWrite : kStorageRead, buf, on_reply, int64_t(file.ino),
                         int64_t(pos), who);
      }
      case FileKind::kDevice:
        return p.request(c, file.owner, write ? kDeviceWrite : kDeviceRead, buf, on_reply, int64_t(file.object));
      case FileKind::kPipe: {
        // Once bytes arrived, a read of a pipe takes only what is there (readv).
        uint32_t flags = file.status_flags | (!write && c.st[1] ? O_NONBLOCK : 0);
        return p.request(c, file.owner, write ? kPipeWrite : kPipeRead, buf, on_reply, int64_t(file.object), flags,
                         pipe_description(file));
      }
      case FileKind::kDirectory:
        return Outcome::error(EISDIR);
      default:
        return Outcome::error(EINVAL);
    }
  }
  return Outcome::done(int64_t(c.st[1]));
}

Outcome gathered_reply(Personality& p, Call&, const Message& reply) {
  return reply.arg[0] < 0 ? write_failed(p, reply.arg[0]) : Outcome::done(reply.arg[0]);
}

// A writev of at most PIPE_BUF bytes to a pipe is one write, all or nothing,
// as on Linux: its segments are gathered in the thread's scratch buffer (a
// copy, counted) and sent as one.
Outcome gathered_write(Personality& p, Call& c, const OpenFile& f, uint64_t total) {
  uint8_t* out = p.scratch();
  for (uint64_t n = 0, at = 0; n < c.ul(2); n++) {
    auto v = iov_at(p, c, n);
    if (!v) return Outcome::error(EFAULT);
    if (!v->second) continue;
    auto h = p.mem().translate(v->first, v->second, false);
    if (!h) return Outcome::error(EFAULT);
    memcpy(out + at, *h, v->second);
    at += v->second;
  }
  p.kernel().copies().process_bytes += total;
  return p.request(c, f.owner, kPipeWrite, p.scratch_buf(uint32_t(total)), gathered_reply, int64_t(f.object),
                   f.status_flags, pipe_description(f));
}

// Starts a transfer. pos: kUseFileOffset, or an explicit offset (p* calls).
Outcome start(Personality& p, Call& c, bool write, bool vectored, uint64_t pos) {
  auto f = file_for(p, c.i(0), write);
  if (!f) return Outcome::error(f.error().value);
  if (pos != kUseFileOffset) {
    if (!(*f)->seekable()) return Outcome::error(ESPIPE);
    if (int64_t(pos) < 0) return Outcome::error(EINVAL);
  }
  if ((*f)->kind == FileKind::kDirectory) return Outcome::error(write ? EBADF : EISDIR);
  c.st[0] = c.st[1] = c.st[2] = c.st[4] = 0;
  c.st[3] = pos;
  c.st[5] = (vectored ? 1 : 0) | (write ? 2 : 0);
  if (vectored) {
    uint64_t count = c.ul(2);
    if (count > 1024) return Outcome::error(EINVAL);  // IOV_MAX
    // Linux checks the whole array, and every segment is there before a byte moves.
    uint64_t total = 0;
    for (uint64_t n = 0; n < count; n++) {
      auto v = iov_at(p, c, n);
      if (!v) return Outcome::error(EFAULT);
      if (int64_t(v->second) < 0 || (!c.wide() && v->second > 0x7fffffff)) return Outcome::error(EINVAL);
      total += v->second;
      if (total > 0x7fffffffffffffffull) return Outcome::error(EINVAL);
    }
    for (uint64_t n = 0; n < count; n++) {
      auto v = iov_at(p, c, n);
      if (v->second && !p.mem().translate(v->first, std::min(v->second, kMaxRw), !write))
        return Outcome::error(EFAULT);
    }
    if (write && (*f)->kind == FileKind::kPipe && count > 1 && total && total <= kPipeBuf)
      return gathered_write(p, c, **f, total);
  } else {
    if (int64_t(c.ul(2)) < 0 || (!c.wide() && c.ul(2) > 0x7fffffff)) return Outcome::error(EINVAL);
    if (c.ul(2) == 0) return Outcome::done(0);
  }
  return step(p, c);
}

// A 64-bit argument: one register on x86-64, a (low, high) pair on riscv32.
uint64_t arg64(const Call& c, int i) { return c.wide() ? c.a[i] : (c.a[i] & 0xffffffffu) | (c.a[i + 1] << 32); }

// lseek's continuation for SEEK_END/SEEK_DATA/SEEK_HOLE once the size is known.
// st[0] = offset asked, st[1] = whence, st[2] = riscv32 result pointer (0: none).
Outcome finish_seek(Personality& p, Call& c, int64_t size);
Outcome sized(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  return finish_seek(p, c, int64_t(current_request(p).stat.size));
}

Outcome seek_result(Personality& p, Call& c, int64_t pos) {
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  e->file->offset = uint64_t(pos);
  if (c.st[2]) {  // llseek: the result goes to memory
    auto h = p.mem().translate(c.st[2], 8, true);
    if (!h) return Outcome::error(EFAULT);
    memcpy(*h, &pos, 8);
    return Outcome::done(0);
  }
  return Outcome::done(pos);
}

Outcome finish_seek(Personality& p, Call& c, int64_t size) {
  int64_t off = int64_t(c.st[0]);
  switch (int(c.st[1])) {
    case SEEK_END:
      if (size + off < 0) return Outcome::error(EINVAL);
      return seek_result(p, c, size + off);
    case SEEK_DATA:  // the store keeps holes, but this answers as a filesystem without hole lookup does
      if (off < 0) return Outcome::error(EINVAL);
      if (off >= size) return Outcome::error(ENXIO);
      return seek_result(p, c, off);
    case SEEK_HOLE:
      if (off < 0) return Outcome::error(EINVAL);
      if (off >= size) return Outcome::error(ENXIO);
      return seek_result(p, c, size);
  }
  return Outcome::error(EINVAL);
}

Outcome seek(Personality& p, Call& c, int64_t off, int whence, uint64_t result_ptr) {
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  OpenFile& f = *e->file;
  c.st[0] = uint64_t(off);
  c.st[1] = uint64_t(whence);
  c.st[2] = result_ptr;
  if (!f.seekable()) return Outcome::error(ESPIPE);
  if (f.kind == FileKind::kDevice) return seek_result(p, c, 0);  // null, zero, random: always 0
  switch (whence) {
    case SEEK_SET:
      if (off < 0) return Outcome::error(EINVAL);
      return seek_result(p, c, off);
    case SEEK_CUR:
      if (int64_t(f.offset) + off < 0) return Outcome::error(EINVAL);
      return seek_result(p, c, int64_t(f.offset) + off);
    case SEEK_END:
    case SEEK_DATA:
    case SEEK_HOLE: {
      if (f.kind == FileKind::kDirectory || procfs_owns(f)) return Outcome::error(EINVAL);  // no size to go by
      StorageRequest& r = new_request(p, StorageReqKind::kFstat);
      r.ino = f.ino;
      return send_request(p, c, sized);
    }
  }
  return Outcome::error(EINVAL);
}

}  // namespace

Outcome sys_read(Personality& p, Call& c) { return start(p, c, false, false, kUseFileOffset); }
Outcome sys_write(Personality& p, Call& c) { return start(p, c, true, false, kUseFileOffset); }
Outcome sys_readv(Personality& p, Call& c) { return start(p, c, false, true, kUseFileOffset); }
Outcome sys_writev(Personality& p, Call& c) { return start(p, c, true, true, kUseFileOffset); }
Outcome sys_pread64(Personality& p, Call& c) { return start(p, c, false, false, arg64(c, 3)); }
Outcome sys_pwrite64(Personality& p, Call& c) { return start(p, c, true, false, arg64(c, 3)); }
Outcome sys_preadv(Personality& p, Call& c) { return start(p, c, false, true, arg64(c, 3)); }
Outcome sys_pwritev(Personality& p, Call& c) { return start(p, c, true, true, arg64(c, 3)); }

Outcome sys_lseek(Personality& p, Call& c) { return seek(p, c, c.l(1), c.i(2), 0); }

Outcome sys_llseek(Personality& p, Call& c) {
  // riscv32: llseek(fd, offset_high, offset_low, loff_t *result, whence)
  int64_t off = int64_t((c.a[1] << 32) | (c.a[2] & 0xffffffffu));
  if (!p.mem().translate(c.ptr(3), 8, true)) return Outcome::error(EFAULT);
  return seek(p, c, off, c.i(4), c.ptr(3));
}

}  // namespace psx
