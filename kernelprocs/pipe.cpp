#include "kernelprocs/pipe.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "kernelprocs/object_stat.h"

namespace psx {
namespace {

// The device a pipe's fstat reports: an anonymous one, as Linux's pipefs.
const uint64_t kPipeDev = makedev(0, 0x0f);

int64_t wall_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool nonblocking(const Message& m) { return m.arg[1] & O_NONBLOCK; }
bool same(const Message& a, const Message& b) { return a.src == b.src && a.tag == b.tag; }

// A parked request whose sender is gone (its personality detached) is
// dropped unanswered: its buffer may name someone else's memory by now.
bool gone(Kernel& k, const Message& m) { return k.find(m.src) == nullptr; }

uint8_t ends_of(int64_t access) {
  switch (access & O_ACCMODE) {
    case O_RDONLY: return kPipeReadEnd;
    case O_WRONLY: return kPipeWriteEnd;
    case O_RDWR: return kPipeReadEnd | kPipeWriteEnd;
  }
  return 0;
}

}  // namespace

void PipeProcess::on_message(Kernel& k, const Message& m) {
  if (m.is_reply()) return;
  switch (m.op) {
    case kPipeCreate: return create(k, m);
    case kPipeOpen: return open_fifo(k, m);
    case kPipeRelease: return release(k, m);
    case kPipeRead: return read(k, m);
    case kPipeWrite: return write(k, m);
    case kPipePoll: return poll(k, m);
    case kPipeStat: return stat(k, m);
    case kPipeFionread: {
      Pipe* p = find(uint64_t(m.arg[0]));
      return k.send(m.reply(p ? int64_t(p->count) : -EBADF));
    }
    case kPipeSize: return resize(k, m);
    case kOpCancel: return cancel(k, m);
    default: k.send(m.reply(-ENOSYS));
  }
}

PipeProcess::Pipe* PipeProcess::find(uint64_t id) {
  auto it = pipes_.find(uint32_t(id));
  return id > UINT32_MAX || it == pipes_.end() ? nullptr : &it->second;
}

PipeProcess::Pipe& PipeProcess::make(uint64_t fifo_ino, uint32_t uid, uint32_t gid) {
  while (next_id_ == 0 || pipes_.count(next_id_)) next_id_++;  // ids wrap after 2^32 pipes
  Pipe& p = pipes_[next_id_];
  p.id = next_id_++;
  p.fifo_ino = fifo_ino;
  p.uid = uid;
  p.gid = gid;
  p.atime = p.mtime = p.ctime = wall_ns();
  if (fifo_ino) fifos_[fifo_ino] = p.id;
  return p;
}

void PipeProcess::create(Kernel& k, const Message& m) {
  Pipe& p = make(0, uint32_t(uint64_t(m.arg[0]) >> 32), uint32_t(m.arg[0]));
  p.readers = p.writers = 1;
  p.r_counter = p.w_counter = 1;
  k.send(m.reply(p.id));
}

// ---- the ring: bytes that had to wait ----

uint64_t PipeProcess::ring_put(Kernel& k, Pipe& p, const uint8_t* src, uint64_t n) {
  n = std::min<uint64_t>(n, p.capacity - p.count);
  if (!n) return 0;
  if (p.ring.size() != p.capacity) p.ring.resize(p.capacity);
  uint64_t tail = (p.head + p.count) % p.capacity, first = std::min<uint64_t>(n, p.capacity - tail);
  memcpy(p.ring.data() + tail, src, first);
  memcpy(p.ring.data(), src + first, n - first);
  p.count += n;
  k.copies().process_bytes += n;
  return n;
}

uint64_t PipeProcess::ring_get(Kernel& k, Pipe& p, uint8_t* dst, uint64_t n) {
  n = std::min<uint64_t>(n, p.count);
  uint64_t first = std::min<uint64_t>(n, p.capacity - p.head);
  memcpy(dst, p.ring.data() + p.head, first);
  memcpy(dst + first, p.ring.data(), n - first);
  p.head = (p.head + n) % p.capacity;
  p.count -= n;
  if (!p.count) p.head = 0;
  k.copies().process_bytes += n;
  return n;
}

void PipeProcess::finish_write(Kernel& k, const Waiter& w, int64_t result, uint64_t flag) {
  Message r = w.m.reply(result);
  r.arg[1] = int64_t(flag);
  k.send(r);
}

// ---- moving bytes ----

// Takes the oldest parked reader; false (answered, or dropped when its sender
// is gone) if its buffer cannot take bytes.
bool PipeProcess::take_reader(Kernel& k, Pipe& p, Waiter& r, uint8_t*& dst) {
  r = p.reads.front();
  p.reads.pop_front();
  if (gone(k, r.m)) return false;
  auto buf = k.map_buf(r.m.buf, true);
  if (!buf) {
    k.send(r.m.reply(-EFAULT));
    return false;
  }
  dst = *buf;
  return true;
}

void PipeProcess::pump(Kernel& k, Pipe& p) {
  for (bool moved = true; moved;) {
    moved = false;
    // Bytes in the ring are older than any a parked writer still holds.
    while (p.count && !p.reads.empty()) {
      Waiter r;
      uint8_t* dst;
      if (!take_reader(k, p, r, dst)) continue;
      k.send(r.m.reply(int64_t(ring_get(k, p, dst, r.m.buf.length))));
      p.atime = wall_ns();
      moved = true;
    }
    // An empty ring: a parked writer's bytes go straight into a parked
    // reader's buffer, the one copy.
    while (!p.count && !p.reads.empty() && !p.writes.empty()) {
      Waiter& w = p.writes.front();
      if (gone(k, w.m)) {
        p.writes.pop_front();
        continue;
      }
      auto src = k.map_buf(w.m.buf, false);
      if (!src) {
        finish_write(k, w, w.done ? int64_t(w.done) : -EFAULT);
        p.writes.pop_front();
        continue;
      }
      Waiter r;
      uint8_t* dst;
      if (!take_reader(k, p, r, dst)) continue;
      uint64_t n = std::min<uint64_t>(r.m.buf.length, w.m.buf.length - w.done);
      memcpy(dst, *src + w.done, n);
      k.copies().process_bytes += n;
      w.done += n;
      p.atime = p.mtime = p.ctime = wall_ns();
      k.send(r.m.reply(int64_t(n)));
      if (w.done == w.m.buf.length) {
        finish_write(k, w, int64_t(w.done));
        p.writes.pop_front();
      }
      moved = true;
    }
    // Parked writers fill the ring in order; a write of at most PIPE_BUF
    // bytes goes in whole or waits, so it never interleaves with another.
    while (!p.writes.empty()) {
      Waiter& w = p.writes.front();
      uint64_t left = w.m.buf.length - w.done, space = p.capacity - p.count;
      if (gone(k, w.m)) {
        p.writes.pop_front();
        continue;
      }
      if (!space || (w.m.buf.length <= kPipeBuf && left > space)) break;
      auto src = k.map_buf(w.m.buf, false);
      if (!src) {
        finish_write(k, w, w.done ? int64_t(w.done) : -EFAULT);
        p.writes.pop_front();
        continue;
      }
      w.done += ring_put(k, p, *src + w.done, left);
      p.mtime = p.ctime = wall_ns();
      moved = true;
      if (w.done < w.m.buf.length) break;  // the ring is full
      finish_write(k, w, int64_t(w.done));
      p.writes.pop_front();
    }
  }
}

void PipeProcess::read(Kernel& k, const Message& m) {
  Pipe* p = find(uint64_t(m.arg[0]));
  if (!p) return k.send(m.reply(-EBADF));
  if (!m.buf.length) return k.send(m.reply(0));
  p->reads.push_back(Waiter{m});
  pump(k, *p);
  if (!p->reads.empty() && same(p->reads.back().m, m)) {  // nothing for it yet
    if (!p->writers || nonblocking(m)) {
      p->reads.pop_back();
      k.send(m.reply(p->writers ? -EAGAIN : 0));  // no writer: end of file
    }
  }
  changed(k, *p);
}

void PipeProcess::write(Kernel& k, const Message& m) {
  Pipe* p = find(uint64_t(m.arg[0]));
  if (!p) return k.send(m.reply(-EBADF));
  if (!p->readers) return k.send(m.reply(-EPIPE));
  if (!m.buf.length) return k.send(m.reply(0));
  // A non-blocking write takes what room there is now, even ahead of parked
  // writers (they wait for more room than there is); a blocking one queues.
  bool nb = nonblocking(m);
  if (nb)
    p->writes.push_front(Waiter{m});
  else
    p->writes.push_back(Waiter{m});
  pump(k, *p);
  if (nb && !p->writes.empty() && same(p->writes.front().m, m)) {
    uint64_t done = p->writes.front().done;
    p->writes.pop_front();
    k.send(m.reply(done ? int64_t(done) : -EAGAIN));
    pump(k, *p);  // the writers behind it may go on
  }
  changed(k, *p);
}

// ---- opening and closing ends ----

void PipeProcess::open_fifo(Kernel& k, const Message& m) {
  uint64_t ino = uint64_t(m.arg[0]);
  int acc = int(m.arg[1] & O_ACCMODE);
  bool nb = nonblocking(m);
  auto it = fifos_.find(ino);
  Pipe* p = it == fifos_.end() ? nullptr : find(it->second);
  if (acc != O_RDONLY && acc != O_WRONLY && acc != O_RDWR) return k.send(m.reply(-EINVAL));
  if (acc == O_WRONLY && nb && (!p || !p->readers)) return k.send(m.reply(-ENXIO));
  if (!p) p = &make(ino, 0, 0);
  Message r = m.reply(p->id);
  // As fifo_open: an opener counts itself first, then waits for a partner
  // to open (the partner's counter moving), not merely to be there.
  if (acc != O_WRONLY) {
    p->r_counter++;
    p->readers++;
  }
  if (acc != O_RDONLY) {
    p->w_counter++;
    p->writers++;
  }
  wake_opens(k, *p);
  if (acc == O_RDONLY && !p->writers) {
    if (!nb) {
      p->opens.push_back(Waiter{m, p->w_counter});
      return changed(k, *p);
    }
    r.arg[1] = p->w_counter;  // no POLLHUP until a writer came and went
  }
  if (acc == O_WRONLY && !p->readers) {
    p->opens.push_back(Waiter{m, p->r_counter});
    return changed(k, *p);
  }
  k.send(r);
  changed(k, *p);
}

// Answers the parked opens whose partner has opened since they began.
void PipeProcess::wake_opens(Kernel& k, Pipe& p) {
  std::erase_if(p.opens, [&](const Waiter& w) {
    bool reader = (w.m.arg[1] & O_ACCMODE) == O_RDONLY;
    if (gone(k, w.m)) {
      (reader ? p.readers : p.writers)--;
      return true;
    }
    if ((reader ? p.w_counter : p.r_counter) == w.done) return false;
    k.send(w.m.reply(p.id));
    return true;
  });
}

void PipeProcess::release(Kernel& k, const Message& m) {
  Pipe* p = find(uint64_t(m.arg[0]));
  if (!p) return;
  uint8_t ends = ends_of(m.arg[1]);
  // Requests parked on the description end with it.
  int64_t desc = m.arg[2];
  std::erase_if(p->reads, [&](const Waiter& w) {
    if (w.m.arg[2] != desc) return false;
    if (!gone(k, w.m)) k.send(w.m.reply(-EBADF));
    return true;
  });
  std::erase_if(p->writes, [&](const Waiter& w) {
    if (w.m.arg[2] != desc) return false;
    if (!gone(k, w.m)) finish_write(k, w, w.done ? int64_t(w.done) : -EBADF);
    return true;
  });
  if ((ends & kPipeReadEnd) && p->readers) p->readers--;
  if ((ends & kPipeWriteEnd) && p->writers) p->writers--;
  ends_changed(k, *p);
}

void PipeProcess::ends_changed(Kernel& k, Pipe& p) {
  if (!p.readers) {
    while (!p.writes.empty()) {  // SIGPIPE for each, with what it moved if anything
      Waiter w = p.writes.front();
      p.writes.pop_front();
      if (!gone(k, w.m)) finish_write(k, w, w.done ? int64_t(w.done) : -EPIPE, w.done ? kPipeWriterGone : 0);
    }
  }
  if (!p.writers) {
    while (!p.reads.empty()) {  // end of file (the ring is empty while readers wait)
      Waiter r = p.reads.front();
      p.reads.pop_front();
      if (!gone(k, r.m)) k.send(r.m.reply(0));
    }
  }
  pump(k, p);
  changed(k, p);
  drop_if_unused(k, p);
}

// Nobody has the pipe open: its bytes are discarded, as on Linux.
void PipeProcess::drop_if_unused(Kernel& k, Pipe& p) {
  if (p.readers || p.writers || !p.opens.empty()) return;
  uint32_t id = p.id;
  bool watched = p.pollers > 0;
  if (p.fifo_ino) fifos_.erase(p.fifo_ino);
  pipes_.erase(id);
  if (watched) wake_pollers(k, id);  // they look again (and find the descriptor closed)
}

// ---- readiness ----

uint16_t PipeProcess::revents(const Pipe* p, const PipePollEntry& e) const {
  if (!p) return POLLNVAL;
  uint16_t r = 0;
  if (e.ends & kPipeReadEnd) {
    if (p->count) r |= POLLIN | POLLRDNORM;
    if (!p->writers && e.seen != p->w_counter) r |= POLLHUP;
  }
  if (e.ends & kPipeWriteEnd) {
    if (p->capacity - p->count >= kPipeBuf) r |= POLLOUT | POLLWRNORM;
    if (!p->readers) r |= POLLERR;
  }
  return r & (e.events | POLLERR | POLLHUP);
}

void PipeProcess::poll(Kernel& k, const Message& m) {
  size_t n = m.buf.length / sizeof(PipePollEntry);
  auto buf = k.map_buf(m.buf, true);
  if (!buf) return k.send(m.reply(-EFAULT));
  std::vector<PipePollEntry> es(n);
  memcpy(es.data(), *buf, n * sizeof(PipePollEntry));
  int64_t ready = 0;
  for (PipePollEntry& e : es) {
    e.revents = revents(find(e.pipe), e);
    if (e.revents) ready++;
  }
  if (ready || !m.arg[1]) {
    memcpy(*buf, es.data(), n * sizeof(PipePollEntry));
    return k.send(m.reply(ready));
  }
  for (const PipePollEntry& e : es)
    if (Pipe* p = find(e.pipe)) p->pollers++;
  poll_waiters_.push_back(PollWaiter{m, std::move(es)});
}

void PipeProcess::unwatch(const PollWaiter& w) {
  for (const PipePollEntry& e : w.entries)
    if (Pipe* p = find(e.pipe)) p->pollers--;
}

void PipeProcess::changed(Kernel& k, Pipe& p) {
  if (p.pollers) wake_pollers(k, p.id);
}

void PipeProcess::wake_pollers(Kernel& k, uint32_t id) {
  for (size_t i = 0; i < poll_waiters_.size();) {
    PollWaiter& w = poll_waiters_[i];
    bool watches = false, ready = false;
    for (const PipePollEntry& e : w.entries) {
      watches |= e.pipe == id;
      ready |= revents(find(e.pipe), e) != 0;
    }
    if (!watches || !ready) {
      i++;
      continue;
    }
    Message r = w.m.reply(0);
    r.arg[1] = 1;  // look again
    k.send(r);
    unwatch(w);
    poll_waiters_.erase(poll_waiters_.begin() + ptrdiff_t(i));
  }
}

// ---- the rest ----

void PipeProcess::stat(Kernel& k, const Message& m) {
  Pipe* p = find(uint64_t(m.arg[0]));
  if (!p) return k.send(m.reply(-EBADF));
  auto buf = k.map_buf(m.buf, true);
  if (!buf || m.buf.length < sizeof(ObjectStat)) return k.send(m.reply(-EFAULT));
  // As Linux shows a pipe: a FIFO of its creator, mode 0600, size 0.
  ObjectStat os{};
  os.dev = kPipeDev;
  os.ino = p->id;
  os.mode = S_IFIFO | 0600;
  os.nlink = 1;
  os.uid = p->uid;
  os.gid = p->gid;
  os.blksize = kPipeBuf;
  os.atime_sec = p->atime / 1'000'000'000;
  os.atime_nsec = uint32_t(p->atime % 1'000'000'000);
  os.mtime_sec = p->mtime / 1'000'000'000;
  os.mtime_nsec = uint32_t(p->mtime % 1'000'000'000);
  os.ctime_sec = p->ctime / 1'000'000'000;
  os.ctime_nsec = uint32_t(p->ctime % 1'000'000'000);
  memcpy(*buf, &os, sizeof os);
  k.send(m.reply(0));
}

void PipeProcess::resize(Kernel& k, const Message& m) {
  Pipe* p = find(uint64_t(m.arg[0]));
  if (!p) return k.send(m.reply(-EBADF));
  int64_t want = m.arg[1];
  if (want < 0) return k.send(m.reply(p->capacity));
  // Linux's round_pipe_size: at least a page, a power of two pages.
  if (uint64_t(want) > (1ull << 31)) return k.send(m.reply(-EINVAL));
  uint64_t size = std::max<uint64_t>(kPipeBuf, std::bit_ceil(uint64_t(want)));
  if (size > kPipeMaxSize) return k.send(m.reply(-EPERM));
  if (p->count > size) return k.send(m.reply(-EBUSY));
  if (!p->ring.empty()) {
    std::vector<uint8_t> ring(size);
    uint64_t n = p->count;
    ring_get(k, *p, ring.data(), n);
    p->ring = std::move(ring);
    p->count = n;
  }
  p->capacity = uint32_t(size);
  p->head = 0;
  k.send(m.reply(int64_t(size)));
  pump(k, *p);
  changed(k, *p);
}

void PipeProcess::cancel(Kernel& k, const Message& m) {
  uint32_t tag = uint32_t(m.arg[0]);
  auto match = [&](const Message& w) { return w.src == m.src && w.tag == tag; };
  for (size_t i = 0; i < poll_waiters_.size(); i++)
    if (match(poll_waiters_[i].m)) {
      k.send(poll_waiters_[i].m.reply(-EINTR));
      unwatch(poll_waiters_[i]);
      poll_waiters_.erase(poll_waiters_.begin() + ptrdiff_t(i));
      return;
    }
  for (auto& [id, p] : pipes_) {
    for (auto it = p.reads.begin(); it != p.reads.end(); ++it)
      if (match(it->m)) {
        k.send(it->m.reply(-EINTR));
        p.reads.erase(it);
        return;
      }
    for (auto it = p.writes.begin(); it != p.writes.end(); ++it)
      if (match(it->m)) {
        finish_write(k, *it, it->done ? int64_t(it->done) : -EINTR);
        p.writes.erase(it);
        pump(k, p);  // a writer behind it may fit now
        return changed(k, p);
      }
    for (auto it = p.opens.begin(); it != p.opens.end(); ++it)
      if (match(it->m)) {
        // The interrupted opener no longer counts (fifo_open's error path).
        ((it->m.arg[1] & O_ACCMODE) == O_RDONLY ? p.readers : p.writers)--;
        k.send(it->m.reply(-EINTR));
        p.opens.erase(it);
        return ends_changed(k, p);
      }
  }
}

}  // namespace psx
