#include "subsystem/emulated_guest.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "emulator/rv32_emulator.h"
#include "kernelprocs/channel.h"
#include "kernelprocs/channel_guest.h"
#include "subsystem/shim/shim_layout.h"
#include "syscalls/linux_riscv32_numbers.h"

namespace psx {
namespace {

long host_syscall(long nr, long a, long b, long c, long d, long e, long f) { return syscall(nr, a, b, c, d, e, f); }

// The emulator's ECALLs and faults go over the same channel as native traps,
// except the identity calls, answered from the page the personality keeps
// current (as the native shim does) unless it asks for every call (--trace).
class ChannelPort : public emu::SyscallPort {
 public:
  ChannelPort(ChannelShared* ch, int doorbell, uint32_t tid, const shim::Identity* id)
      : ch_(ch), doorbell_(doorbell), tid_(tid), id_(id) {}
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

 private:
  Completion forward(const Frame& f) {
    Frame out = f;  // the emulator numbers its frames (and checks the answer's tag)
    out.tid = tid_;
    return channel_call(ch_, doorbell_, out, host_syscall);
  }

  ChannelShared* ch_;
  int doorbell_;
  uint32_t tid_;
  const shim::Identity* id_;
};

}  // namespace

void run_emulated_guest(const BootInfo& boot, int memory_fd, int channel_fd, int doorbell_fd, uint32_t tid,
                        uint64_t identity_off) {
  ChannelShared* ch = map_channel(channel_fd);
  if (!ch || ch->magic != kChannelMagic) {
    fprintf(stderr, "psx: cannot start the riscv32 guest: channel\n");
    _exit(127);
  }
  const shim::Identity* id = nullptr;
  if (identity_off) {
    void* page = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, memory_fd, off_t(identity_off));
    if (page != MAP_FAILED) id = static_cast<const shim::Identity*>(page);
  }
  ChannelPort port(ch, doorbell_fd, tid, id);
  std::string err = emu::run_riscv32(boot, memory_fd, port);
  fprintf(stderr, "psx: riscv32 emulator: %s\n", err.c_str());
  _exit(127);
}

}  // namespace psx
