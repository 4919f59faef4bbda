#include "emulator/rv32_sigframe.h"

#include <cstring>

namespace psx::emu {
namespace {

void put32(uint8_t* p, uint32_t off, uint32_t v) { memcpy(p + off, &v, 4); }
uint32_t get32(const uint8_t* p, uint32_t off) {
  uint32_t v;
  memcpy(&v, p + off, 4);
  return v;
}

bool has_altstack(const SignalDelivery& d) { return d.ss_size != 0 && !(d.ss_flags & kSsDisable); }

bool on_altstack(uint32_t sp, const SignalDelivery& d) { return has_altstack(d) && on_stack(sp, d.ss_sp, d.ss_size); }

}  // namespace

std::optional<uint32_t> sigframe_address(uint32_t sp, const SignalDelivery& d) {
  if (on_altstack(sp, d) && !on_altstack(sp - kSigframeSize, d)) return std::nullopt;
  uint64_t top = sp;
  if ((d.flags & kSaOnStack) && has_altstack(d) && !on_altstack(sp, d)) top = d.ss_sp + d.ss_size;
  if (top < kSigframeSize) return std::nullopt;
  return uint32_t((top - kSigframeSize) & ~uint64_t{15});
}

std::array<uint8_t, kSigframeSize> build_sigframe(const Rv32Context& ctx, const SignalDelivery& d) {
  std::array<uint8_t, kSigframeSize> f{};
  memcpy(f.data() + kFrameInfo, d.siginfo, sizeof d.siginfo);
  uint8_t* uc = f.data() + kFrameUc;  // uc_flags, uc_link: 0
  // uc_stack as Linux saves it: the alternate stack, and whether the
  // interrupted code was running on it (sas_ss_flags).
  uint32_t flags = !has_altstack(d) ? kSsDisable : on_altstack(ctx.x[2], d) ? kSsOnStack : 0;
  put32(uc, kUcStack, uint32_t(d.ss_sp));
  put32(uc, kUcStack + 4, flags | (d.ss_flags & kSsAutoDisarm));
  put32(uc, kUcStack + 8, uint32_t(d.ss_size));
  memcpy(uc + kUcSigmask, &d.saved_mask, 8);
  for (int r = 0; r < 32; ++r) put32(uc, kUcMcontext + 4 * uint32_t(r), ctx.x[r]);
  return f;
}

SigreturnState parse_ucontext(const uint8_t* uc) {
  SigreturnState s;
  s.ss_sp = get32(uc, kUcStack);
  s.ss_flags = get32(uc, kUcStack + 4);
  s.ss_size = get32(uc, kUcStack + 8);
  memcpy(&s.mask, uc + kUcSigmask, 8);
  for (int r = 0; r < 32; ++r) s.ctx.x[r] = get32(uc, kUcMcontext + 4 * uint32_t(r));
  return s;
}

}  // namespace psx::emu
