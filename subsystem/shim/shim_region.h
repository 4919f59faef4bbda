// Kernel-host side of the native shim: places and fills the shim region (see
// shim_layout.h) for a freshly loaded x86-64 image and, in rewrite mode,
// patches the image's verified syscall sites in the guest memory object
// before the guest host process maps it. Ordinary C++ (runs in the kernel
// host at load time, never on a trap).
#pragma once
#include <cstdint>

#include "subsystem/guest_memory.h"
#include "subsystem/shim/shim_layout.h"
#include "subsystem/shim/site_scanner.h"

namespace psx::shim {

struct ShimRegion {
  ShimSetup setup;  // for the guest host process (GuestStart)
  ScanStats scan;   // what the scanner found (rewrite mode)
  uint32_t patched = 0;
};

// Call after load_elf: the image's regions are in mem. brk_hi is the highest
// address brk may reach; the region goes above it if the code can reach it
// with rel32, else below the code. Rewriting falls back to trapping (mode
// kSud in the result) when no reachable room exists.
SysResult<ShimRegion> prepare_shim_region(GuestMemory& mem, TrapMode mode, uint64_t brk_hi);

// The personality's identity as the shim answers it (write whenever it changes).
void publish_identity(GuestMemory& mem, const ShimSetup& s, const Identity& id);
// The shim's counters (valid after the guest host process ended, too).
Counters read_counters(GuestMemory& mem, const ShimSetup& s);

}  // namespace psx::shim
