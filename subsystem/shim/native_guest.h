#pragma once
#include "subsystem/boot_info.h"

namespace psx {
// Never returns: the guest runs until it exits (through the shim).
[[noreturn]] void run_native_guest(const BootInfo& boot, int memory_fd, int channel_fd, int doorbell_fd,
                                   uint32_t tid);
}  // namespace psx
