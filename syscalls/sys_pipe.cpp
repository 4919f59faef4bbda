// pipe, pipe2: a pipe in the pipe kernel process and two open file
// descriptions of it, the read end and the write end; and the pipe sides of
// open (FIFOs), ioctl (FIONREAD) and fcntl (F_GETPIPE_SZ, F_SETPIPE_SZ).
// Reads, writes and readiness: sys_rw.cpp, sys_poll.cpp. Partial: O_DIRECT
// is kept on the write end (F_GETFL shows it) but writes are not packets;
// O_NOTIFICATION_PIPE answers EINVAL.
#include <fcntl.h>

#include <cstring>

#include "kernelprocs/pipe.h"
#include "syscalls/path_request.h"
#include "syscalls/pipe_file.h"

namespace psx {
namespace {

constexpr uint32_t kPipe2Flags = O_CLOEXEC | O_NONBLOCK | O_DIRECT;

std::shared_ptr<OpenFile> pipe_end(uint64_t id, uint32_t status_flags) {
  auto f = std::make_shared<OpenFile>();
  f->owner = PipeProcess::kAddress;
  f->object = id;
  f->kind = FileKind::kPipe;
  f->status_flags = status_flags;
  return f;
}

// st[0] = pipe2's flags.
Outcome created(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  uint32_t flags = uint32_t(c.st[0]);
  bool cloexec = flags & O_CLOEXEC;
  // As Linux: the read end keeps only O_NONBLOCK, the write end O_DIRECT too.
  auto rd = pipe_end(uint64_t(reply.arg[0]), O_RDONLY | (flags & O_NONBLOCK));
  auto wr = pipe_end(uint64_t(reply.arg[0]), O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT)));
  auto r = p.install_fd(FdEntry{rd, cloexec});
  if (!r) {
    release_pipe_end(p, *rd);
    release_pipe_end(p, *wr);
    return Outcome::error(r.error().value);
  }
  auto w = p.install_fd(FdEntry{wr, cloexec});
  if (!w) {
    p.close_fd(*r);
    release_pipe_end(p, *wr);
    return Outcome::error(w.error().value);
  }
  // The descriptors exist before the array is written; a bad array closes them.
  int32_t fds[2] = {*r, *w};
  auto h = p.mem().translate(c.ptr(0), sizeof fds, true);
  if (!h) {
    p.close_fd(*r);
    p.close_fd(*w);
    return Outcome::error(EFAULT);
  }
  memcpy(*h, fds, sizeof fds);
  return Outcome::done(0);
}

Outcome make_pipe(Personality& p, Call& c, uint32_t flags) {
  if (flags & ~kPipe2Flags) return Outcome::error(EINVAL);
  // Two free descriptors, or nothing is created.
  int free_fds = 0;
  for (size_t n = 0; n < p.nofile_limit && free_fds < 2; n++)
    if (n >= p.fds.size() || !p.fds[n].file) free_fds++;
  if (free_fds < 2) return Outcome::error(EMFILE);
  c.st[0] = flags;
  return p.request(c, PipeProcess::kAddress, kPipeCreate, BufRef{}, created,
                   int64_t((uint64_t(p.uid) << 32) | p.gid));
}

// st[0] = open flags, st[1] = ino, st[2] = status flags, st[3] = cloexec.
Outcome fifo_opened(Personality& p, Call& c, const Message& reply) {
  uint64_t ino = c.st[1];
  if (reply.arg[0] < 0) {
    release_inode(p, ino);
    return Outcome::done(reply.arg[0]);
  }
  auto f = pipe_end(uint64_t(reply.arg[0]), uint32_t(c.st[2]));
  f->ino = ino;
  f->offset = uint64_t(uint32_t(reply.arg[1]));  // unused by pipes: the writer opens it saw (poll's POLLHUP)
  auto fd = p.install_fd(FdEntry{f, c.st[3] != 0});
  if (!fd) {
    release_pipe_end(p, *f);
    release_inode(p, ino);
    return Outcome::error(fd.error().value);
  }
  return Outcome::done(*fd);
}

Outcome fionread_reply(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  int32_t n = int32_t(reply.arg[0]);
  auto h = p.mem().translate(c.ptr(2), sizeof n, true);
  if (!h) return Outcome::error(EFAULT);
  memcpy(*h, &n, sizeof n);
  return Outcome::done(0);
}

}  // namespace

void release_pipe_end(Personality& p, const OpenFile& f) {
  Message m;
  m.dst = f.owner;
  m.src = p.address();
  m.op = kPipeRelease;
  m.arg[0] = int64_t(f.object);
  m.arg[1] = f.status_flags;
  m.arg[2] = pipe_description(f);
  p.kernel().send(m);
}

Outcome open_fifo(Personality& p, Call& c, uint64_t ino, uint32_t status_flags, bool cloexec) {
  c.st[1] = ino;
  c.st[2] = status_flags;
  c.st[3] = cloexec;
  return p.request(c, PipeProcess::kAddress, kPipeOpen, BufRef{}, fifo_opened, int64_t(ino),
                   status_flags & (O_ACCMODE | O_NONBLOCK));
}

Outcome pipe_fionread(Personality& p, Call& c, const OpenFile& f) {
  return p.request(c, f.owner, kPipeFionread, BufRef{}, fionread_reply, int64_t(f.object));
}

Outcome pipe_size(Personality& p, Call& c, const OpenFile& f, int64_t want) {
  if (f.kind != FileKind::kPipe) return Outcome::error(EBADF);
  return p.request(c, f.owner, kPipeSize, BufRef{}, reply_result, int64_t(f.object), want);
}

Outcome sys_pipe(Personality& p, Call& c) { return make_pipe(p, c, 0); }
Outcome sys_pipe2(Personality& p, Call& c) { return make_pipe(p, c, c.u(1)); }

}  // namespace psx
