// Linux riscv32's signal frame (arch/riscv/kernel/signal.c, struct
// rt_sigframe): what a handler finds at sp and what rt_sigreturn reads back.
//
//   +0    siginfo_t (128 bytes)                    a1 points here
//   +128  ucontext                                 a2 points here
//         +0   uc_flags, +4 uc_link
//         +8   uc_stack { ss_sp, ss_flags, ss_size }
//         +20  uc_sigmask (the kernel's 64-bit set; musl's 1024-bit
//              sigset_t overlays it and the kernel's __unused[120] after it)
//         +160 uc_mcontext (aligned 16): gregs[32] = pc, x1..x31, then the
//              F/D/Q state union (528 bytes; zero: the guest is RV32IMA)
//   size 944, at a 16-byte aligned sp
// Offsets checked against musl 1.2.5's riscv32 <ucontext.h> (sizeof 816,
// uc_sigmask at 20, uc_mcontext at 160). Unlike qemu-riscv32 7.2, which puts
// an 8-byte trampoline first, nothing precedes the siginfo (as on Linux).
#pragma once
#include <stdint.h>

#include <array>
#include <optional>

#include "kernelprocs/channel_layout.h"

namespace psx::emu {

inline constexpr uint32_t kFrameInfo = 0, kFrameUc = 128;
inline constexpr uint32_t kUcStack = 8, kUcSigmask = 20, kUcMcontext = 160;
inline constexpr uint32_t kUcSize = 816;
inline constexpr uint32_t kSigframeSize = kFrameUc + kUcSize;

// Linux's generic values (the same on riscv32).
inline constexpr uint64_t kSaOnStack = 0x08000000;
inline constexpr uint32_t kSsOnStack = 1, kSsDisable = 2, kSsAutoDisarm = 1u << 31;

// A thread's integer context as the frame holds it: x[0] is the pc.
struct Rv32Context {
  uint32_t x[32] = {};
};

// Linux's on_sig_stack for a downward-growing stack: sp in (ss_sp, ss_sp + size].
inline bool on_stack(uint32_t sp, uint64_t ss_sp, uint64_t ss_size) {
  return ss_size != 0 && sp > ss_sp && sp - ss_sp <= ss_size;
}

// Where the frame goes for a thread whose sp is `sp`: on the alternate stack
// when the handler asks for it and the thread is not already on it, else
// below sp; 16-byte aligned. Empty when the frame would overflow the
// alternate stack the thread is on (Linux then forces SIGSEGV).
std::optional<uint32_t> sigframe_address(uint32_t sp, const SignalDelivery& d);

// The frame's bytes for the interrupted context (ctx.x[2] is its sp).
std::array<uint8_t, kSigframeSize> build_sigframe(const Rv32Context& ctx, const SignalDelivery& d);

// What rt_sigreturn takes back from a ucontext (kUcSize bytes at frame+128).
struct SigreturnState {
  Rv32Context ctx;
  uint64_t mask = 0;
  uint32_t ss_sp = 0, ss_flags = 0, ss_size = 0;
};
SigreturnState parse_ucontext(const uint8_t* uc);

}  // namespace psx::emu
