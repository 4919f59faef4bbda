#include "subsystem/emulated_guest.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "emulator/rv32_emulator.h"
#include "kernelprocs/channel.h"
#include "kernelprocs/channel_guest.h"
#include "subsystem/shim/guest_fork.h"
#include "subsystem/shim/shim_layout.h"
#include "syscalls/linux_riscv32_numbers.h"

namespace psx {
namespace {

// Raw convention (-errno on failure), as channel_guest.h and guest_fork.h expect.
long host_syscall(long nr, long a, long b, long c, long d, long e, long f) {
  long r = syscall(nr, a, b, c, d, e, f);
  return r == -1 ? -errno : r;
}

// The descriptors of a guest host process (guest_start.cpp; guest_fork_child_setup
// gives a forked child the same numbers).
constexpr int kMemoryFd = 3, kChannelFd = 4, kDoorbellFd = 5, kControlFd = 6;

[[noreturn]] void die(const char* what) {
  fprintf(stderr, "psx: riscv32 guest host: %s\n", what);
  _exit(127);
}

// The emulator's ECALLs and faults go over the same channel as native traps,
// except the identity calls, answered from the page the personality keeps
// current (as the native shim does) unless it asks for every call (--trace).
class ChannelPort : public emu::SyscallPort {
 public:
  ChannelPort(ChannelShared* ch, uint32_t tid, const shim::Identity* id, pid_t kernel_host)
      : ch_(ch), tid_(tid), id_(id), kernel_host_(kernel_host) {}

  Completion call(const Frame& f) override {
    if (id_ && f.flags == 0 && __atomic_load_n(&id_->magic, __ATOMIC_ACQUIRE) == shim::kIdentityMagic &&
        id_->answer_locally) {
      int64_t v;
      switch (f.nr) {
        case rv32::kGetpid: v = id_->pid; break;
        case rv32::kGetppid: v = id_->ppid; break;
        case rv32::kGettid: v = id_->tid; break;
        case rv32::kGetuid: v = id_->uid; break;
        case rv32::kGeteuid: v = id_->euid; break;
        case rv32::kGetgid: v = id_->gid; break;
        case rv32::kGetegid: v = id_->egid; break;
        default: return forward(f);
      }
      Completion c{};
      c.tag = f.tag;
      c.result = v;
      return c;
    }
    return forward(f);
  }

  SignalDelivery signal_delivery() override { return signal_; }

  // The kWakeSignal handler is in place: the kernel host may now signal us.
  void started() override { __atomic_store_n(&ch_->host_tid, int32_t(syscall(SYS_gettid)), __ATOMIC_RELEASE); }

  long fork_host(uint32_t child_tid, bool shares_memory) override {
    int fds[4];
    int n = guest_fork_receive(kControlFd, fds, 4, host_syscall);
    if (n != 4) return n < 0 ? n : -EPROTO;
    long pid = guest_fork_clone(host_syscall);
    if (pid != 0) {  // the parent (pid > 0), or the clone failed
      for (int fd : fds) close(fd);
      return pid;
    }
    old_memory_ = guest_fork_child_setup(fds, kernel_host_, host_syscall);
    ChannelShared* ch = map_channel(kChannelFd);
    if (!ch || ch->magic != kChannelMagic) die("fork: the child's channel");
    munmap(ch_, sizeof(ChannelShared));  // the parent's: never touched again here
    ch_ = ch;
    tid_ = child_tid;
    shares_memory_ = shares_memory;
    if (shares_memory) id_ = nullptr;  // the parent's identity page, not ours
    started();
    return 0;
  }

  std::string fork_child_remap() override {
    if (shares_memory_) return "";  // vfork: the parent's object is ours until execve or exit
    // Unicorn's guest pages and the identity page are MAP_SHARED views of
    // the old object: each is replaced in place (MAP_FIXED, same host
    // address), so the pointers uc_mem_map_ptr was given stay valid.
    long n = guest_fork_remap(old_memory_, kMemoryFd, host_syscall);
    if (n < 0) return std::string("cannot map the child's memory object: ") + strerror(int(-n));
    return "";
  }

 private:
  Completion forward(const Frame& f) {
    Frame out = f;  // the emulator numbers its frames (and checks the answer's tag)
    out.tid = tid_;
    Completion c = channel_call(ch_, kDoorbellFd, out, host_syscall);
    // Valid only until the next frame: keep it for signal_delivery().
    if (c.action == Action::kSignal) signal_ = ch_->signal;
    return c;
  }

  ChannelShared* ch_;
  uint32_t tid_;
  const shim::Identity* id_;
  pid_t kernel_host_;
  SignalDelivery signal_{};
  MemoryObjectId old_memory_{};
  bool shares_memory_ = false;
};

}  // namespace

void run_emulated_guest(const BootInfo& boot, int memory_fd, int channel_fd, int doorbell_fd, int control_fd, uint32_t tid,
                        uint64_t identity_off) {
  // The numbers are fixed (guest_start.cpp): a forked child gets its own
  // descriptors at the same ones, so the port names them by number.
  if (memory_fd != kMemoryFd || channel_fd != kChannelFd || doorbell_fd != kDoorbellFd || control_fd != kControlFd)
    die("descriptors not at 3, 4, 5, 6");
  ChannelShared* ch = map_channel(channel_fd);
  if (!ch || ch->magic != kChannelMagic) die("cannot start the riscv32 guest: channel");
  const shim::Identity* id = nullptr;
  if (identity_off) {
    void* page = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, memory_fd, off_t(identity_off));
    if (page != MAP_FAILED) id = static_cast<const shim::Identity*>(page);
  }
  // This process's parent is the kernel host (guest_start.cpp checked it).
  ChannelPort port(ch, tid, id, getppid());
  std::string err = emu::run_riscv32(boot, memory_fd, port);
  fprintf(stderr, "psx: riscv32 emulator: %s\n", err.c_str());
  _exit(127);
}

}  // namespace psx
