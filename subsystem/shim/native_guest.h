#pragma once
#include "subsystem/boot_info.h"
#include "subsystem/shim/shim_layout.h"

namespace psx {
// Never returns: the guest runs until it exits (through the shim).
// shim: the region the kernel host prepared (identity, counters, stubs, stack).
[[noreturn]] void run_native_guest(const BootInfo& boot, int memory_fd, int channel_fd, int doorbell_fd, int control_fd,
                                   uint32_t tid, const shim::ShimSetup& shim);
}  // namespace psx
