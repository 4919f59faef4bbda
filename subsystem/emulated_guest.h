#pragma once
#include "subsystem/boot_info.h"

namespace psx {
// Runs a riscv32 guest in the emulator in this guest host process, its ECALLs
// going over the channel like a native guest's traps. Never returns.
// identity_off: where the kernel host keeps the guest's identity page in the
// memory object (getpid … getegid are answered from it without a round trip).
[[noreturn]] void run_emulated_guest(const BootInfo& boot, int memory_fd, int channel_fd, int doorbell_fd, int control_fd,
                                     uint32_t tid, uint64_t identity_off);
}  // namespace psx
