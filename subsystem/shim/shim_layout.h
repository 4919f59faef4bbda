// The shim region: psx-owned pages in a native guest's address space, placed
// by the kernel host near the guest's code and reserved in its region table
// (GuestMemory::reserve_host_range) so no guest mapping ever lands there.
// The pages live in the guest memory object, so the kernel host writes the
// identity page and reads the counters where they lie. Layout, in order:
//
//   identity page  R   written by the kernel host (the personality), read by the shim
//   counters page  RW  written by the shim, read by the kernel host (`psx run --stats`)
//   stub pages     R X per-site trampolines for rewritten syscall sites (rewrite mode)
//   stack pages    RW  the shim's own stack for calls from rewritten sites
//
// Freestanding: included by the trap shim.
#pragma once
#include <stdint.h>

namespace psx::shim {

enum class TrapMode : uint8_t {
  kSud = 0,      // every call traps (Syscall User Dispatch, SIGSYS)
  kRewrite = 1,  // verified syscall sites jump to stubs; the rest trap as above
};

inline constexpr uint32_t kIdentityMagic = 0x70736869;  // "pshi"

// What the shim may answer itself. Each field is one aligned word the
// personality rewrites whenever the value changes, so a reader never sees a
// torn value; no call needs two of them to agree.
struct Identity {
  uint32_t magic;
  uint32_t answer_locally;  // 0: send everything to the kernel host (--trace)
  int32_t pid, ppid, tid;
  uint32_t uid, euid, gid, egid;
};

// Calls by the road they took. sud + rewritten = every call the guest made;
// local counts those of them answered in the guest host process.
struct Counters {
  uint64_t sud;        // trapped by Syscall User Dispatch
  uint64_t rewritten;  // entered through a rewritten site's stub
  uint64_t local;      // answered in the guest host process (no kernel host)
  uint64_t sites_patched;  // filled by the kernel host at load, for --stats
  uint64_t sites_seen;
};

// Where the kernel host put the shim region (handed to the guest host process).
struct ShimSetup {
  TrapMode mode = TrapMode::kSud;
  uint64_t va = 0, len = 0;  // the whole region; 0 when there is none
  uint64_t off = 0;          // its offset in the guest memory object
  uint64_t identity_va = 0, counters_va = 0;
  uint64_t stubs_va = 0, stubs_len = 0;
  uint64_t stack_va = 0, stack_len = 0;
};

inline constexpr uint64_t kShimStackBytes = 256 * 1024;

}  // namespace psx::shim
