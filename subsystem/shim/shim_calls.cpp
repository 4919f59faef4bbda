// forward_call: one guest system call, from either road (SIGSYS or a
// rewritten site). Freestanding: see shim.h.
//
// Answered here, without the kernel host, when the identity page allows it
// (not under --trace, so every call still shows in the trace):
//   getpid getppid gettid getuid geteuid getgid getegid — from the page the
//     personality keeps current;
//   clock_gettime (clocks that are the same in every process: realtime,
//     monotonic, monotonic_raw, the coarse ones, boottime, tai), gettimeofday,
//     time — through the host vDSO, which reads the kernel's clock page and
//     uses no TLS and no vector registers (verified on the host's vDSO: it has
//     no %fs/%gs access, and the clock functions no xmm use). A pointer is
//     written only when the shim's copy of the guest's mappings shows it
//     writable; otherwise the kernel host answers, and gives EFAULT exactly
//     as before. The CPU-time clocks go to the kernel host.
// The results are the kernel host's: the same clocks (gettimeofday's
// timezone reads as zero there too), the same identity values.
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kernelprocs/channel_guest.h"
#include "subsystem/shim/shim.h"

namespace psx::shim {

long sys(long nr, long a, long b, long c, long d, long e, long f) { return psx_raw_syscall(nr, a, b, c, d, e, f); }

namespace {

bool shared_clock(long clk) {
  switch (clk) {
    case 0: case 1: case 4: case 5: case 6: case 7: case 11:  // REALTIME … TAI, not the CPU clocks
      return true;
  }
  return false;
}

// The vDSO may fall back to a real syscall (a clock source it cannot read):
// open the dispatch selector so that syscall runs on the host, which is the
// kernel host's answer too, instead of trapping inside the shim.
template <typename F>
long with_selector_open(F f) {
  ThreadBlock* tb = current();
  tb->selector = 0;
  long r = f();
  tb->selector = 1;
  return r;
}

// True with *result set when the call was answered here.
bool answer_locally(long nr, const uint64_t* a, long* result) {
  const Identity* id = g_state.identity;
  if (!id || __atomic_load_n(&id->magic, __ATOMIC_ACQUIRE) != kIdentityMagic || !id->answer_locally) return false;
  switch (nr) {
    case SYS_getpid: *result = id->pid; return true;
    case SYS_getppid: *result = id->ppid; return true;
    case SYS_gettid: *result = current()->tid; return true;
    case SYS_getuid: *result = id->uid; return true;
    case SYS_geteuid: *result = id->euid; return true;
    case SYS_getgid: *result = id->gid; return true;
    case SYS_getegid: *result = id->egid; return true;
    case SYS_clock_gettime: {
      if (!g_state.vdso.clock_gettime || !shared_clock(long(a[0])) || !g_state.map.writable(a[1], 16)) return false;
      *result = with_selector_open([&] { return long(g_state.vdso.clock_gettime(int(a[0]), reinterpret_cast<void*>(a[1]))); });
      return true;
    }
    case SYS_gettimeofday: {
      if (!g_state.vdso.clock_gettime) return false;
      if (a[0] && !g_state.map.writable(a[0], 16)) return false;
      if (a[1] && !g_state.map.writable(a[1], 8)) return false;
      int64_t ts[2];
      long r = with_selector_open([&] { return long(g_state.vdso.clock_gettime(0 /*REALTIME*/, ts)); });
      if (r != 0) return false;
      if (a[0]) {
        auto* tv = reinterpret_cast<int64_t*>(a[0]);
        tv[0] = ts[0];
        tv[1] = ts[1] / 1000;
      }
      if (a[1]) *reinterpret_cast<int64_t*>(a[1]) = 0;  // struct timezone: UTC, no DST
      *result = 0;
      return true;
    }
    case SYS_time: {
      if (!g_state.vdso.time || (a[0] && !g_state.map.writable(a[0], 8))) return false;
      *result = with_selector_open([&] { return g_state.vdso.time(reinterpret_cast<long*>(a[0])); });
      return true;
    }
  }
  return false;
}

}  // namespace

[[noreturn]] void die(const char* msg) {
  long n = 0;
  while (msg[n]) n++;
  sys(SYS_write, 2, long("psx: shim: "), 11);
  sys(SYS_write, 2, long(msg), n);
  sys(SYS_write, 2, long("\n"), 1);
  sys(SYS_exit_group, 127);
  __builtin_unreachable();
}

void perform_action(ThreadBlock* tb, const Completion& c) {
  switch (c.action) {
    case Action::kNone:
      return;
    case Action::kMap: {
      long flags = MAP_SHARED | ((c.a[4] & kMapReplace) ? MAP_FIXED : MAP_FIXED_NOREPLACE);
      long r = sys(SYS_mmap, long(c.a[0]), long(c.a[1]), long(c.a[3]), flags, g_state.memory_fd, long(c.a[2]));
      if (r != long(c.a[0])) die("cannot map guest memory at the address the kernel host chose");
      g_state.map.set(c.a[0], c.a[0] + c.a[1], uint32_t(c.a[3]));
      return;
    }
    case Action::kUnmap:
      sys(SYS_munmap, long(c.a[0]), long(c.a[1]));
      g_state.map.remove(c.a[0], c.a[0] + c.a[1]);
      return;
    case Action::kProtect:
      if (sys(SYS_mprotect, long(c.a[0]), long(c.a[1]), long(c.a[2])) != 0) die("mprotect of guest memory failed");
      g_state.map.protect(c.a[0], c.a[0] + c.a[1], uint32_t(c.a[2]));
      return;
    case Action::kRemap: {
      // The new range first, then what is left of the old one: the bytes live
      // in the memory object, so nothing is lost in between.
      uint64_t old_lo = c.a[0], old_hi = c.a[0] + c.a[1], lo = c.a[2], hi = c.a[2] + c.a[3];
      long r = sys(SYS_mmap, long(lo), long(c.a[3]), long(c.a[5]), MAP_SHARED | MAP_FIXED, g_state.memory_fd,
                   long(c.a[4]));
      if (r != long(lo)) die("cannot map guest memory at the address the kernel host chose");
      g_state.map.set(lo, hi, uint32_t(c.a[5]));
      uint64_t below = old_hi < lo ? old_hi : lo, above = old_lo > hi ? old_lo : hi;
      if (old_lo < below) {
        sys(SYS_munmap, long(old_lo), long(below - old_lo));
        g_state.map.remove(old_lo, below);
      }
      if (above < old_hi) {
        sys(SYS_munmap, long(above), long(old_hi - above));
        g_state.map.remove(above, old_hi);
      }
      return;
    }
    case Action::kSetThreadPointer:
      sys(SYS_arch_prctl, 0x1002 /*ARCH_SET_FS*/, long(c.a[0]));
      return;
    case Action::kExit:
      sys(SYS_exit_group, long(c.a[0]));
      __builtin_unreachable();
    case Action::kExitThread:
      // The thread's channel and stacks go with it; the first thread's
      // stacks are the process's own.
      sys(SYS_munmap, long(tb->channel), long(sizeof(ChannelShared)));
      sys(SYS_close, tb->doorbell_fd);
      sys(SYS_close, tb->control_fd);
      if (tb->area) psx_thread_exit(tb->area, tb->area_len);
      sys(SYS_exit, 0);
      __builtin_unreachable();
    case Action::kKillSelf: {
      long sig = long(c.a[0]);
      // Default disposition, unblocked, then raise it: the host process ends
      // exactly as a native one would.
      struct {
        unsigned long handler, flags, restorer, mask;
      } dfl = {0, 0, 0, 0};
      sys(SYS_rt_sigaction, sig, long(&dfl), 0, 8);
      unsigned long set = 1ul << (sig - 1);
      sys(SYS_rt_sigprocmask, 1 /*SIG_UNBLOCK*/, long(&set), 0, 8);
      sys(SYS_kill, sys(SYS_getpid), sig);
      sys(SYS_exit_group, 128 + sig);
      __builtin_unreachable();
    }
    case Action::kFork:
    case Action::kCloneThread:
    case Action::kSignal:
      die("a completion that needs the registers reached the register-less road");
  }
  die("unknown action from the kernel host");
}

Completion call(ThreadBlock* tb, long nr, const uint64_t* args, Road road) {
  if (Counters* k = g_state.counters) {
    if (road == Road::kSud) k->sud++;
    else k->rewritten++;
  }
  long local;
  if (answer_locally(nr, args, &local)) {
    if (g_state.counters) g_state.counters->local++;
    Completion c{};
    c.result = local;
    return c;
  }
  Frame f;
  f.tag = ++tb->next_tag;
  f.abi = Abi::kLinuxX86_64;
  f.flags = 0;
  f.nr = int32_t(nr);
  f.tid = tb->tid;
  for (int i = 0; i < 6; i++) f.args[i] = args[i];
  Completion c = channel_call(tb->channel, tb->doorbell_fd, f, psx_raw_syscall);
  if (c.tag != f.tag) die("completion does not match the frame");
  return c;
}

void mark_on_alt_stack(long nr, const uint64_t* args, const Completion& c, uint64_t sp) {
  // Only the thread knows its stack pointer: sigaltstack's old-stack answer
  // says SS_ONSTACK when the thread runs on the stack it names.
  if (nr != SYS_sigaltstack || c.result != 0 || !args[1] || !g_state.map.writable(args[1], 24)) return;
  auto* ss = reinterpret_cast<uint64_t*>(args[1]);
  uint32_t flags = uint32_t(ss[1]);
  if (!(flags & 2 /*SS_DISABLE*/) && sp - ss[0] < ss[2]) ss[1] = (ss[1] & ~0xffffffffull) | (flags | 1 /*SS_ONSTACK*/);
}

Completion psx_call(ThreadBlock* tb, int32_t what, uint64_t a0) {
  Frame f{};
  f.tag = ++tb->next_tag;
  f.abi = Abi::kLinuxX86_64;
  f.flags = kFramePsx;
  f.nr = what;
  f.tid = tb->tid;
  f.args[0] = a0;
  Completion c = channel_call(tb->channel, tb->doorbell_fd, f, psx_raw_syscall);
  if (c.tag != f.tag) die("completion does not match the frame");
  return c;
}

namespace {
// Calls whose completion needs every register: they take the SIGSYS road.
bool needs_registers(long nr) {
  return nr == SYS_rt_sigreturn || nr == SYS_fork || nr == SYS_vfork || nr == SYS_clone;
}
bool register_action(Action a) { return a == Action::kFork || a == Action::kCloneThread || a == Action::kSignal; }
}  // namespace

}  // namespace psx::shim

// args[6] = rflags, args[7] = the resume address, args[8] = the guest's rsp
// (stub_entry.S pushed them there and pops them back).
extern "C" long psx_stub_syscall(long nr, uint64_t* args) {
  using namespace psx::shim;
  ThreadBlock* tb = current();
  tb->in_shim = 1;
  long result;
  if (needs_registers(nr)) {
    tb->bounce = kBounceCall;
    tb->bounce_nr = nr;
    for (int i = 0; i < 6; i++) tb->bounce_args[i] = args[i];
  } else {
    psx::Completion c = call(tb, nr, args, Road::kRewritten);
    mark_on_alt_stack(nr, args, c, args[8]);
    if (!register_action(c.action)) {
      perform_action(tb, c);
      tb->in_shim = 0;
      return long(c.result);
    }
    tb->bounce = kBounceCompletion;
    tb->bounce_nr = nr;
    tb->bounce_completion = c;
  }
  // Resume at the pad instead: it traps, and the SIGSYS road takes over.
  tb->bounce_resume = args[7];
  args[7] = uint64_t(psx_bounce_pad);
  result = kBounceNr;
  tb->in_shim = 0;
  return result;
}
