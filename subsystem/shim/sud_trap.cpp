// SIGSYS handler for Syscall User Dispatch. Freestanding: see shim.h.
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "kernelprocs/channel_guest.h"
#include "subsystem/shim/shim.h"

namespace psx::shim {

State g_state;

namespace {

long sys(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  return psx_raw_syscall(nr, a, b, c, d, e, f);
}

// A fatal inconsistency inside the shim: say so on stderr and end the guest.
[[noreturn]] void die(const char* msg) {
  long n = 0;
  while (msg[n]) n++;
  sys(SYS_write, 2, long("psx: shim: "), 11);
  sys(SYS_write, 2, long(msg), n);
  sys(SYS_write, 2, long("\n"), 1);
  sys(SYS_exit_group, 127);
  __builtin_unreachable();
}

}  // namespace

void perform_action(const Completion& c) {
  switch (c.action) {
    case Action::kNone:
      return;
    case Action::kMap: {
      long flags = MAP_SHARED | ((c.a[4] & kMapReplace) ? MAP_FIXED : MAP_FIXED_NOREPLACE);
      long r = sys(SYS_mmap, long(c.a[0]), long(c.a[1]), long(c.a[3]), flags, g_state.memory_fd, long(c.a[2]));
      if (r != long(c.a[0])) die("cannot map guest memory at the address the kernel host chose");
      return;
    }
    case Action::kUnmap:
      sys(SYS_munmap, long(c.a[0]), long(c.a[1]));
      return;
    case Action::kProtect:
      if (sys(SYS_mprotect, long(c.a[0]), long(c.a[1]), long(c.a[2])) != 0) die("mprotect of guest memory failed");
      return;
    case Action::kSetThreadPointer:
      sys(SYS_arch_prctl, 0x1002 /*ARCH_SET_FS*/, long(c.a[0]));
      return;
    case Action::kExit:
      sys(SYS_exit_group, long(c.a[0]));
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
      sys(SYS_rt_sigprocmask, SIG_UNBLOCK, long(&set), 0, 8);
      sys(SYS_kill, sys(SYS_getpid), sig);
      sys(SYS_exit_group, 128 + sig);
      __builtin_unreachable();
    }
  }
  die("unknown action from the kernel host");
}

extern "C" void psx_sigsys_handler(int, void* info_v, void* uc_v) {
  auto* info = static_cast<siginfo_t*>(info_v);
  auto* uc = static_cast<ucontext_t*>(uc_v);
  greg_t* r = uc->uc_mcontext.gregs;
  Frame f;
  f.tag = ++g_state.next_tag;
  f.abi = Abi::kLinuxX86_64;
  f.flags = 0;
  f.nr = info->si_syscall;
  f.tid = g_state.tid;
  f.args[0] = uint64_t(r[REG_RDI]);
  f.args[1] = uint64_t(r[REG_RSI]);
  f.args[2] = uint64_t(r[REG_RDX]);
  f.args[3] = uint64_t(r[REG_R10]);
  f.args[4] = uint64_t(r[REG_R8]);
  f.args[5] = uint64_t(r[REG_R9]);
  Completion c = channel_call(g_state.channel, g_state.doorbell_fd, f, psx_raw_syscall);
  if (c.tag != f.tag) die("completion does not match the frame");
  perform_action(c);
  r[REG_RAX] = greg_t(c.result);
}

}  // namespace psx::shim
