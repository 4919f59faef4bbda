// rt_sigaction, rt_sigprocmask, kill, tkill, tgkill. Partial: dispositions and
// the mask are kept; default actions (terminate, ignore) happen; guest
// handlers are not invoked yet (issue 5) — such a signal stays pending.
#include <csignal>
#include <cstring>

#include "subsystem/personality.h"
#include "syscalls/abi_structs.h"
#include "syscalls/signals.h"

namespace psx {
namespace {

constexpr uint64_t bit(int sig) { return 1ull << (sig - 1); }
constexpr uint64_t kUnblockable = bit(SIGKILL) | bit(SIGSTOP);

bool default_ignores(int sig) {
  return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT || sig >= SIGRTMIN;
}
bool default_stops(int sig) { return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU; }

uint64_t& pending_of(Personality& p) { return p.sigpending; }

}  // namespace

Outcome raise_on_self(Personality& p, int sig, Outcome otherwise) {
  const SignalAction& a = p.sigactions[size_t(sig)];
  if (a.handler == 1 /*SIG_IGN*/ && sig != SIGKILL && sig != SIGSTOP) return otherwise;
  if ((p.sigmask & bit(sig)) && !(kUnblockable & bit(sig))) {
    pending_of(p) |= bit(sig);
    return otherwise;
  }
  if (a.handler > 1 && sig != SIGKILL && sig != SIGSTOP) {
    pending_of(p) |= bit(sig);  // handlers run from issue 5 on
    return otherwise;
  }
  if (sig == SIGRTMIN - 2 || sig == SIGRTMIN - 1) return otherwise;  // musl-internal, default ignore
  if (default_ignores(sig) || default_stops(sig)) return otherwise;  // stop/continue: not yet
  Outcome o = Outcome::done(0);
  o.with(Action::kKillSelf, uint64_t(sig));
  return o;
}

Outcome deliver_unblocked(Personality& p, Outcome otherwise) {
  uint64_t ready = pending_of(p) & ~p.sigmask;
  for (int sig = 1; sig <= 64 && ready; sig++) {
    if (!(ready & bit(sig))) continue;
    if (p.sigactions[size_t(sig)].handler > 1) continue;  // awaits issue 5
    pending_of(p) &= ~bit(sig);
    Outcome o = raise_on_self(p, sig, otherwise);
    if (o.action == Action::kKillSelf) return o;
  }
  return otherwise;
}

Outcome sys_rt_sigaction(Personality& p, Call& c) {
  int sig = c.i(0);
  if (c.ul(3) != 8) return Outcome::error(EINVAL);
  if (sig < 1 || sig > 64) return Outcome::error(EINVAL);
  uint64_t act = c.ptr(1), oact = c.ptr(2);
  if (act && (sig == SIGKILL || sig == SIGSTOP)) return Outcome::error(EINVAL);
  SignalAction& cur = p.sigactions[size_t(sig)];
  SignalAction next = cur;
  if (act) {
    if (c.wide()) {
      auto h = p.mem().translate(act, sizeof(abi::X86Sigaction), false);
      if (!h) return Outcome::error(EFAULT);
      abi::X86Sigaction k;
      memcpy(&k, *h, sizeof k);
      next = SignalAction{k.handler, k.flags, k.restorer, k.mask & ~kUnblockable};
    } else {
      auto h = p.mem().translate(act, sizeof(abi::Rv32Sigaction), false);
      if (!h) return Outcome::error(EFAULT);
      abi::Rv32Sigaction k;
      memcpy(&k, *h, sizeof k);
      next = SignalAction{k.handler, k.flags, 0, k.mask & ~kUnblockable};
    }
  }
  if (oact) {
    if (c.wide()) {
      auto h = p.mem().translate(oact, sizeof(abi::X86Sigaction), true);
      if (!h) return Outcome::error(EFAULT);
      abi::X86Sigaction k{cur.handler, cur.flags, cur.restorer, cur.mask};
      memcpy(*h, &k, sizeof k);
    } else {
      auto h = p.mem().translate(oact, sizeof(abi::Rv32Sigaction), true);
      if (!h) return Outcome::error(EFAULT);
      abi::Rv32Sigaction k{uint32_t(cur.handler), uint32_t(cur.flags), cur.mask};
      memcpy(*h, &k, sizeof k);
    }
  }
  cur = next;
  // Setting SIG_IGN discards a pending instance (POSIX).
  if (act && next.handler == 1) pending_of(p) &= ~bit(sig);
  return Outcome::done(0);
}

Outcome sys_rt_sigprocmask(Personality& p, Call& c) {
  int how = c.i(0);
  uint64_t set = c.ptr(1), oset = c.ptr(2);
  if (c.ul(3) != 8) return Outcome::error(EINVAL);
  uint64_t next = p.sigmask;
  if (set) {
    auto h = p.mem().translate(set, 8, false);
    if (!h) return Outcome::error(EFAULT);
    uint64_t s;
    memcpy(&s, *h, 8);
    switch (how) {
      case SIG_BLOCK: next |= s; break;
      case SIG_UNBLOCK: next &= ~s; break;
      case SIG_SETMASK: next = s; break;
      default: return Outcome::error(EINVAL);
    }
  }
  if (oset) {
    auto h = p.mem().translate(oset, 8, true);
    if (!h) return Outcome::error(EFAULT);
    memcpy(*h, &p.sigmask, 8);
  }
  p.sigmask = next & ~kUnblockable;
  return deliver_unblocked(p, Outcome::done(0));
}

namespace {
Outcome signal_target(Personality& p, int sig, bool is_self) {
  if (sig < 0 || sig > 64) return Outcome::error(EINVAL);
  if (!is_self) return Outcome::error(ESRCH);
  if (sig == 0) return Outcome::done(0);
  return raise_on_self(p, sig, Outcome::done(0));
}
}  // namespace

Outcome sys_kill(Personality& p, Call& c) {
  int pid = c.i(0);
  // Only one guest process exists until issue 5: 0, -1 and -pgid all name it.
  bool self = pid == p.pid || pid == 0 || pid == -1 || pid == -p.pid;
  return signal_target(p, c.i(1), self);
}

Outcome sys_tkill(Personality& p, Call& c) {
  if (c.i(0) <= 0) return Outcome::error(EINVAL);
  return signal_target(p, c.i(1), c.i(0) == p.pid);
}

Outcome sys_tgkill(Personality& p, Call& c) {
  if (c.i(0) <= 0 || c.i(1) <= 0) return Outcome::error(EINVAL);
  return signal_target(p, c.i(2), c.i(0) == p.pid && c.i(1) == p.pid);
}

}  // namespace psx
