// The boot record: how a guest host process starts (or replaces) its image.
// The kernel host loads the ELF into the guest's memory object and builds the
// initial stack there; the guest host process only maps the listed regions,
// sets the registers and jumps. Freestanding: included by the trap shim.
#pragma once
#include <stdint.h>

#include "kernelprocs/channel_layout.h"

namespace psx {

struct BootRegion {
  uint64_t va;      // guest virtual address, page aligned
  uint64_t len;     // bytes, page aligned
  uint64_t offset;  // offset in the guest memory object
  uint32_t prot;    // PROT_READ | PROT_WRITE | PROT_EXEC
  uint32_t pad;
};

inline constexpr uint32_t kMaxBootRegions = 32;

struct BootInfo {
  Abi abi;
  uint16_t pad0;
  uint32_t nregions;
  uint64_t entry;  // first instruction
  uint64_t sp;     // initial stack pointer (argc at *sp)
  BootRegion regions[kMaxBootRegions];
};

}  // namespace psx
