#pragma once
#include "subsystem/boot_info.h"

namespace psx {
// Runs a riscv32 guest in the emulator in this guest host process, its ECALLs
// going over the channel like a native guest's traps. Never returns.
[[noreturn]] void run_emulated_guest(const BootInfo& boot, int memory_fd, int channel_fd, int doorbell_fd,
                                     uint32_t tid);
}  // namespace psx
