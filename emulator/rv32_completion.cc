// Completions carried out with the engine stopped: memory actions, fork,
// signal delivery (a Linux riscv32 rt_sigframe, rv32_sigframe.h) and
// rt_sigreturn, and the kWakeSignal handler that stops a running guest so a
// waiting signal can be asked for (kPsxSignalCheck).
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "emulator/rv32_guest.h"
#include "syscalls/linux_riscv32_numbers.h"

namespace psx::emu {
namespace {

constexpr uint64_t kSiKernel = 0x80;  // si_code of a signal the kernel forces (a bad frame)
constexpr int kA0 = 10, kSp = 2, kRa = 1, kTp = 4;

std::string apply_memory_action(GuestMemory& mem, const Completion& c) {
  switch (c.action) {
    case Action::kMap:
      return mem.map(c.a[0], c.a[1], c.a[2], uint32_t(c.a[3]), (c.a[4] & kMapReplace) != 0);
    case Action::kUnmap: return mem.unmap(c.a[0], c.a[1]);
    case Action::kProtect: return mem.protect(c.a[0], c.a[1], uint32_t(c.a[2]));
    case Action::kRemap: {
      // The new range first (replacing), then the parts of the old one it
      // does not cover; both drop translated code for executable ranges.
      uint64_t old_lo = c.a[0], old_hi = c.a[0] + c.a[1], lo = c.a[2], hi = c.a[2] + c.a[3];
      if (auto err = mem.map(lo, c.a[3], c.a[4], uint32_t(c.a[5]), true); !err.empty()) return err;
      uint64_t below = std::min(old_hi, lo), above = std::max(old_lo, hi);
      if (old_lo < below)
        if (auto err = mem.unmap(old_lo, below - old_lo); !err.empty()) return err;
      if (above < old_hi) return mem.unmap(above, old_hi - above);
      return "";
    }
    default: return "not a memory action";
  }
}

// Action::kFork. Returns the completion that ends the call in this process:
// the parent's kPsxForkDone answer (its result is fork's), or the child's
// kPsxForkChild answer with result 0.
std::optional<Completion> fork(Guest& g, const Completion& c, const Frame& clone) {
  long host_pid = g.port->fork_host(uint32_t(c.a[0]), (c.a[2] & 1) != 0);
  Completion done;
  if (host_pid != 0) {
    Frame f = g.frame(kPsxForkDone, kFramePsx);
    f.args[0] = uint64_t(host_pid);
    if (!g.call(f, &done)) return std::nullopt;
    return done;
  }
  if (!g.call(g.frame(kPsxForkChild, kFramePsx), &done)) return std::nullopt;
  if (std::string err = g.port->fork_child_remap(); !err.empty()) {
    g.error = "fork: " + err;
    return std::nullopt;
  }
  // clone with a new stack (posix_spawn's CLONE_VM|CLONE_VFORK, run as a
  // fork): the child starts on it. The kernel host passes it in a[1]; the
  // frame's own argument is the fallback.
  uint64_t sp = c.a[1] ? c.a[1] : clone.nr == rv32::kClone ? clone.args[1] : 0;
  if (sp) g.set_reg(kSp, uint32_t(sp));
  done.result = 0;
  return done;
}

// Action::kSignal: the frame on the guest's (or the alternate) stack, and the
// registers Linux gives a handler.
std::string deliver(Guest& g, const Completion& c, Origin origin, const Frame* call) {
  SignalDelivery d = g.port->signal_delivery();
  int sig = int(c.a[0]);
  Rv32Context ctx = g.context();
  if (origin == Origin::kCall) {
    if (d.restart && call) {
      // SA_RESTART as Linux does it on riscv: the saved pc is the ecall
      // again (always 4 bytes) with a0 as the guest passed it, so returning
      // from the handler re-issues the call; a handler that longjmps does not.
      ctx.x[0] = g.resume_pc - 4;
      ctx.x[kA0] = uint32_t(call->args[0]);
    } else {
      ctx.x[kA0] = uint32_t(c.result);
    }
  }
  auto at = sigframe_address(ctx.x[kSp], d);
  auto bytes = build_sigframe(ctx, d);
  if (!at || !g.mem->write(*at, bytes.data(), bytes.size())) {
    // Linux's force_sigsegv: SIGSEGV instead, by its default action if that
    // is what could not be delivered.
    g.set_context(ctx);
    if (sig == SIGSEGV) kill_self(SIGSEGV);
    return raise_fault(g, Fault{SIGSEGV, 0, ctx.x[0], kSiKernel});
  }
  if (g.mem->has_writable_code()) g.mem->drop_writable_code_translations();
  ctx.x[0] = uint32_t(d.handler);
  ctx.x[kRa] = g.sigreturn_va;
  ctx.x[kSp] = *at;
  ctx.x[kA0] = uint32_t(sig);
  ctx.x[kA0 + 1] = *at + kFrameInfo;
  ctx.x[kA0 + 2] = *at + kFrameUc;
  g.set_context(ctx);
  return "";
}

}  // namespace

[[noreturn]] void kill_self(int sig) {
  // The guest died by `sig`: so must its host process, so that the parent
  // sees WIFSIGNALED. No host core file: it would hold the emulator, not the guest.
  struct rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(sig);
  _exit(128 + (sig & 0x7f));  // a signal whose default is to ignore
}

bool apply_inline_action(Guest& g, const Completion& c) {
  switch (c.action) {
    case Action::kNone: return true;
    case Action::kSetThreadPointer: g.set_reg(kTp, uint32_t(c.a[0])); return true;
    case Action::kExit: _exit(int(c.a[0] & 0xff));
    case Action::kKillSelf: kill_self(int(c.a[0]));
    default: return false;
  }
}

Rv32Context Guest::context() {
  Rv32Context c;
  for (int r = 1; r < 32; ++r) c.x[r] = reg(r);
  c.x[0] = resume_pc;
  return c;
}

void Guest::set_context(const Rv32Context& c) {
  for (int r = 1; r < 32; ++r) set_reg(r, c.x[r]);
  resume_pc = c.x[0];
}

Frame Guest::frame(int32_t nr, uint16_t flags) {
  Frame f{};
  f.tag = next_tag++;
  f.abi = Abi::kLinuxRiscv32;
  f.flags = flags;
  f.nr = nr;
  f.tid = 0;  // the personality knows which thread its channel serves
  return f;
}

bool Guest::call(const Frame& f, Completion* c) {
  set_in_call(true);
  *c = port->call(f);
  set_in_call(false);
  if (c->tag == f.tag) return true;
  error = "completion tag does not match the frame";
  return false;
}

std::string perform(Guest& g, Completion c, Origin origin, const Frame* call) {
  for (;;) {
    switch (c.action) {
      case Action::kNone:
      case Action::kSetThreadPointer:
      case Action::kExit:
      case Action::kKillSelf:
        if (origin == Origin::kCall) g.set_reg(kA0, uint32_t(c.result));
        apply_inline_action(g, c);
        return "";
      case Action::kMap:
      case Action::kUnmap:
      case Action::kProtect:
      case Action::kRemap:
        if (auto err = apply_memory_action(*g.mem, c); !err.empty()) return "completion action: " + err;
        if (origin == Origin::kCall) g.set_reg(kA0, uint32_t(c.result));
        if (g.mem->has_writable_code()) g.mem->drop_writable_code_translations();
        return "";
      case Action::kFork: {
        if (origin != Origin::kCall || !call) return "fork action outside a call";
        auto next = fork(g, c, *call);
        if (!next) return g.error;
        c = *next;  // its own action (a signal for the new process) comes next
        call = nullptr;  // nothing to restart: a fork is not interrupted
        continue;
      }
      case Action::kSignal:
        return deliver(g, c, origin, call);
      case Action::kCloneThread:
      case Action::kExitThread:
        return "the kernel host sent a thread action: riscv32 guests have one thread (emulator/README.md)";
      default: {
        char buf[64];
        snprintf(buf, sizeof buf, "completion carries unknown action %u", unsigned(c.action));
        return buf;
      }
    }
  }
}

std::string raise_fault(Guest& g, const Fault& fault) {
  g.resume_pc = uint32_t(fault.pc);
  Frame f = g.frame(fault.signal, kFrameFault);
  f.args[0] = fault.addr;
  f.args[1] = fault.pc;
  f.args[2] = fault.code;
  Completion c;
  if (!g.call(f, &c)) return g.error;
  // A fault the kernel host neither kills for nor hands to a handler would
  // only fault again.
  if (c.action == Action::kNone) return "the kernel host resumed a faulted guest without a handler";
  return perform(g, c, Origin::kNoResult, nullptr);
}

std::string signal_return(Guest& g) {
  // As Linux's rt_sigreturn: sp points at the rt_sigframe the delivery built
  // (the handler's own stack use is above it, popped by its return).
  uint64_t uc_va = uint64_t(g.reg(kSp)) + kFrameUc;
  uint8_t uc[kUcSize];
  if (!g.mem->read(uc_va, uc, sizeof uc)) return raise_fault(g, Fault{SIGSEGV, 0, g.resume_pc, kSiKernel});
  SigreturnState s = parse_ucontext(uc);
  g.set_context(s.ctx);
  // The personality restores the mask; its answer may carry the next signal,
  // delivered over the restored registers.
  Frame f = g.frame(rv32::kRtSigreturn, 0);
  f.args[0] = s.mask;
  Completion c;
  if (!g.call(f, &c)) return g.error;
  return perform(g, c, Origin::kNoResult, nullptr);
}

std::string signal_check(Guest& g) {
  Completion c;
  if (!g.call(g.frame(kPsxSignalCheck, kFramePsx), &c)) return g.error;
  return perform(g, c, Origin::kNoResult, nullptr);
}

// --- kWakeSignal ---------------------------------------------------------
// Unicorn 2.0.1 cannot be stopped precisely from a signal handler:
// uc_emu_stop's exit request is also checked after every load and store
// inside a translation block, and Unicorn then reports the block's start as
// the pc with the registers and memory of the middle of the block, so
// resuming runs the block's first instructions twice (README.md). The
// handler therefore only sets a flag; uc_emu_stop is called from the block
// hook, synchronously, where the pc is exact.
namespace {
volatile sig_atomic_t g_in_call = 0, g_woken = 0;

void on_wake(int, siginfo_t*, void*) {
  // In a round trip: the personality delivers at the call's return.
  if (!g_in_call) g_woken = 1;
}
}  // namespace

void install_wake_handler() {
  struct sigaction sa = {};
  sa.sa_sigaction = on_wake;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&sa.sa_mask);
  sigaction(kWakeSignal, &sa, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, kWakeSignal);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

bool take_wake() {
  if (!g_woken) return false;
  g_woken = 0;
  return true;
}
bool wake_pending() { return g_woken != 0; }
void set_in_call(bool on) { g_in_call = on; }

}  // namespace psx::emu
