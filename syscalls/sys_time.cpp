// clock_gettime, gettimeofday, time, nanosleep, clock_nanosleep, sched_yield.
// Sleeps park the call on an event-kernel timer; nothing blocks.
#include <sys/random.h>
#include <time.h>

#include <cstring>

#include "subsystem/personality.h"
#include "syscalls/abi_structs.h"

namespace psx {
namespace {

bool valid_clock(int clk) {
  switch (clk) {
    case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
    case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
    case CLOCK_TAI:
      return true;
  }
  return false;
}

// st[0] = the deadline, st[1] = where the time left goes (0: nowhere), st[2] = the timer.
Outcome woke(Personality& p, Call& c, const Message& reply) {
  if (!c.interrupted || reply.src == p.address()) return Outcome::done(0);
  p.kernel().cancel_timer(c.st[2]);
  if (c.st[1]) {  // a signal: the time left is written back
    uint64_t now = Kernel::now_ns(), left = c.st[0] > now ? c.st[0] - now : 0;
    abi::Timespec ts{int64_t(left / 1'000'000'000), int64_t(left % 1'000'000'000)};
    if (auto h = p.mem().translate(c.st[1], sizeof ts, true)) memcpy(*h, &ts, sizeof ts);
  }
  return Outcome::error(EINTR);
}

// Park until CLOCK_MONOTONIC reaches deadline.
Outcome sleep_until(Personality& p, Call& c, uint64_t deadline) {
  Outcome o = p.park(c, woke);
  Message m;  // the timer's message is the awaited reply
  m.dst = p.address();
  m.src = p.address();
  m.flags = kMsgReply;
  m.tag = c.wait_tag;
  c.st[0] = deadline;
  c.st[2] = p.kernel().add_timer(deadline, m);
  return o;
}

SysResult<abi::Timespec> read_timespec(Personality& p, uint64_t addr) {
  auto h = p.mem().translate(addr, sizeof(abi::Timespec), false);
  if (!h) return fail(EFAULT);
  abi::Timespec ts;
  memcpy(&ts, *h, sizeof ts);
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return fail(EINVAL);
  return ts;
}

uint64_t to_ns(const abi::Timespec& ts) {
  const uint64_t kMax = UINT64_MAX / 2;
  if (uint64_t(ts.tv_sec) > kMax / 1'000'000'000u) return kMax;
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

}  // namespace

Outcome sys_clock_gettime(Personality& p, Call& c) {
  int clk = c.i(0);
  if (!valid_clock(clk)) return Outcome::error(EINVAL);
  auto h = p.mem().translate(c.ptr(1), sizeof(abi::Timespec), true);
  if (!h) return Outcome::error(EFAULT);
  timespec now;
  clock_gettime(clockid_t(clk), &now);
  abi::Timespec ts{now.tv_sec, now.tv_nsec};
  memcpy(*h, &ts, sizeof ts);
  return Outcome::done(0);
}

Outcome sys_gettimeofday(Personality& p, Call& c) {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (c.ptr(0)) {
    auto h = p.mem().translate(c.ptr(0), 16, true);
    if (!h) return Outcome::error(EFAULT);
    int64_t tv[2] = {now.tv_sec, now.tv_nsec / 1000};
    memcpy(*h, tv, sizeof tv);
  }
  if (c.ptr(1)) {
    auto h = p.mem().translate(c.ptr(1), 8, true);
    if (!h) return Outcome::error(EFAULT);
    memset(*h, 0, 8);  // struct timezone: UTC, no DST
  }
  return Outcome::done(0);
}

Outcome sys_time(Personality& p, Call& c) {
  int64_t t = ::time(nullptr);
  if (c.ptr(0)) {
    auto h = p.mem().translate(c.ptr(0), 8, true);
    if (!h) return Outcome::error(EFAULT);
    memcpy(*h, &t, 8);
  }
  return Outcome::done(t);
}

Outcome sys_nanosleep(Personality& p, Call& c) {
  auto ts = read_timespec(p, c.ptr(0));
  if (!ts) return Outcome::error(ts.error().value);
  c.st[1] = c.ptr(1);
  return sleep_until(p, c, Kernel::now_ns() + to_ns(*ts));
}

Outcome sys_clock_nanosleep(Personality& p, Call& c) {
  int clk = c.i(0);
  int flags = c.i(1);
  if (clk == CLOCK_THREAD_CPUTIME_ID) return Outcome::error(EINVAL);
  if (!valid_clock(clk) || clk == CLOCK_PROCESS_CPUTIME_ID) return Outcome::error(clk < 0 ? EINVAL : EOPNOTSUPP);
  auto ts = read_timespec(p, c.ptr(2));
  if (!ts) return Outcome::error(ts.error().value);
  uint64_t now = Kernel::now_ns();
  uint64_t deadline = now + to_ns(*ts);
  if (flags & TIMER_ABSTIME) {
    timespec cnow;
    clock_gettime(clockid_t(clk), &cnow);
    uint64_t target = to_ns(*ts), cur = uint64_t(cnow.tv_sec) * 1'000'000'000u + uint64_t(cnow.tv_nsec);
    deadline = now + (target > cur ? target - cur : 0);
  } else {
    c.st[1] = c.ptr(3);  // the time left, if a signal interrupts
  }
  return sleep_until(p, c, deadline);
}

Outcome sys_sched_yield(Personality&, Call&) { return Outcome::done(0); }

Outcome sys_getrandom(Personality& p, Call& c) {
  uint32_t flags = c.u(2);
  if (flags & ~uint32_t(GRND_NONBLOCK | GRND_RANDOM | 0x0004 /*GRND_INSECURE*/)) return Outcome::error(EINVAL);
  uint64_t len = std::min<uint64_t>(c.ul(1), 33554431);  // Linux caps one call at 32 MiB - 1
  if (len == 0) return Outcome::done(0);
  auto h = p.mem().translate(c.ptr(0), len, true);
  if (!h) return Outcome::error(EFAULT);
  ssize_t n = getrandom(*h, len, 0);  // straight into the guest's buffer
  return n < 0 ? Outcome::error(errno) : Outcome::done(n);
}

}  // namespace psx
