// The riscv32 guest host: runs an RV32 Linux program in Unicorn Engine and
// forwards each ECALL, as a raw frame, to the kernel host (DESIGN.md, "the
// guest side"). The kernel host has already loaded the image into the guest
// memory object and described it in a BootInfo; this only maps, runs, traps.
#pragma once
#include <stdint.h>

#include <string>

#include "kernelprocs/channel_layout.h"
#include "subsystem/boot_info.h"

namespace psx::emu {

// Faults travel as frames with kFrameFault (channel_layout.h): nr is the
// signal Linux would deliver, args the fault address, pc and si_code, as
// qemu-riscv32 reports them. For a default action the answer is kKillSelf(sig).
using psx::kFrameFault;

// Forwards a raw frame to the kernel host and waits for its completion.
class SyscallPort {
 public:
  virtual ~SyscallPort() = default;
  virtual Completion call(const Frame& f) = 0;
};

// Runs the riscv32 image described by `boot` (its regions live in memory
// object `memfd`) until the guest exits. Performs completion actions itself:
// maps memfd ranges (mmap + uc_mem_map_ptr, so guest stores land in the memory
// object), unmaps, protects, sets tp, exits the host process with the status
// (_exit) or dies by the signal. Returns only on an internal error (a malformed
// boot record or completion, a Unicorn failure), with a message.
std::string run_riscv32(const BootInfo& boot, int memfd, SyscallPort& port);

}  // namespace psx::emu
