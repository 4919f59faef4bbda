// futex: the wait queues of one process live in its personality, keyed by
// the guest address (threads share the memory object; processes do not share
// memory, so a "shared" futex is one of this process too). A waiter's call is
// parked; a wake answers it; a signal or a timeout ends the wait.
#include <linux/futex.h>

#include <cstring>

#include "subsystem/personality.h"
#include "syscalls/abi_structs.h"

namespace psx {
namespace {

// Call scratch: st[0] = address, st[1] = timer id.
Outcome wait_ended(Personality& p, Call& c, const Message& reply) {
  // Still queued (a timeout or a signal ended it): leave the queue.
  auto [lo, hi] = p.futex_waiters.equal_range(c.st[0]);
  bool queued = false;
  for (auto it = lo; it != hi; ++it)
    if (it->second.tag == c.wait_tag) {
      p.futex_waiters.erase(it);
      queued = true;
      break;
    }
  if (c.st[1] && reply.src != p.address()) p.kernel().cancel_timer(c.st[1]);
  if (!queued) {
    if (c.st[1]) p.kernel().cancel_timer(c.st[1]);
    return Outcome::done(0);  // woken
  }
  if (c.interrupted) return Outcome::error(EINTR);
  return Outcome::error(ETIMEDOUT);
}

SysResult<uint32_t> load(Personality& p, uint64_t addr) {
  if (addr & 3) return fail(EINVAL);
  auto h = p.mem().translate(addr, 4, false);
  if (!h) return fail(EFAULT);
  uint32_t v;
  memcpy(&v, *h, 4);
  return v;
}

Outcome wait(Personality& p, Call& c, uint64_t addr, uint32_t expected, uint64_t timeout_addr, bool absolute,
             bool realtime, uint32_t bitset) {
  if (!bitset) return Outcome::error(EINVAL);
  auto v = load(p, addr);
  if (!v) return Outcome::error(v.error().value);
  int64_t deadline = -1;
  if (timeout_addr) {
    auto h = p.mem().translate(timeout_addr, sizeof(abi::Timespec), false);
    if (!h) return Outcome::error(EFAULT);
    abi::Timespec ts;
    memcpy(&ts, *h, sizeof ts);
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return Outcome::error(EINVAL);
    int64_t ns = ts.tv_sec > INT64_MAX / 2'000'000'000 ? INT64_MAX / 2 : ts.tv_sec * 1'000'000'000 + ts.tv_nsec;
    int64_t now = int64_t(Kernel::now_ns());
    if (absolute) {
      timespec clk;
      clock_gettime(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, &clk);
      int64_t cur = clk.tv_sec * 1'000'000'000 + clk.tv_nsec;
      deadline = now + (ns > cur ? ns - cur : 0);
    } else {
      deadline = now + ns;
    }
  }
  if (*v != expected) return Outcome::error(EAGAIN);
  Outcome o = p.park(c, wait_ended);
  c.st[0] = addr;
  p.futex_waiters.emplace(addr, Personality::FutexWaiter{int(c.tid), bitset, c.wait_tag});
  if (deadline >= 0) {
    Message m;
    m.dst = p.address();
    m.src = p.address();
    m.flags = kMsgReply;
    m.tag = c.wait_tag;
    m.arg[0] = -ETIMEDOUT;
    c.st[1] = p.kernel().add_timer(uint64_t(deadline), m);
  }
  return o;
}

// Moves up to n waiters from addr to addr2 (their calls stay parked).
int requeue(Personality& p, uint64_t addr, uint64_t addr2, int n) {
  int moved = 0;
  auto [lo, hi] = p.futex_waiters.equal_range(addr);
  std::vector<Personality::FutexWaiter> take;
  for (auto it = lo; it != hi && moved < n;) {
    take.push_back(it->second);
    it = p.futex_waiters.erase(it);
    moved++;
  }
  for (auto& w : take) {
    p.futex_waiters.emplace(addr2, w);
    if (GuestThread* t = p.find_thread(w.tid)) t->call.st[0] = addr2;
  }
  return moved;
}

}  // namespace

Outcome sys_futex(Personality& p, Call& c) {
  uint64_t addr = c.ptr(0);
  int op = c.i(1);
  int cmd = op & FUTEX_CMD_MASK;
  bool realtime = op & FUTEX_CLOCK_REALTIME;
  uint32_t val = c.u(2);
  switch (cmd) {
    case FUTEX_WAIT:
      if (realtime) return Outcome::error(ENOSYS);
      return wait(p, c, addr, val, c.ptr(3), false, false, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAIT_BITSET:
      return wait(p, c, addr, val, c.ptr(3), true, realtime, c.u(5));
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      if (addr & 3) return Outcome::error(EINVAL);
      uint32_t bits = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : c.u(5);
      if (!bits) return Outcome::error(EINVAL);
      int n = int(val > INT32_MAX ? INT32_MAX : val);
      return Outcome::done(p.futex_wake(addr, n, bits));
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      if ((addr & 3) || (c.ptr(4) & 3)) return Outcome::error(EINVAL);
      if (cmd == FUTEX_CMP_REQUEUE) {
        auto v = load(p, addr);
        if (!v) return Outcome::error(v.error().value);
        if (*v != c.u(5)) return Outcome::error(EAGAIN);
      }
      int wake = int(val > INT32_MAX ? INT32_MAX : val);
      uint32_t n2 = uint32_t(c.ul(3));
      int woken = p.futex_wake(addr, wake);
      int moved = requeue(p, addr, c.ptr(4), int(n2 > INT32_MAX ? INT32_MAX : n2));
      return Outcome::done(woken + (cmd == FUTEX_CMP_REQUEUE ? moved : 0));
    }
    default:
      return Outcome::error(ENOSYS);
  }
}

}  // namespace psx
