#include "subsystem/emulated_guest.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "emulator/rv32_emulator.h"
#include "kernelprocs/channel.h"
#include "kernelprocs/channel_guest.h"

namespace psx {
namespace {

long host_syscall(long nr, long a, long b, long c, long d, long e, long f) { return syscall(nr, a, b, c, d, e, f); }

// The emulator's ECALLs and faults go over the same channel as native traps.
class ChannelPort : public emu::SyscallPort {
 public:
  ChannelPort(ChannelShared* ch, int doorbell, uint32_t tid) : ch_(ch), doorbell_(doorbell), tid_(tid) {}
  Completion call(const Frame& f) override {
    Frame out = f;
    out.tag = ++tag_;
    out.tid = tid_;
    return channel_call(ch_, doorbell_, out, host_syscall);
  }

 private:
  ChannelShared* ch_;
  int doorbell_;
  uint32_t tid_;
  uint32_t tag_ = 0;
};

}  // namespace

void run_emulated_guest(const BootInfo& boot, int memory_fd, int channel_fd, int doorbell_fd, uint32_t tid) {
  ChannelShared* ch = map_channel(channel_fd);
  if (!ch || ch->magic != kChannelMagic) {
    fprintf(stderr, "psx: cannot start the riscv32 guest: channel\n");
    _exit(127);
  }
  ChannelPort port(ch, doorbell_fd, tid);
  std::string err = emu::run_riscv32(boot, memory_fd, port);
  fprintf(stderr, "psx: riscv32 emulator: %s\n", err.c_str());
  _exit(127);
}

}  // namespace psx
