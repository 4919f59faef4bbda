// The storage kernel process's advisory locks (fcntl record locks, OFD
// locks, flock): state in a LockTable, waiting requests parked here and
// answered when a release lets them through. See lock_table.h.
#include <fcntl.h>

#include "kernelprocs/storage_process.h"

namespace psx {
namespace {

LockTable::Owner owner_of(const LockRequest& r) {
  return r.ofd ? LockTable::Owner{r.file, true} : LockTable::Owner{uint64_t(uint32_t(r.pid)), false};
}

}  // namespace

bool StorageProcess::try_lock(const LockRequest& r) {
  if (r.cmd == LockRequest::kFlock || r.cmd == LockRequest::kFlockWait) {
    if (!locks_.flock_can(r.ino, r.file, r.type)) return false;
    locks_.flock_set(r.ino, r.file, r.type);
    return true;
  }
  LockTable::Owner o = owner_of(r);
  if (r.type != F_UNLCK && locks_.conflict(r.ino, o, r.type, r.start, r.end)) return false;
  locks_.set(r.ino, o, r.pid, r.type, r.start, r.end);
  return true;
}

void StorageProcess::lock(Kernel& k, const Message& m) {
  auto buf = k.map_buf(m.buf, true);
  if (!buf || m.buf.length < sizeof(LockRequest)) return k.send(m.reply(-EFAULT));
  auto* in = reinterpret_cast<LockRequest*>(*buf);
  LockRequest r = *in;  // the request lives in the requester's memory
  switch (r.cmd) {
    case LockRequest::kGet: {
      const LockTable::Range* c = locks_.conflict(r.ino, owner_of(r), r.type, r.start, r.end);
      in->out_type = c ? c->type : int16_t(F_UNLCK);
      if (c) {
        in->out_pid = c->pid;
        in->out_start = c->start;
        in->out_end = c->end;
      }
      return k.send(m.reply(0));
    }
    case LockRequest::kFlock:
    case LockRequest::kFlockWait:
      // Linux drops the description's old lock before it tries the new one,
      // so a failed conversion leaves no lock behind.
      locks_.flock_set(r.ino, r.file, F_UNLCK);
      [[fallthrough]];
    case LockRequest::kSet:
    case LockRequest::kSetWait: {
      if (try_lock(r)) {
        k.send(m.reply(0));
        retry_waiters(k, r.ino);  // an unlock or a downgrade may let others through
        return;
      }
      retry_waiters(k, r.ino);  // the dropped flock may have been in someone's way
      if (r.cmd == LockRequest::kSet || r.cmd == LockRequest::kFlock) return k.send(m.reply(-EAGAIN));
      lock_waiters_.push_back(LockWaiter{m, r});
      return;
    }
  }
  k.send(m.reply(-EINVAL));
}

void StorageProcess::lock_close(Kernel& k, const Message& m) {
  uint64_t ino = uint64_t(m.arg[0]), file = uint64_t(m.arg[1]);
  int32_t pid = int32_t(m.src.way);
  locks_.release(ino, LockTable::Owner{uint64_t(uint32_t(pid)), false});
  if (m.arg[2]) locks_.release(ino, LockTable::Owner{file, true});
  // A process that closes cannot be waiting, unless it is gone: drop its waiters.
  std::erase_if(lock_waiters_, [&](const LockWaiter& w) { return w.m.src == m.src && w.r.ino == ino; });
  retry_waiters(k, ino);
}

void StorageProcess::cancel_lock_wait(Kernel& k, Address who, uint32_t tag) {
  for (auto it = lock_waiters_.begin(); it != lock_waiters_.end(); ++it)
    if (it->m.src == who && it->m.tag == tag) {
      k.send(it->m.reply(-EINTR));
      lock_waiters_.erase(it);
      return;
    }
}

void StorageProcess::retry_waiters(Kernel& k, uint64_t ino) {
  for (auto it = lock_waiters_.begin(); it != lock_waiters_.end();) {
    if (it->r.ino != ino || !try_lock(it->r)) {
      ++it;
      continue;
    }
    k.send(it->m.reply(0));
    it = lock_waiters_.erase(it);
  }
}

}  // namespace psx
