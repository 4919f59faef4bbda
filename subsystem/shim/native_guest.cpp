// Starts a native x86-64 guest in this (freshly forked) guest host process:
// maps the regions the kernel host prepared (the image, already patched in
// rewrite mode, and the shim region), installs the SIGSYS handler on its own
// stack, points %gs at the shim's per-thread block, arms Syscall User
// Dispatch and jumps to the entry point. Runs before the guest does, so it
// may still use libc.
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
#include "subsystem/shim/vdso.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif

namespace psx {

namespace {
constexpr uint64_t kPageSize = 4096;
[[noreturn]] void fail_start(const char* what) {
  fprintf(stderr, "psx: cannot start the guest: %s: %s\n", what, strerror(errno));
  _exit(127);
}

// Maps one part of the shim region from the guest memory object.
void map_shim_part(const shim::ShimSetup& s, uint64_t va, uint64_t len, int prot, int memory_fd) {
  if (!len) return;
  void* p = mmap(reinterpret_cast<void*>(va), len, prot, MAP_SHARED | MAP_FIXED_NOREPLACE, memory_fd,
                 off_t(s.off + (va - s.va)));
  if (p != reinterpret_cast<void*>(va)) fail_start("mapping the shim region");
}

}  // namespace

void run_native_guest(const BootInfo& boot, int memory_fd, int channel_fd, int doorbell_fd, int control_fd,
                      uint32_t tid, const shim::ShimSetup& setup) {
  ChannelShared* ch = map_channel(channel_fd);
  if (!ch || ch->magic != kChannelMagic) fail_start("channel");
  for (uint32_t i = 0; i < boot.nregions; i++) {
    const BootRegion& r = boot.regions[i];
    void* p = mmap(reinterpret_cast<void*>(r.va), r.len, int(r.prot), MAP_SHARED | MAP_FIXED_NOREPLACE, memory_fd,
                   off_t(r.offset));
    if (p != reinterpret_cast<void*>(r.va)) fail_start("mapping the image");
    shim::g_state.map.set(r.va, r.va + r.len, r.prot);
  }
  if (setup.len) {
    map_shim_part(setup, setup.identity_va, kPageSize, PROT_READ, memory_fd);
    map_shim_part(setup, setup.counters_va, kPageSize, PROT_READ | PROT_WRITE, memory_fd);
    map_shim_part(setup, setup.stubs_va, setup.stubs_len, PROT_READ | PROT_EXEC, memory_fd);
    map_shim_part(setup, setup.stack_va, setup.stack_len, PROT_READ | PROT_WRITE, memory_fd);
    shim::g_state.identity = reinterpret_cast<const shim::Identity*>(setup.identity_va);
    shim::g_state.counters = reinterpret_cast<shim::Counters*>(setup.counters_va);
  }
  // Stubs find the shim stack at %gs:0 and the block itself at %gs:8. Set
  // even without stubs: harmless.
  shim::ThreadBlock* tb = &shim::g_state.main_thread;
  tb->self = tb;
  tb->stack_top = setup.stack_len ? setup.stack_va + setup.stack_len : 0;
  tb->stack_lo = setup.stack_len ? setup.stack_va : 0;
  if (syscall(SYS_arch_prctl, 0x1001 /*ARCH_SET_GS*/, tb) != 0) fail_start("arch_prctl(ARCH_SET_GS)");
  shim::g_state.vdso = shim::find_vdso_clock();
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
  // The kernel host's nudge when a guest signal waits for a thread running its own code.
  act.handler = reinterpret_cast<void*>(&shim::psx_wake_handler);
  act.flags |= SA_RESTART;
  if (syscall(SYS_rt_sigaction, kWakeSignal, &act, nullptr, 8) != 0) fail_start("wake signal handler");
  // CPU faults in guest code become the guest's signals.
  act.handler = reinterpret_cast<void*>(&shim::psx_fault_handler);
  act.flags &= ~unsigned(SA_RESTART);
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP})
    if (syscall(SYS_rt_sigaction, sig, &act, nullptr, 8) != 0) fail_start("fault handlers");

  shim::g_state.memory_fd = memory_fd;
  shim::g_state.kernel_host = int32_t(getppid());
  tb->alt_sp = uint64_t(alt);
  tb->alt_size = kAltStack;
  tb->channel = ch;
  tb->doorbell_fd = doorbell_fd;
  tb->control_fd = control_fd;
  tb->tid = tid;
  tb->next_tag = 0;
  __atomic_store_n(&ch->host_tid, int32_t(syscall(SYS_gettid)), __ATOMIC_RELEASE);
  tb->selector = 0;  // SYSCALL_DISPATCH_FILTER_ALLOW until the jump
  if (!shim::arm_dispatch(tb)) fail_start("Syscall User Dispatch (needs Linux 5.11 or later)");
  psx_enter_guest(boot.entry, boot.sp, &tb->selector);
}

}  // namespace psx
