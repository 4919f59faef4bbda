// Starts a native x86-64 guest in this (freshly forked) guest host process:
// maps the regions the kernel host prepared, installs the SIGSYS handler on
// its own stack, arms Syscall User Dispatch and jumps to the entry point.
// Runs before the guest does, so it may still use libc.
#include "subsystem/shim/native_guest.h"

#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kernelprocs/channel.h"
#include "subsystem/shim/shim.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif

namespace psx {

namespace {
[[noreturn]] void fail_start(const char* what) {
  fprintf(stderr, "psx: cannot start the guest: %s: %s\n", what, strerror(errno));
  _exit(127);
}
}  // namespace

void run_native_guest(const BootInfo& boot, int memory_fd, int channel_fd, int doorbell_fd, uint32_t tid) {
  ChannelShared* ch = map_channel(channel_fd);
  if (!ch || ch->magic != kChannelMagic) fail_start("channel");
  for (uint32_t i = 0; i < boot.nregions; i++) {
    const BootRegion& r = boot.regions[i];
    void* p = mmap(reinterpret_cast<void*>(r.va), r.len, int(r.prot), MAP_SHARED | MAP_FIXED_NOREPLACE, memory_fd,
                   off_t(r.offset));
    if (p != reinterpret_cast<void*>(r.va)) fail_start("mapping the image");
  }
  // The handler runs on its own stack: the guest's may be small or in use.
  const size_t kAltStack = 256 * 1024;
  void* alt = mmap(nullptr, kAltStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (alt == MAP_FAILED) fail_start("signal stack");
  stack_t ss{};
  ss.ss_sp = alt;
  ss.ss_size = kAltStack;
  if (sigaltstack(&ss, nullptr) != 0) fail_start("sigaltstack");

  // Raw rt_sigaction: libc's would install its own restorer, outside the
  // allowed range, and its rt_sigreturn would be trapped.
  struct {
    void* handler;
    unsigned long flags;
    void* restorer;
    unsigned long mask;
  } act = {reinterpret_cast<void*>(&shim::psx_sigsys_handler), SA_SIGINFO | SA_ONSTACK | 0x04000000 /*SA_RESTORER*/,
           reinterpret_cast<void*>(&psx_sigreturn_restorer), ~0ul};
  if (syscall(SYS_rt_sigaction, SIGSYS, &act, nullptr, 8) != 0) fail_start("SIGSYS handler");

  shim::g_state.channel = ch;
  shim::g_state.doorbell_fd = doorbell_fd;
  shim::g_state.memory_fd = memory_fd;
  shim::g_state.tid = tid;
  shim::g_state.next_tag = 0;
  shim::g_state.selector = 0;  // SYSCALL_DISPATCH_FILTER_ALLOW until the jump
  uintptr_t lo = reinterpret_cast<uintptr_t>(psx_sud_allowed_start);
  uintptr_t len = reinterpret_cast<uintptr_t>(psx_sud_allowed_end) - lo;
  if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, lo, len, &shim::g_state.selector) != 0)
    fail_start("Syscall User Dispatch (needs Linux 5.11 or later)");
  psx_enter_guest(boot.entry, boot.sp, &shim::g_state.selector);
}

}  // namespace psx
