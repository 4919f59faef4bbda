// Builds the per-site stubs for verified syscall sites and the patches that
// send each site to its stub. A stub replays the site's window instruction by
// instruction; its `syscall` becomes
//     lea resume(%rip), %rcx      ; where psx_stub_entry continues (rcx is
//     jmp *entry_slot(%rip)       ;  clobbered by a real syscall too)
//   resume:
// and after the window it jumps back to the first byte after the window (or
// ends with the window's own ret/jmp). rip-relative operands and relative
// branches are re-targeted to where they pointed. The site's first 5 bytes
// become `jmp stub` and its remaining bytes int3, which nothing reaches.
// No `call`: it would push onto the guest's stack, inside its red zone.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "subsystem/shim/site_scanner.h"

namespace psx::shim {

struct StubPatch {
  uint64_t va;
  std::vector<uint8_t> bytes;
};

struct StubImage {
  std::vector<uint8_t> code;  // placed at stubs_va; bytes 0..7 hold the entry address
  std::vector<StubPatch> patches;
  std::vector<Site> sites;    // the sites that got a stub
  uint32_t dropped = 0;       // a re-targeted operand did not fit in rel32
};

// Most bytes one stub takes (for sizing the stub pages before building).
inline constexpr uint64_t kMaxStubBytes = 96;

StubImage build_stubs(std::span<const Site> sites, std::span<const CodeSpan> code, uint64_t stubs_va,
                      uint64_t entry_addr);

}  // namespace psx::shim
