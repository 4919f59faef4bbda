// SIGSYS handler for Syscall User Dispatch: the road every call takes that
// was not rewritten. Freestanding: see shim.h.
#include <signal.h>
#include <ucontext.h>

#include "subsystem/shim/shim.h"

namespace psx::shim {

State g_state;

extern "C" void psx_sigsys_handler(int, void* info_v, void* uc_v) {
  auto* info = static_cast<siginfo_t*>(info_v);
  auto* uc = static_cast<ucontext_t*>(uc_v);
  greg_t* r = uc->uc_mcontext.gregs;
  const uint64_t args[6] = {uint64_t(r[REG_RDI]), uint64_t(r[REG_RSI]), uint64_t(r[REG_RDX]),
                            uint64_t(r[REG_R10]), uint64_t(r[REG_R8]),  uint64_t(r[REG_R9])};
  r[REG_RAX] = greg_t(forward_call(info->si_syscall, args, Road::kSud));
}

}  // namespace psx::shim
