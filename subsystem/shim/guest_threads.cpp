// fork and new threads in a native guest's host process, from the SIGSYS
// road (the guest's registers are in the host ucontext). Freestanding: see shim.h.
#include <linux/sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "kernelprocs/channel_guest.h"
#include "subsystem/shim/guest_fork.h"
#include "subsystem/shim/shim.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif

namespace psx::shim {
namespace {

constexpr uint64_t kShimStack = 256 * 1024, kAltStack = 128 * 1024, kStartStack = 16 * 1024;

ChannelShared* map_channel_fd(int fd) {
  long p = sys(SYS_mmap, 0, long(sizeof(ChannelShared)), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p < 0 && p > -4096) die("cannot map a channel");
  return reinterpret_cast<ChannelShared*>(p);
}

void copy(void* dst, const void* src, uint64_t n) {
  auto* d = static_cast<uint8_t*>(dst);
  auto* s = static_cast<const uint8_t*>(src);
  for (uint64_t i = 0; i < n; i++) d[i] = s[i];
}

}  // namespace

bool arm_dispatch(ThreadBlock* tb) {
  uintptr_t lo = reinterpret_cast<uintptr_t>(psx_sud_allowed_start);
  uintptr_t len = reinterpret_cast<uintptr_t>(psx_sud_allowed_end) - lo;
  return sys(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, long(lo), long(len),
             long(&tb->selector)) == 0;
}

// Action::kFork: the guest host process clones itself; the child runs on
// with the same registers, its own channel and, once the kernel host has
// copied the memory, its own memory object mapped where the parent's was.
long do_fork(ThreadBlock* tb, const Completion& c, ucontext_t* uc) {
  greg_t* r = uc->uc_mcontext.gregs;
  int fds[4];
  if (guest_fork_receive(tb->control_fd, fds, 4, psx_raw_syscall) != 4) die("fork: no descriptors from the kernel host");
  long hp = guest_fork_clone(psx_raw_syscall);
  if (hp == 0) {
    MemoryObjectId old = guest_fork_child_setup(fds, g_state.kernel_host, psx_raw_syscall);
    sys(SYS_munmap, long(tb->channel), long(sizeof(ChannelShared)));
    tb->channel = map_channel_fd(4);
    tb->doorbell_fd = 5;
    tb->control_fd = 6;
    tb->tid = uint32_t(c.a[0]);
    tb->next_tag = 0;
    g_state.memory_fd = 3;
    __atomic_store_n(&tb->channel->host_tid, int32_t(sys(SYS_gettid)), __ATOMIC_RELEASE);
    if (!arm_dispatch(tb)) die("fork: cannot arm Syscall User Dispatch in the child");
    psx_call(tb, kPsxForkChild);
    if (c.a[2] & 1) {
      g_state.identity = nullptr;  // vfork: the page (and all memory) is the parent's
    } else if (guest_fork_remap(old, 3, psx_raw_syscall) < 0) {
      die("fork: cannot map the child's memory");
    }
    if (c.a[1]) r[REG_RSP] = greg_t(c.a[1]);  // clone with a stack of its own (posix_spawn)
    r[REG_RAX] = 0;
    return 0;
  }
  for (int fd : fds) sys(SYS_close, fd);
  Completion done = psx_call(tb, kPsxForkDone, uint64_t(hp));
  finish_with_registers(tb, done, uc, -1);
  return hp;
}

// Action::kCloneThread: a host thread in this process, with its own block,
// shim stack, signal stack and channel; it starts with the caller's registers.
void do_clone_thread(ThreadBlock* tb, const Completion& c, ucontext_t* uc) {
  int fds[3];
  if (guest_fork_receive(tb->control_fd, fds, 3, psx_raw_syscall) != 3) die("clone: no descriptors from the kernel host");
  uint64_t block = (sizeof(ThreadBlock) + 4095) & ~4095ull;
  uint64_t len = block + kShimStack + kAltStack + kStartStack;
  long area = sys(SYS_mmap, 0, long(len), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area < 0 && area > -4096) die("clone: out of memory for a thread");
  auto* nt = reinterpret_cast<ThreadBlock*>(area);
  nt->self = nt;
  nt->area = uint64_t(area);
  nt->area_len = len;
  nt->stack_lo = uint64_t(area) + block;
  nt->stack_top = nt->stack_lo + kShimStack;
  nt->alt_sp = nt->stack_top;
  nt->alt_size = kAltStack;
  nt->channel = map_channel_fd(fds[0]);
  sys(SYS_close, fds[0]);
  nt->doorbell_fd = fds[1];
  nt->control_fd = fds[2];
  nt->tid = uint32_t(c.a[0]);
  nt->selector = 0;
  greg_t* r = uc->uc_mcontext.gregs;
  for (int i = 0; i < kGregs; i++) nt->start_gregs[i] = uint64_t(r[i]);
  nt->start_gregs[REG_RAX] = 0;
  if (c.a[1]) nt->start_gregs[REG_RSP] = c.a[1];
  if (uc->uc_mcontext.fpregs) copy(nt->start_fp, uc->uc_mcontext.fpregs, 416);
  long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
               ((c.a[3] & 1) ? CLONE_SETTLS : 0);
  void* start_stack = reinterpret_cast<void*>(nt->alt_sp + kAltStack + kStartStack);
  if (psx_clone_thread(flags, start_stack, long(c.a[2]), nt) < 0) die("clone: the host refused a thread");
}

}  // namespace psx::shim

// The new host thread's first steps (on its start stack): its %gs block, its
// dispatch, then into the guest with the registers its creator had.
extern "C" void psx_thread_start(void* block) {
  using namespace psx::shim;
  auto* nt = static_cast<ThreadBlock*>(block);
  sys(SYS_arch_prctl, 0x1001 /*ARCH_SET_GS*/, long(nt));
  __atomic_store_n(&nt->channel->host_tid, int32_t(sys(SYS_gettid)), __ATOMIC_RELEASE);
  nt->selector = 1;  // SYSCALL_DISPATCH_FILTER_BLOCK: the guest's calls trap from here on
  if (!arm_dispatch(nt)) die("cannot arm Syscall User Dispatch in a new thread");
  // A host signal frame to return through: rt_sigreturn loads every register,
  // the FP state and the signal stack from it.
  struct {
    ucontext_t uc;
    alignas(64) uint8_t fp[512];
  } f;
  uint8_t* z = reinterpret_cast<uint8_t*>(&f);
  for (uint64_t i = 0; i < sizeof f; i++) z[i] = 0;
  for (int i = 0; i < kGregs; i++) f.uc.uc_mcontext.gregs[i] = greg_t(nt->start_gregs[i]);
  for (int i = 0; i < 416; i++) f.fp[i] = nt->start_fp[i];
  f.uc.uc_mcontext.fpregs = reinterpret_cast<fpregset_t>(f.fp);
  f.uc.uc_stack.ss_sp = reinterpret_cast<void*>(nt->alt_sp);
  f.uc.uc_stack.ss_size = nt->alt_size;
  f.uc.uc_stack.ss_flags = 0;
  psx_enter_context(&f.uc);
}
