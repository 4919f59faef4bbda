#include "kernelprocs/console.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "kernelprocs/object_stat.h"

namespace psx {

Console::~Console() {
  for (auto& [key, s] : streams_)
    if (s.io_fd >= 0 && s.io_fd != s.host_fd) close(s.io_fd);
  for (int fd : poll_fd_)
    if (fd >= 0) close(fd);
}

// The host's revents for the asked fds, now (a zero-timeout poll never blocks).
uint64_t Console::poll_now(uint64_t asked) {
  pollfd pf[kConsolePollFds];
  int n = 0, which[kConsolePollFds];
  for (int i = 0; i < kConsolePollFds; i++) {
    uint64_t ev = (asked >> (16 * i)) & 0xffff;
    if (!ev) continue;
    pf[n] = pollfd{i, short(ev & ~kPollAsked), 0};
    which[n++] = i;
  }
  if (n == 0 || ::poll(pf, nfds_t(n), 0) < 0) return 0;
  uint64_t out = 0;
  for (int j = 0; j < n; j++) out |= uint64_t(uint16_t(pf[j].revents)) << (16 * which[j]);
  return out;
}

// Watches each fd a waiter asks about, for the union of what they ask.
void Console::poll_arm(Kernel& k) {
  for (int i = 0; i < kConsolePollFds; i++) {
    uint32_t want = 0;
    for (const Message& w : poll_waiters_) {
      uint64_t ev = (uint64_t(w.arg[0]) >> (16 * i)) & 0xffff;
      if (ev & (POLLIN | POLLRDNORM | POLLRDBAND | POLLPRI)) want |= EPOLLIN | (ev & POLLPRI ? EPOLLPRI : 0);
      if (ev & (POLLOUT | POLLWRNORM | POLLWRBAND)) want |= EPOLLOUT;
    }
    if (!want || (poll_armed_[i] & want) == want) continue;
    if (poll_fd_[i] < 0) poll_fd_[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
    Message ready;
    ready.dst = kAddress;
    ready.src = kAddress;
    ready.op = kConsolePollReady;
    ready.arg[0] = i;
    if (poll_fd_[i] >= 0 && k.watch_fd(poll_fd_[i], want | poll_armed_[i], ready).ok()) {
      poll_armed_[i] |= want;
      continue;
    }
    // Cannot be watched (a regular file, /dev/null: always ready anyway, or
    // closed): answer the waiters now with what the host says.
    for (auto it = poll_waiters_.begin(); it != poll_waiters_.end();) {
      if ((uint64_t(it->arg[0]) >> (16 * i)) & 0xffff) {
        uint64_t r = poll_now(uint64_t(it->arg[0]));
        k.send(it->reply(int64_t(r ? r : uint64_t(it->arg[0]) & ~(kPollAsked * 0x100010001ull))));
        it = poll_waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

Console::Stream& Console::stream(int fd, Dir d) {
  auto [it, fresh] = streams_.try_emplace({fd, int(d)});
  Stream& s = it->second;
  if (!fresh) return s;
  s.host_fd = fd;
  s.io_fd = fd;
  struct stat st;
  if (fstat(fd, &st) != 0) return s;  // closed: requests fail with the host's EBADF
  if (S_ISSOCK(st.st_mode)) {
    s.socket = true;  // MSG_DONTWAIT per call; no reopen possible
    s.nonblocking = true;
  } else if (S_ISFIFO(st.st_mode) || (S_ISCHR(st.st_mode) && isatty(fd))) {
    // A private open file description, so O_NONBLOCK does not leak to the
    // shell that shares the original one.
    char path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int flags = (d == kIn ? O_RDONLY : O_WRONLY) | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    int nfd = open(path, flags);
    if (nfd >= 0) {
      s.io_fd = nfd;
      s.nonblocking = true;
    }
  }
  return s;
}

void Console::finish(Kernel& k, Stream& s, int64_t result) {
  k.send(s.queue.front().reply(result));
  s.queue.pop_front();
  s.progress = 0;
}

// Runs the front requests of a stream as far as they go without blocking.
void Console::pump(Kernel& k, Stream& s, Dir d) {
  while (!s.queue.empty() && !s.armed) {
    const Message& m = s.queue.front();
    auto buf = k.map_buf(m.buf, d == kIn);
    if (!buf) {
      finish(k, s, s.progress ? int64_t(s.progress) : -EFAULT);
      continue;
    }
    uint8_t* p = *buf + s.progress;
    uint64_t left = m.buf.length - s.progress;
    ssize_t n;
    if (d == kIn)
      n = s.socket ? recv(s.io_fd, p, left, MSG_DONTWAIT) : read(s.io_fd, p, left);
    else
      n = s.socket ? send(s.io_fd, p, left, MSG_DONTWAIT | MSG_NOSIGNAL) : write(s.io_fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && s.nonblocking && (m.arg[1] & O_NONBLOCK)) {
      // The guest's description is non-blocking: it gets EAGAIN (or what was done).
      finish(k, s, s.progress ? int64_t(s.progress) : -EAGAIN);
      continue;
    }
    if (n < 0 && errno == EAGAIN && s.nonblocking) {
      Message ready;
      ready.dst = kAddress;
      ready.src = kAddress;
      ready.op = kConsoleReady;
      ready.arg[0] = s.host_fd;
      ready.arg[1] = d;
      if (k.watch_fd(s.io_fd, d == kIn ? EPOLLIN : EPOLLOUT, ready).ok()) {
        s.armed = true;
        return;
      }
      finish(k, s, s.progress ? int64_t(s.progress) : -EIO);
      continue;
    }
    if (n < 0) {
      finish(k, s, s.progress ? int64_t(s.progress) : -errno);
      continue;
    }
    s.progress += uint64_t(n);
    // A read answers with what arrived; a write (blocking semantics) goes on until done.
    if (d == kIn || n == 0 || s.progress == m.buf.length) finish(k, s, int64_t(s.progress));
  }
}

// A signal interrupted the requester's call: answer its parked request now
// (-EINTR, or the bytes already moved), if it is still here.
void Console::cancel(Kernel& k, Address who, uint32_t tag) {
  for (auto it = poll_waiters_.begin(); it != poll_waiters_.end(); ++it)
    if (it->src == who && it->tag == tag) {
      k.send(it->reply(-EINTR));
      poll_waiters_.erase(it);
      return;
    }
  for (auto& [key, s] : streams_) {
    for (size_t i = 0; i < s.queue.size(); i++) {
      const Message& q = s.queue[i];
      if (q.src != who || q.tag != tag) continue;
      if (i == 0) {
        // The front request: what it already got stands. The stream's watch,
        // if armed, fires later and serves the next request.
        finish(k, s, s.progress ? int64_t(s.progress) : -EINTR);
      } else {
        k.send(q.reply(-EINTR));
        s.queue.erase(s.queue.begin() + long(i));
      }
      return;
    }
  }
}

void Console::on_message(Kernel& k, const Message& m) {
  switch (m.op) {
    case kConsoleRead:
    case kConsoleWrite: {
      Dir d = m.op == kConsoleRead ? kIn : kOut;
      Stream& s = stream(int(m.arg[0]), d);
      s.queue.push_back(m);
      if (s.queue.size() == 1) pump(k, s, d);
      return;
    }
    case kConsoleReady: {
      Dir d = Dir(m.arg[1]);
      Stream& s = stream(int(m.arg[0]), d);
      s.armed = false;
      pump(k, s, d);
      return;
    }
    case kConsolePoll: {
      uint64_t r = poll_now(uint64_t(m.arg[0]));
      if (r || !m.arg[1]) return k.send(m.reply(int64_t(r)));
      poll_waiters_.push_back(m);
      poll_arm(k);
      return;
    }
    case kConsolePollCancel:
      std::erase_if(poll_waiters_, [&](const Message& w) { return w.src == m.src && w.tag == uint32_t(m.arg[0]); });
      return;
    case kOpCancel:
      cancel(k, m.src, uint32_t(m.arg[0]));
      return;
    case kConsolePollReady: {
      int i = int(m.arg[0]);
      if (i >= 0 && i < kConsolePollFds) poll_armed_[i] = 0;  // one-shot: it fired
      for (auto it = poll_waiters_.begin(); it != poll_waiters_.end();) {
        uint64_t r = poll_now(uint64_t(it->arg[0]));
        if (!r) {
          ++it;
          continue;
        }
        k.send(it->reply(int64_t(r)));
        it = poll_waiters_.erase(it);
      }
      poll_arm(k);
      return;
    }
    case kConsoleIoctl: {
      // Terminal ioctls finish at once; their argument is read or written in place.
      auto buf = k.map_buf(m.buf, m.arg[2] != 0);
      if (!buf) {
        k.send(m.reply(-EFAULT));
        return;
      }
      int r = ioctl(int(m.arg[0]), unsigned(m.arg[1]), m.buf.length ? *buf : nullptr);
      k.send(m.reply(r < 0 ? -errno : r));
      return;
    }
    case kConsoleStat: {
      auto buf = k.map_buf(m.buf, true);
      if (!buf || m.buf.length < sizeof(ObjectStat)) {
        k.send(m.reply(-EFAULT));
        return;
      }
      struct stat st;
      if (fstat(int(m.arg[0]), &st) != 0) {
        k.send(m.reply(-errno));
        return;
      }
      ObjectStat os{};
      os.dev = st.st_dev;
      os.ino = st.st_ino;
      os.rdev = st.st_rdev;
      os.size = st.st_size;
      os.blocks = st.st_blocks;
      os.mode = st.st_mode;
      os.nlink = st.st_nlink;
      os.uid = st.st_uid;
      os.gid = st.st_gid;
      os.blksize = st.st_blksize;
      os.atime_sec = st.st_atim.tv_sec;
      os.atime_nsec = st.st_atim.tv_nsec;
      os.mtime_sec = st.st_mtim.tv_sec;
      os.mtime_nsec = st.st_mtim.tv_nsec;
      os.ctime_sec = st.st_ctim.tv_sec;
      os.ctime_nsec = st.st_ctim.tv_nsec;
      memcpy(*buf, &os, sizeof os);
      k.send(m.reply(0));
      return;
    }
    case kConsoleSync: {
      // A redirected stdout may be a regular file; pipes and terminals say EINVAL themselves.
      int r = m.arg[1] ? fdatasync(int(m.arg[0])) : fsync(int(m.arg[0]));
      k.send(m.reply(r < 0 ? -errno : 0));
      return;
    }
    default:
      if (!m.is_reply()) k.send(m.reply(-ENOSYS));
  }
}

}  // namespace psx
