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
  // riscv32: the signal return trampoline (`li a7, 139; ecall`) the loader
  // maps at kRv32SigreturnVa; a handler's ra. Linux keeps it in the vDSO and
  // tells programs nothing about it, so any address works. 0: none.
  uint64_t sigreturn;
};

// Just above the riscv32 stack (layout_for in elf_loader.cpp: the stack ends
// at 0xbfff'f000, anonymous mappings stay below 0xb000'0000). The page is a
// region in the personality's table, so no hint, brk or mremap lands on it;
// only the guest's own MAP_FIXED can replace it, as it can Linux's vDSO.
inline constexpr uint64_t kRv32SigreturnVa = 0xbfff'f000;

}  // namespace psx
