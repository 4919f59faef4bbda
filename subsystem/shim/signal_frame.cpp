// A guest signal's frame on the guest's stack (x86-64 Linux's rt_sigframe:
// the restorer's address, a ucontext, the siginfo; the FP state below them),
// the jump into the handler, and rt_sigreturn's way back. The registers
// come from and go to the host ucontext of the SIGSYS or wake handler, so the
// host's own sigreturn loads them. Freestanding: see shim.h.
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "subsystem/shim/shim.h"

namespace psx::shim {
namespace {

// The kernel's struct ucontext (what a handler's third argument points at;
// libc's ucontext_t has the same layout up to and including uc_sigmask's first word).
struct GuestUcontext {
  uint64_t uc_flags, uc_link;
  uint64_t ss_sp;
  int32_t ss_flags, ss_pad;
  uint64_t ss_size;
  uint64_t gregs[kGregs];
  uint64_t fpregs;
  uint64_t reserved1[8];  // psx keeps its restart note here (kRestartMagic)
  uint64_t uc_sigmask;
};
static_assert(sizeof(GuestUcontext) == 304);

struct GuestFrame {
  uint64_t pretcode;
  GuestUcontext uc;
  uint8_t info[128];
};

constexpr uint64_t kRestartMagic = 0x7073787265737472;  // "psxrestr"
constexpr uint64_t kFpRegisterBytes = 416;  // fxsave's registers; the rest is reserved or the host's
constexpr uint64_t kUserFlags = 0x40DD5;    // CF PF AF ZF SF TF DF OF AC: what sigreturn may set
constexpr int kSaOnStack = 0x08000000, kSsOnStack = 1;

void copy(void* dst, const void* src, uint64_t n) {
  auto* d = static_cast<uint8_t*>(dst);
  auto* s = static_cast<const uint8_t*>(src);
  for (uint64_t i = 0; i < n; i++) d[i] = s[i];
}

[[noreturn]] void die_by_segv(ThreadBlock* tb) {
  Completion c{};
  c.action = Action::kKillSelf;
  c.a[0] = SIGSEGV;
  perform_action(tb, c);
  __builtin_unreachable();
}

// Builds the frame for signal sig (details in the channel's SignalDelivery)
// over the registers in uc and points them at the handler. restart_nr >= 0:
// the interrupted call is re-issued when the handler returns.
void deliver(ThreadBlock* tb, ucontext_t* uc, int sig, long restart_nr) {
  SignalDelivery d = tb->channel->signal;
  greg_t* r = uc->uc_mcontext.gregs;
  uint64_t sp = uint64_t(r[REG_RSP]);
  bool on_alt = d.ss_size && sp - d.ss_sp < d.ss_size;
  if ((d.flags & kSaOnStack) && d.ss_size && !on_alt) {
    sp = d.ss_sp + d.ss_size;
    on_alt = true;
  } else {
    sp -= 128;  // the interrupted code's red zone
  }
  uint64_t fp = (sp - 512) & ~63ull;
  uint64_t frame = ((fp - sizeof(GuestFrame)) & ~15ull) - 8;  // as after a call: rsp+8 is 16-aligned
  if (!g_state.map.writable(frame, fp + 512 - frame)) die_by_segv(tb);
  auto* f = reinterpret_cast<GuestFrame*>(frame);
  auto* fpdst = reinterpret_cast<uint8_t*>(fp);
  for (int i = 0; i < 512; i++) fpdst[i] = 0;
  if (uc->uc_mcontext.fpregs) copy(fpdst, uc->uc_mcontext.fpregs, kFpRegisterBytes);
  f->pretcode = d.restorer;
  f->uc.uc_flags = 0;
  f->uc.uc_link = 0;
  f->uc.ss_sp = d.ss_sp;
  f->uc.ss_flags = int32_t(d.ss_flags) | (on_alt ? kSsOnStack : 0);
  f->uc.ss_pad = 0;
  f->uc.ss_size = d.ss_size;
  for (int i = 0; i < kGregs; i++) f->uc.gregs[i] = uint64_t(r[i]);
  f->uc.fpregs = fp;
  for (auto& w : f->uc.reserved1) w = 0;
  if (restart_nr >= 0) {
    f->uc.reserved1[0] = kRestartMagic;
    f->uc.reserved1[1] = uint64_t(restart_nr);
  }
  f->uc.uc_sigmask = d.saved_mask;
  copy(f->info, d.siginfo, 128);
  r[REG_RIP] = greg_t(d.handler);
  r[REG_RSP] = greg_t(frame);
  r[REG_RDI] = sig;
  r[REG_RSI] = greg_t(uint64_t(f->info));
  r[REG_RDX] = greg_t(uint64_t(&f->uc));
  r[REG_RAX] = 0;
  r[REG_EFL] &= ~greg_t(0x10000 | 0x400 | 0x100);  // RF, DF, TF
}

}  // namespace

void finish_with_registers(ThreadBlock* tb, const Completion& c, void* uc_v, long nr, bool keep_rax) {
  auto* uc = static_cast<ucontext_t*>(uc_v);
  greg_t* r = uc->uc_mcontext.gregs;
  switch (c.action) {
    case Action::kFork: {
      long do_fork(ThreadBlock*, const Completion&, ucontext_t*);
      do_fork(tb, c, uc);
      return;
    }
    case Action::kCloneThread: {
      void do_clone_thread(ThreadBlock*, const Completion&, ucontext_t*);
      do_clone_thread(tb, c, uc);
      r[REG_RAX] = greg_t(c.result);
      return;
    }
    case Action::kSignal: {
      bool restart = tb->channel->signal.restart && nr >= 0;
      if (!keep_rax) r[REG_RAX] = greg_t(c.result);
      deliver(tb, uc, int(c.a[0]), restart ? nr : -1);
      return;
    }
    default:
      perform_action(tb, c);
      if (!keep_rax) r[REG_RAX] = greg_t(c.result);
  }
}

// rt_sigreturn: the registers come back from the frame the handler returned
// through (rsp points just past its restorer address, at the ucontext).
void sigreturn_from_frame(ThreadBlock* tb, ucontext_t* uc) {
  greg_t* r = uc->uc_mcontext.gregs;
  uint64_t at = uint64_t(r[REG_RSP]);
  if (!g_state.map.writable(at, sizeof(GuestUcontext))) die_by_segv(tb);
  GuestUcontext g;
  copy(&g, reinterpret_cast<const void*>(at), sizeof g);
  uint64_t flags = (uint64_t(r[REG_EFL]) & ~kUserFlags) | (g.gregs[REG_EFL] & kUserFlags);
  for (int i = 0; i < kGregs; i++) {
    if (i == REG_CSGSFS || i == REG_ERR || i == REG_TRAPNO || i == REG_OLDMASK || i == REG_CR2) continue;
    r[i] = greg_t(g.gregs[i]);
  }
  r[REG_EFL] = greg_t(flags);
  if (g.fpregs && uc->uc_mcontext.fpregs && g_state.map.writable(g.fpregs, 512))
    copy(uc->uc_mcontext.fpregs, reinterpret_cast<const void*>(g.fpregs), kFpRegisterBytes);
  long restart_nr = g.reserved1[0] == kRestartMagic ? long(g.reserved1[1]) : -1;
  // The personality restores the mask; it may hand over another signal,
  // delivered over the restored registers (the restart note goes with them).
  const uint64_t args[6] = {g.uc_sigmask, 0, 0, 0, 0, 0};
  Completion c = call(tb, SYS_rt_sigreturn, args, Road::kSud);
  if (c.action == Action::kSignal) {
    deliver(tb, uc, int(c.a[0]), restart_nr);
    return;
  }
  perform_action(tb, c);
  if (restart_nr >= 0) {
    // SA_RESTART: the interrupted call again, with its arguments (a syscall
    // leaves them in their registers).
    const uint64_t again[6] = {uint64_t(r[REG_RDI]), uint64_t(r[REG_RSI]), uint64_t(r[REG_RDX]),
                               uint64_t(r[REG_R10]), uint64_t(r[REG_R8]),  uint64_t(r[REG_R9])};
    call_with_registers(tb, restart_nr, again, uc);
  }
}

}  // namespace psx::shim
