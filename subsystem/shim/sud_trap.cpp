// The SIGSYS road (Syscall User Dispatch) and the wake signal: the two host
// signal handlers of a native guest's host threads. Both run on the thread's
// host signal stack with every host signal blocked, and have the guest's
// whole register set in the host ucontext. Freestanding: see shim.h.
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "kernelprocs/channel_guest.h"
#include "subsystem/shim/shim.h"

namespace psx::shim {

State g_state;

void call_with_registers(ThreadBlock* tb, long nr, const uint64_t* args, void* uc_v) {
  auto* uc = static_cast<ucontext_t*>(uc_v);
  if (nr == SYS_rt_sigreturn) {
    void sigreturn_from_frame(ThreadBlock*, ucontext_t*);
    sigreturn_from_frame(tb, uc);
    return;
  }
  Completion c = call(tb, nr, args, Road::kSud);
  mark_on_alt_stack(nr, args, c, uint64_t(uc->uc_mcontext.gregs[REG_RSP]));
  finish_with_registers(tb, c, uc, nr);
}

extern "C" void psx_sigsys_handler(int, void* info_v, void* uc_v) {
  auto* info = static_cast<siginfo_t*>(info_v);
  auto* uc = static_cast<ucontext_t*>(uc_v);
  greg_t* r = uc->uc_mcontext.gregs;
  ThreadBlock* tb = current();
  tb->in_shim = 1;
  if (info->si_syscall == kBounceNr && uint64_t(r[REG_RIP]) == uint64_t(psx_bounce_pad_end) &&
      tb->bounce != kBounceNone) {
    // A rewritten site's call handed over: the registers are the guest's at
    // the site, except where it resumes (and rcx/r11, which a syscall sets).
    uint8_t kind = tb->bounce;
    tb->bounce = kBounceNone;
    r[REG_RIP] = greg_t(tb->bounce_resume);
    r[REG_RCX] = greg_t(tb->bounce_resume);
    r[REG_R11] = r[REG_EFL];
    if (kind == kBounceCall) {
      uint64_t args[6];
      for (int i = 0; i < 6; i++) args[i] = tb->bounce_args[i];
      call_with_registers(tb, tb->bounce_nr, args, uc);
    } else {
      Completion c = tb->bounce_completion;
      finish_with_registers(tb, c, uc, tb->bounce_nr);
    }
  } else {
    const uint64_t args[6] = {uint64_t(r[REG_RDI]), uint64_t(r[REG_RSI]), uint64_t(r[REG_RDX]),
                              uint64_t(r[REG_R10]), uint64_t(r[REG_R8]),  uint64_t(r[REG_R9])};
    call_with_registers(tb, info->si_syscall, args, uc);
  }
  tb->in_shim = 0;
}

// kWakeSignal: a guest signal waits for this thread. Taken only when the
// thread runs guest code: inside the shim (a call in progress, or on the shim
// stack) the signal comes with the call's completion, or the kernel host asks
// again a little later.
extern "C" void psx_wake_handler(int, void*, void* uc_v) {
  auto* uc = static_cast<ucontext_t*>(uc_v);
  ThreadBlock* tb = current();
  if (!tb || tb->in_shim) return;
  uint64_t sp = uint64_t(uc->uc_mcontext.gregs[REG_RSP]);
  if (tb->stack_lo && sp >= tb->stack_lo && sp <= tb->stack_top) return;
  tb->in_shim = 1;
  Completion c = psx_call(tb, kPsxSignalCheck);
  finish_with_registers(tb, c, uc, -1, true);
  tb->in_shim = 0;
}

// A CPU fault in guest code (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP): the
// personality decides, as for the emulator's faults — the guest's handler,
// or the default action (the host process ends by that signal).
extern "C" void psx_fault_handler(int sig, void* info_v, void* uc_v) {
  auto* info = static_cast<siginfo_t*>(info_v);
  auto* uc = static_cast<ucontext_t*>(uc_v);
  ThreadBlock* tb = current();
  if (!tb || tb->in_shim) {
    // psx's own fault: end the way an unhandled fault ends.
    Completion c{};
    c.action = Action::kKillSelf;
    c.a[0] = uint64_t(sig);
    perform_action(tb, c);
  }
  tb->in_shim = 1;
  Frame f{};
  f.tag = ++tb->next_tag;
  f.abi = Abi::kLinuxX86_64;
  f.flags = kFrameFault;
  f.nr = sig;
  f.tid = tb->tid;
  f.args[0] = uint64_t(info->si_addr);
  f.args[1] = uint64_t(uc->uc_mcontext.gregs[REG_RIP]);
  f.args[2] = uint64_t(info->si_code);
  Completion c = channel_call(tb->channel, tb->doorbell_fd, f, psx_raw_syscall);
  finish_with_registers(tb, c, uc, -1, true);
  tb->in_shim = 0;
}

}  // namespace psx::shim
