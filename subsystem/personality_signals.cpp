// Signals in the personality: what arrives (post_signal), who takes it
// (schedule_signals: a thread returning from a call, a thread parked in an
// interruptible wait, or one running its own code, woken by kWakeSignal), and
// how it is handed to the guest host process (deliver_on_return: a completion
// with Action::kSignal and the channel's SignalDelivery block).
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "kernelprocs/proc.h"
#include "subsystem/personality.h"
#include "syscalls/signals.h"

namespace psx {
namespace {

constexpr uint64_t bit(int sig) { return 1ull << (sig - 1); }

// Calls Linux never restarts after a handler ran (they return EINTR).
bool restartable(Op op) {
  switch (op) {
    case Op::nanosleep: case Op::clock_nanosleep: case Op::poll: case Op::ppoll: case Op::select:
    case Op::pselect6: case Op::rt_sigsuspend: case Op::rt_sigtimedwait: case Op::pause:
      return false;
    default:
      return true;
  }
}

void put32(uint8_t* p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
void put64(uint8_t* p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }

}  // namespace

// siginfo_t as the ABI lays it out: three ints, then the union at 16 (x86-64)
// or 12 (riscv32, 32-bit longs and pointers).
void encode_siginfo(Abi abi, const SigInfo& si, uint8_t out[128]) {
  memset(out, 0, 128);
  bool wide = abi == Abi::kLinuxX86_64;
  size_t u = wide ? 16 : 12, w = wide ? 8 : 4;
  put32(out, 0, uint32_t(si.signo));
  put32(out, 8, uint32_t(si.code));
  bool fault = si.code > 0 && (si.signo == SIGSEGV || si.signo == SIGBUS || si.signo == SIGILL ||
                               si.signo == SIGFPE || si.signo == SIGTRAP);
  if (fault) {
    if (wide) put64(out, u, si.addr);
    else put32(out, u, uint32_t(si.addr));
    return;
  }
  put32(out, u, uint32_t(si.pid));
  put32(out, u + 4, si.uid);
  if (si.signo == SIGCHLD && si.code > 0) {
    put32(out, u + 8 + (wide ? 0 : 0), uint32_t(si.status));
  } else if (wide) {
    put64(out, u + 8, si.value);
  } else {
    put32(out, u + 8, uint32_t(si.value));
  }
  (void)w;
}

void PendingSignals::add(const SigInfo& si) {
  int sig = si.signo;
  auto& q = info[size_t(sig)];
  if (sig < 32) {  // below the real-time range
    if (set & bit(sig)) return;  // standard signals do not queue
    q.clear();
  } else if (q.size() >= 1024) {
    return;  // RLIMIT_SIGPENDING-like bound: a flood is dropped (EAGAIN for sigqueue)
  }
  q.push_back(si);
  set |= bit(sig);
}

SigInfo PendingSignals::take(int sig) {
  auto& q = info[size_t(sig)];
  SigInfo si;
  si.signo = sig;
  if (!q.empty()) {
    si = q.front();
    q.pop_front();
  }
  if (q.empty()) set &= ~bit(sig);
  return si;
}

void PendingSignals::discard(int sig) {
  info[size_t(sig)].clear();
  set &= ~bit(sig);
}

bool signal_ignored(const Personality& p, int sig) {
  const SignalAction& a = p.sigactions[size_t(sig)];
  if (a.handler == 1) return sig != SIGKILL && sig != SIGSTOP;
  return a.handler == 0 && default_ignores(sig);
}

void Personality::post_signal(const SigInfo& si, GuestThread* t) {
  int sig = si.signo;
  if (exited) return;
  if (sig == SIGKILL) {
    kill_process(SIGKILL);
    return;
  }
  if (sig == SIGCONT) {
    // Continuing discards pending stops, whatever SIGCONT's action.
    for (int s : {SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU}) {
      pending.discard(s);
      for (auto& th : threads_) th->pending.discard(s);
    }
    if (stopped) continue_process();
  } else if (default_stops(sig)) {
    pending.discard(SIGCONT);
    for (auto& th : threads_) th->pending.discard(SIGCONT);
  }
  if (sig == SIGSTOP) {
    stop_process(SIGSTOP);
    return;
  }
  // An ignored signal is dropped when it is generated, unless it is blocked:
  // the action may change before it is unblocked (Linux keeps it pending).
  GuestThread* target = t ? t : (threads_.empty() ? nullptr : threads_.front().get());
  bool blocked = target && (target->sigmask & bit(sig));
  if (signal_ignored(*this, sig) && !blocked) return;
  (t ? t->pending : pending).add(si);
  schedule_signals();
}

void Personality::force_signal(GuestThread& t, const SigInfo& si) {
  SignalAction& a = sigactions[size_t(si.signo)];
  if ((t.sigmask & bit(si.signo)) || a.handler == 1) {
    a = SignalAction{};
    t.sigmask &= ~bit(si.signo);
  }
  t.pending.add(si);
}

bool Personality::handler_signal_ready(GuestThread& t) const {
  uint64_t ready = (t.pending.set | pending.set) & ~t.sigmask;
  for (int sig = 1; sig <= 64 && ready; sig++)
    if ((ready & bit(sig)) && sigactions[size_t(sig)].handler > 1) return true;
  return false;
}

void Personality::stop_process(int sig) {
  if (stopped || exited) return;
  stopped = true;
  if (host_pid_ > 0) ::kill(host_pid_, SIGSTOP);
  tell_proc_state(sig);
}

void Personality::tell_proc_state(int sig) {
  Message m;
  m.dst = Proc::kAddress;
  m.src = address();
  m.op = kProcStateChanged;
  m.arg[0] = pid;
  m.arg[1] = sig;
  kernel_.send(m);
}

void Personality::tell_proc_sigchld() {
  const SignalAction& a = sigactions[SIGCHLD];
  Message m;
  m.dst = Proc::kAddress;
  m.src = address();
  m.op = kProcDisposition;
  m.arg[0] = pid;
  m.arg[1] = ((a.handler == 1 || (a.flags & SA_NOCLDWAIT)) ? 1 : 0) | ((a.flags & SA_NOCLDSTOP) ? 2 : 0);
  kernel_.send(m);
}

void Personality::continue_process() {
  stopped = false;
  if (host_pid_ > 0) ::kill(host_pid_, SIGCONT);
  tell_proc_state(0);
}

void Personality::schedule_signals() {
  if (exited) return;
  // Called after every call: nothing pending is the common case.
  uint64_t any = pending.set;
  for (auto& tp : threads_) any |= tp->pending.set;
  if (!any) return;
  // A thread in sigtimedwait takes the signals it waits for, blocked as they are.
  uint64_t awaited = 0;
  for (auto& tp : threads_) {
    GuestThread& t = *tp;
    if (!t.busy || t.call.op != Op::rt_sigtimedwait || !t.call.cont) continue;
    awaited |= t.call.st[0];
    if (((t.pending.set | pending.set) & t.call.st[0]) && !t.call.interrupted) interrupt(t);
  }
  // Default actions happen at once, whichever thread would take the signal.
  for (PendingSignals* ps : {&pending}) {
    uint64_t all_blocked = ~0ull;
    for (auto& t : threads_) all_blocked &= t->sigmask;
    uint64_t ready = ps->set & ~all_blocked & ~awaited;
    for (int sig = 1; sig <= 64 && ready; sig++) {
      if (!(ready & bit(sig)) || sigactions[size_t(sig)].handler > 1) continue;
      ps->take(sig);
      if (sigactions[size_t(sig)].handler == 1 || default_ignores(sig)) continue;
      if (default_stops(sig)) {
        stop_process(sig);
        continue;
      }
      kill_process(sig);
      return;
    }
  }
  for (auto& tp : threads_) {
    GuestThread& t = *tp;
    uint64_t ready = t.pending.set & ~t.sigmask & ~awaited;
    for (int sig = 1; sig <= 64 && ready; sig++) {
      if (!(ready & bit(sig)) || sigactions[size_t(sig)].handler > 1) continue;
      t.pending.take(sig);
      if (sigactions[size_t(sig)].handler == 1 || default_ignores(sig)) continue;
      if (default_stops(sig)) {
        stop_process(sig);
        continue;
      }
      kill_process(sig);
      return;
    }
  }
  // Handlers: a thread that can take the signal is interrupted (a parked
  // wait) or woken (its own code); one busy in a short call takes it at return.
  uint64_t process_ready = pending.set;
  for (auto& tp : threads_) {
    GuestThread& t = *tp;
    uint64_t mine = (t.pending.set | process_ready) & ~t.sigmask;
    if (!mine) continue;
    if (t.busy) {
      if (t.call.interruptible && !t.call.interrupted && t.call.cont) interrupt(t);
    } else {
      wake_thread(t);
    }
    process_ready &= t.sigmask;  // one thread is enough for a process signal
  }
}

void Personality::interrupt(GuestThread& t) {
  t.call.interrupted = true;
  if (t.call.parked_on.process != kNone) {
    // The owner answers the parked request with -EINTR (or its result, if it
    // already had one on the way): the continuation then ends the call.
    Message m;
    m.dst = t.call.parked_on;
    m.src = address();
    m.op = kOpCancel;
    m.arg[0] = t.call.wait_tag;
    kernel_.send(m);
    return;
  }
  // Parked here (a timer, a futex, sigsuspend): end the wait now.
  Message m;
  m.dst = address();
  m.src = Address{};
  m.flags = kMsgReply;
  m.tag = t.call.wait_tag;
  m.arg[0] = -EINTR;
  kernel_.send(m);
}

void Personality::wake_thread(GuestThread& t) {
  if (host_pid_ <= 0 || stopped) return;
  int host_tid = __atomic_load_n(&t.channel->shared()->host_tid, __ATOMIC_ACQUIRE);
  if (host_tid > 0) syscall(SYS_tgkill, host_pid_, host_tid, kWakeSignal);
  // The thread may have been on its way in or out of psx's code, where it
  // does not take the signal: try again shortly while it waits.
  if (!t.wake_timer) {
    Message m;
    m.dst = address();
    m.src = address();
    m.op = kOpWakeRetry;
    m.arg[0] = t.tid;
    t.wake_timer = kernel_.add_timer(Kernel::now_ns() + 5'000'000, m);
  }
}

void Personality::deliver_on_return(GuestThread& t, Outcome& o) {
  if (exited || o.action != Action::kNone) return;
  for (;;) {
    uint64_t ready = (t.pending.set | pending.set) & ~t.sigmask;
    if (!ready) {
      if (t.call.mask_swapped) t.sigmask = t.call.saved_mask;  // sigsuspend's mask ends with the call
      t.call.mask_swapped = false;
      return;
    }
    int sig = __builtin_ctzll(ready) + 1;
    // Synchronous signals (faults) first, as Linux does.
    for (int s : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP})
      if (ready & bit(s)) {
        sig = s;
        break;
      }
    SigInfo si = (t.pending.set & bit(sig)) ? t.pending.take(sig) : pending.take(sig);
    SignalAction& act = sigactions[size_t(sig)];
    if (act.handler == 1) continue;
    if (act.handler == 0) {
      if (default_ignores(sig)) continue;
      if (default_stops(sig)) {
        stop_process(sig);
        continue;
      }
      o = Outcome::done(o.result).with(Action::kKillSelf, uint64_t(sig));
      exit_status = sig;
      return;
    }
    SignalDelivery& d = t.channel->shared()->signal;
    d.handler = act.handler;
    d.flags = act.flags;
    d.restorer = act.restorer;
    // sigsuspend (and its kind) ran with a temporary mask: the handler's
    // return restores the one from before the call.
    d.saved_mask = t.call.mask_swapped ? t.call.saved_mask : t.sigmask;
    d.ss_sp = t.ss_sp;
    d.ss_size = t.ss_size;
    d.ss_flags = t.ss_flags;
    d.restart = o.result == -EINTR && t.call.interrupted && (act.flags & SA_RESTART) && restartable(t.call.op);
    encode_siginfo(abi, si, d.siginfo);
    uint64_t base = t.call.mask_swapped ? t.call.saved_mask : t.sigmask;
    t.call.mask_swapped = false;
    t.sigmask = (base | act.mask | ((act.flags & SA_NODEFER) ? 0 : bit(sig))) & ~(bit(SIGKILL) | bit(SIGSTOP));
    if (act.flags & SA_RESETHAND) act = SignalAction{};
    o.with(Action::kSignal, uint64_t(sig));
    return;
  }
}

void Personality::arm_itimer(uint64_t deadline_ns, uint64_t interval_ns) {
  if (itimer_real) kernel_.cancel_timer(itimer_real);
  itimer_real = 0;
  itimer_deadline = deadline_ns;
  itimer_interval = interval_ns;
  if (!deadline_ns) return;
  Message m;
  m.dst = address();
  m.src = address();
  m.op = kOpItimer;
  itimer_real = kernel_.add_timer(deadline_ns, m);
}

void Personality::itimer_expired() {
  itimer_real = 0;
  if (exited) return;
  if (itimer_interval) arm_itimer(itimer_deadline + itimer_interval, itimer_interval);
  else itimer_deadline = 0;
  SigInfo si;
  si.signo = SIGALRM;
  si.code = 0x80;  // SI_KERNEL
  post_signal(si);
}

}  // namespace psx
