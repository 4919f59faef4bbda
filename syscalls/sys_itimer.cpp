// alarm, setitimer, getitimer: ITIMER_REAL, one event-kernel timer per
// process that raises SIGALRM (re-armed by its interval).
#include <cstring>

#include "subsystem/personality.h"

namespace psx {
namespace {

constexpr int kItimerReal = 0, kItimerVirtual = 1, kItimerProf = 2;

// struct itimerval: two timevals of two longs (4 bytes each on riscv32).
struct Itimer {
  uint64_t interval_us = 0, value_us = 0;
};

SysResult<Itimer> read_itimer(Personality& p, const Call& c, uint64_t addr) {
  uint64_t w = c.wide() ? 8 : 4;
  auto h = p.mem().translate(addr, 4 * w, false);
  if (!h) return fail(EFAULT);
  int64_t v[4] = {};
  for (int i = 0; i < 4; i++) {
    if (w == 8) {
      memcpy(&v[i], *h + i * 8, 8);
    } else {
      int32_t x;
      memcpy(&x, *h + i * 4, 4);
      v[i] = x;
    }
  }
  if (v[0] < 0 || v[1] < 0 || v[1] >= 1'000'000 || v[2] < 0 || v[3] < 0 || v[3] >= 1'000'000) return fail(EINVAL);
  return Itimer{uint64_t(v[0]) * 1'000'000 + uint64_t(v[1]), uint64_t(v[2]) * 1'000'000 + uint64_t(v[3])};
}

SysResult<void> write_itimer(Personality& p, const Call& c, uint64_t addr, const Itimer& it) {
  uint64_t w = c.wide() ? 8 : 4;
  auto h = p.mem().translate(addr, 4 * w, true);
  if (!h) return fail(EFAULT);
  int64_t v[4] = {int64_t(it.interval_us / 1'000'000), int64_t(it.interval_us % 1'000'000),
                  int64_t(it.value_us / 1'000'000), int64_t(it.value_us % 1'000'000)};
  for (int i = 0; i < 4; i++) {
    if (w == 8) {
      memcpy(*h + i * 8, &v[i], 8);
    } else {
      int32_t x = int32_t(v[i]);
      memcpy(*h + i * 4, &x, 4);
    }
  }
  return {};
}

Itimer current(Personality& p) {
  Itimer it;
  it.interval_us = p.itimer_interval / 1000;
  if (p.itimer_deadline) {
    uint64_t now = Kernel::now_ns();
    uint64_t left = p.itimer_deadline > now ? p.itimer_deadline - now : 1000;
    it.value_us = (left + 999) / 1000;  // never 0 while armed
  }
  return it;
}

}  // namespace

Outcome sys_alarm(Personality& p, Call& c) {
  Itimer old = current(p);
  uint64_t secs = c.u(0);
  p.arm_itimer(secs ? Kernel::now_ns() + secs * 1'000'000'000 : 0, 0);
  // Seconds left, rounded to nearest, at least 1 while armed (as Linux).
  uint64_t left = old.value_us ? (old.value_us + 500'000) / 1'000'000 : 0;
  if (old.value_us && !left) left = 1;
  return Outcome::done(int64_t(left));
}

Outcome sys_getitimer(Personality& p, Call& c) {
  int which = c.i(0);
  if (which == kItimerVirtual || which == kItimerProf) return Outcome::error(EINVAL);
  if (which != kItimerReal) return Outcome::error(EINVAL);
  auto w = write_itimer(p, c, c.ptr(1), current(p));
  return w ? Outcome::done(0) : Outcome::error(w.error().value);
}

Outcome sys_setitimer(Personality& p, Call& c) {
  int which = c.i(0);
  if (which != kItimerReal) return Outcome::error(EINVAL);
  Itimer next;
  if (c.ptr(1)) {
    auto it = read_itimer(p, c, c.ptr(1));
    if (!it) return Outcome::error(it.error().value);
    next = *it;
  }
  if (c.ptr(2)) {
    auto w = write_itimer(p, c, c.ptr(2), current(p));
    if (!w) return Outcome::error(w.error().value);
  }
  p.arm_itimer(next.value_us ? Kernel::now_ns() + next.value_us * 1000 : 0, next.interval_us * 1000);
  return Outcome::done(0);
}

}  // namespace psx
