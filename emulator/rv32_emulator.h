// The riscv32 guest host: runs an RV32 Linux program in Unicorn Engine and
// forwards each ECALL, as a raw frame, to the kernel host (DESIGN.md, "the
// guest side"). The kernel host has already loaded the image into the guest
// memory object and described it in a BootInfo; this only maps, runs, traps.
#pragma once
#include <errno.h>
#include <stdint.h>

#include <string>

#include "kernelprocs/channel_layout.h"
#include "subsystem/boot_info.h"

namespace psx::emu {

// Faults travel as frames with kFrameFault (channel_layout.h): nr is the
// signal Linux would deliver, args the fault address, pc and si_code, as
// qemu-riscv32 reports them. For a default action the answer is kKillSelf(sig).
using psx::kFrameFault;

// Forwards a raw frame to the kernel host and waits for its completion; and
// the host-side steps of completions only the guest host process can take.
class SyscallPort {
 public:
  virtual ~SyscallPort() = default;
  virtual Completion call(const Frame& f) = 0;
  // The delivery block of the last completion with Action::kSignal that
  // call() returned (the channel's SignalDelivery, copied before the next frame).
  virtual SignalDelivery signal_delivery() { return {}; }
  // run_riscv32 calls this once its kWakeSignal handler is in place: from
  // then on the kernel host may signal this thread (publish host_tid).
  virtual void started() {}
  // Action::kFork's host steps: receive the child's descriptors and clone
  // this process (guest_fork.h). Returns the child's host pid in the parent,
  // -errno in the parent if that failed, 0 in the child, which from then on
  // speaks for guest thread `child_tid` on its own channel. shares_memory:
  // a vfork child (CLONE_VM|CLONE_VFORK) that keeps the parent's memory object
  // and so must not answer identity calls from the parent's identity page.
  virtual long fork_host(uint32_t child_tid, bool shares_memory) {
    (void)child_tid, (void)shares_memory;
    return -ENOSYS;
  }
  // In the child, once kPsxForkChild is answered: every host mapping of the
  // parent's memory object becomes the same range of the child's, in place
  // (so the pointers Unicorn holds stay valid); nothing for a vfork child
  // that shares it. "" or what went wrong.
  virtual std::string fork_child_remap() { return "fork is not supported by this port"; }
};

// Runs the riscv32 image described by `boot` (its regions live in memory
// object `memfd`) until the guest exits. Performs completion actions itself:
// maps memfd ranges (mmap + uc_mem_map_ptr, so guest stores land in the memory
// object), unmaps, protects, sets tp, exits the host process with the status
// (_exit) or dies by the signal, forks, builds signal frames and returns from
// them (emulator/README.md). Installs a handler for kWakeSignal on this
// thread. Returns only on an internal error (a malformed boot record or
// completion, a Unicorn failure), with a message.
std::string run_riscv32(const BootInfo& boot, int memfd, SyscallPort& port);

}  // namespace psx::emu
