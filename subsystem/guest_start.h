// The first steps of a guest host process after fork, common to both paths.
#pragma once
#include <sys/types.h>

#include "subsystem/boot_info.h"
#include "subsystem/shim/shim_layout.h"

namespace psx {

struct GuestStart {
  BootInfo boot;
  int memory_fd, channel_fd, doorbell_fd;
  int control_fd;  // the thread's control socket (descriptors for fork and clone arrive on it)
  uint32_t tid;
  pid_t kernel_host;
  shim::ShimSetup shim;  // native guests: where the shim region is
  uint64_t identity_off = 0;  // riscv32 guests: the identity page in the memory object (0: none)
};

// Detaches from psx's state (signals, fds, process group), then runs the
// guest natively or in the emulator. Never returns.
[[noreturn]] void start_guest_host_process(const GuestStart& gs);

}  // namespace psx
