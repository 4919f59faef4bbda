// rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, rt_sigtimedwait,
// rt_sigqueueinfo, rt_tgsigqueueinfo, tkill, tgkill, sigaltstack, rt_sigreturn,
// pause. The personality keeps dispositions (per process) and masks and
// pending sets (per thread); delivery is in subsystem/personality_signals.cpp.
#include <csignal>
#include <cstring>

#include "kernelprocs/proc.h"
#include "subsystem/personality.h"
#include "syscalls/abi_structs.h"
#include "syscalls/signals.h"

namespace psx {
namespace {

constexpr uint64_t bit(int sig) { return 1ull << (sig - 1); }
constexpr uint64_t kUnblockable = bit(SIGKILL) | bit(SIGSTOP);
constexpr int kSiTkill = -6;  // SI_TKILL: tkill, tgkill, raise

SysResult<uint64_t> read_sigset(Personality& p, uint64_t addr) {
  auto h = p.mem().translate(addr, 8, false);
  if (!h) return fail(EFAULT);
  uint64_t s;
  memcpy(&s, *h, 8);
  return s;
}


}  // namespace

Outcome raise_on_self(Personality& p, int sig, Outcome otherwise) {
  SigInfo si;
  si.signo = sig;
  si.code = kSiTkill;
  si.pid = p.pid;
  si.uid = p.uid;
  p.post_signal(si, &p.thread());
  return otherwise;
}

Outcome deliver_unblocked(Personality& p, Outcome otherwise) {
  p.schedule_signals();
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
      uint64_t mask = k.mask[0] | uint64_t(k.mask[1]) << 32;
      next = SignalAction{k.handler, k.flags, k.restorer, mask & ~kUnblockable};
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
      abi::Rv32Sigaction k{uint32_t(cur.handler), uint32_t(cur.flags), uint32_t(cur.restorer),
                           {uint32_t(cur.mask), uint32_t(cur.mask >> 32)}};
      memcpy(*h, &k, sizeof k);
    }
  }
  if (!act) return Outcome::done(0);
  cur = next;
  // Setting an action that ignores the signal discards pending instances (POSIX).
  if (next.handler == 1 || (next.handler == 0 && default_ignores(sig))) {
    p.pending.discard(sig);
    for (auto& t : p.threads()) t->pending.discard(sig);
  }
  if (sig == SIGCHLD) p.tell_proc_sigchld();
  return Outcome::done(0);
}

Outcome sys_rt_sigprocmask(Personality& p, Call& c) {
  int how = c.i(0);
  uint64_t set = c.ptr(1), oset = c.ptr(2);
  if (c.ul(3) != 8) return Outcome::error(EINVAL);
  GuestThread& t = p.thread();
  uint64_t next = t.sigmask;
  if (set) {
    auto s = read_sigset(p, set);
    if (!s) return Outcome::error(EFAULT);
    switch (how) {
      case SIG_BLOCK: next |= *s; break;
      case SIG_UNBLOCK: next &= ~*s; break;
      case SIG_SETMASK: next = *s; break;
      default: return Outcome::error(EINVAL);
    }
  }
  if (oset) {
    auto h = p.mem().translate(oset, 8, true);
    if (!h) return Outcome::error(EFAULT);
    memcpy(*h, &t.sigmask, 8);
  }
  t.sigmask = next & ~kUnblockable;
  return deliver_unblocked(p, Outcome::done(0));
}

Outcome sys_rt_sigpending(Personality& p, Call& c) {
  if (c.ul(1) > 8) return Outcome::error(EINVAL);
  GuestThread& t = p.thread();
  uint64_t set = (t.pending.set | p.pending.set) & t.sigmask;
  auto h = p.mem().translate(c.ptr(0), c.ul(1), true);
  if (!h) return Outcome::error(EFAULT);
  memcpy(*h, &set, c.ul(1));
  return Outcome::done(0);
}

namespace {
// A wait that only a signal ends (sigsuspend, pause): when one is delivered
// the call returns EINTR.
Outcome until_signal(Personality&, Call&, const Message&) { return Outcome::error(EINTR); }
}  // namespace

Outcome sys_rt_sigsuspend(Personality& p, Call& c) {
  if (c.ul(1) != 8) return Outcome::error(EINVAL);
  auto s = read_sigset(p, c.ptr(0));
  if (!s) return Outcome::error(EFAULT);
  GuestThread& t = p.thread();
  c.saved_mask = t.sigmask;
  c.mask_swapped = true;
  t.sigmask = *s & ~kUnblockable;
  Outcome o = p.park(c, until_signal);
  p.schedule_signals();  // one may be pending already
  return o;
}

Outcome sys_pause(Personality& p, Call& c) {
  Outcome o = p.park(c, until_signal);
  p.schedule_signals();
  return o;
}

namespace {

// rt_sigtimedwait: st[0] = the set, st[1] = timer id, st[2] = info address.
Outcome take_waited(Personality& p, Call& c) {
  GuestThread& t = p.thread();
  uint64_t ready = (t.pending.set | p.pending.set) & c.st[0];
  if (!ready) return Outcome::error(EAGAIN);
  int sig = __builtin_ctzll(ready) + 1;
  SigInfo si = (t.pending.set & bit(sig)) ? t.pending.take(sig) : p.pending.take(sig);
  if (c.st[2]) {
    uint8_t info[128];
    encode_siginfo(p.abi, si, info);
    auto h = p.mem().translate(c.st[2], 128, true);
    if (!h) return Outcome::error(EFAULT);
    memcpy(*h, info, 128);
  }
  return Outcome::done(sig);
}

Outcome sigtimedwait_woke(Personality& p, Call& c, const Message& reply) {
  if (c.st[1] && reply.src != p.address()) p.kernel().cancel_timer(c.st[1]);
  Outcome o = take_waited(p, c);
  if (o.result == -EAGAIN && c.interrupted) return Outcome::error(EINTR);
  return o;
}

}  // namespace

Outcome sys_rt_sigtimedwait(Personality& p, Call& c) {
  if (c.ul(3) != 8) return Outcome::error(EINVAL);
  auto s = read_sigset(p, c.ptr(0));
  if (!s) return Outcome::error(EFAULT);
  c.st[0] = *s & ~kUnblockable;
  c.st[2] = c.ptr(1);
  Outcome now = take_waited(p, c);
  if (now.result != -EAGAIN) return now;
  int64_t timeout = -1;
  if (c.ptr(2)) {
    auto h = p.mem().translate(c.ptr(2), sizeof(abi::Timespec), false);
    if (!h) return Outcome::error(EFAULT);
    abi::Timespec ts;
    memcpy(&ts, *h, sizeof ts);
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return Outcome::error(EINVAL);
    timeout = ts.tv_sec * 1'000'000'000 + ts.tv_nsec;
    if (timeout == 0) return Outcome::error(EAGAIN);
  }
  // The awaited signals stay blocked; their arrival ends the wait
  // (Personality::schedule_signals looks for such waits first).
  Outcome o = p.park(c, sigtimedwait_woke);
  if (timeout > 0) {
    Message m;
    m.dst = p.address();
    m.src = p.address();
    m.flags = kMsgReply;
    m.tag = c.wait_tag;
    c.st[1] = p.kernel().add_timer(Kernel::now_ns() + uint64_t(timeout), m);
  }
  return o;
}

namespace {
Outcome queue_info(Personality& p, Call& c, int tgid, int tid, int sig, uint64_t uinfo) {
  if (sig < 1 || sig > 64) return Outcome::error(EINVAL);
  auto h = p.mem().translate(uinfo, 128, false);
  if (!h) return Outcome::error(EFAULT);
  int32_t code;
  memcpy(&code, *h + 8, 4);
  // Only the kernel may claim si_code >= 0 for another process (Linux: EPERM).
  if ((code >= 0 || code == kSiTkill) && tgid != p.pid) return Outcome::error(EPERM);
  if (tgid != p.pid) return Outcome::error(ESRCH);  // other processes: through kill only, for now
  SigInfo si;
  si.signo = sig;
  si.code = code;
  si.pid = p.pid;
  si.uid = p.uid;
  uint64_t value = 0;
  memcpy(&value, *h + (c.wide() ? 24 : 20), c.wide() ? 8 : 4);
  si.value = value;
  GuestThread* t = tid ? p.find_thread(tid) : nullptr;
  if (tid && !t) return Outcome::error(ESRCH);
  p.post_signal(si, t);
  return Outcome::done(0);
}
}  // namespace

Outcome sys_rt_sigqueueinfo(Personality& p, Call& c) { return queue_info(p, c, c.i(0), 0, c.i(1), c.ptr(2)); }
Outcome sys_rt_tgsigqueueinfo(Personality& p, Call& c) {
  return queue_info(p, c, c.i(0), c.i(1), c.i(2), c.ptr(3));
}

namespace {
Outcome to_thread(Personality& p, int tid, int sig) {
  if (sig < 0 || sig > 64) return Outcome::error(EINVAL);
  GuestThread* t = p.find_thread(tid);
  if (!t) return Outcome::error(ESRCH);
  if (sig == 0) return Outcome::done(0);
  SigInfo si;
  si.signo = sig;
  si.code = kSiTkill;
  si.pid = p.pid;
  si.uid = p.uid;
  p.post_signal(si, t);
  return Outcome::done(0);
}
}  // namespace

Outcome sys_tkill(Personality& p, Call& c) {
  if (c.i(0) <= 0) return Outcome::error(EINVAL);
  return to_thread(p, c.i(0), c.i(1));
}

Outcome sys_tgkill(Personality& p, Call& c) {
  if (c.i(0) <= 0 || c.i(1) <= 0) return Outcome::error(EINVAL);
  if (c.i(0) != p.pid) return Outcome::error(ESRCH);
  return to_thread(p, c.i(1), c.i(2));
}

Outcome sys_sigaltstack(Personality& p, Call& c) {
  constexpr uint32_t kOnStack = 1, kDisable = 2, kAutoDisarm = 1u << 31;
  constexpr uint64_t kMinStack = 2048;
  GuestThread& t = p.thread();
  size_t size = c.wide() ? 24 : 12;
  if (c.ptr(1)) {
    auto h = p.mem().translate(c.ptr(1), size, true);
    if (!h) return Outcome::error(EFAULT);
    uint8_t out[24] = {};
    uint32_t flags = t.ss_flags;
    if (c.wide()) {
      memcpy(out, &t.ss_sp, 8);
      memcpy(out + 8, &flags, 4);
      memcpy(out + 16, &t.ss_size, 8);
    } else {
      uint32_t sp = uint32_t(t.ss_sp), sz = uint32_t(t.ss_size);
      memcpy(out, &sp, 4);
      memcpy(out + 4, &flags, 4);
      memcpy(out + 8, &sz, 4);
    }
    memcpy(*h, out, size);
  }
  if (c.ptr(0)) {
    auto h = p.mem().translate(c.ptr(0), size, false);
    if (!h) return Outcome::error(EFAULT);
    uint64_t sp = 0, sz = 0;
    uint32_t flags = 0;
    if (c.wide()) {
      memcpy(&sp, *h, 8);
      memcpy(&flags, *h + 8, 4);
      memcpy(&sz, *h + 16, 8);
    } else {
      uint32_t sp32, sz32;
      memcpy(&sp32, *h, 4);
      memcpy(&flags, *h + 4, 4);
      memcpy(&sz32, *h + 8, 4);
      sp = sp32;
      sz = sz32;
    }
    uint32_t mode = flags & ~kAutoDisarm;
    if (mode != 0 && mode != kDisable && mode != kOnStack) return Outcome::error(EINVAL);
    if (mode == kDisable) {
      t.ss_sp = t.ss_size = 0;
      t.ss_flags = kDisable;
    } else {
      if (sz < kMinStack) return Outcome::error(ENOMEM);
      t.ss_sp = sp;
      t.ss_size = sz;
      t.ss_flags = 0;
    }
  }
  return Outcome::done(0);
}

// The guest host process restored the registers from the signal frame itself
// (only it can); it sends the frame's saved mask as the first argument.
Outcome sys_rt_sigreturn(Personality& p, Call& c) {
  p.thread().sigmask = c.a[0] & ~kUnblockable;
  return deliver_unblocked(p, Outcome::done(0));
}

}  // namespace psx
