// Finds the host vDSO's clock functions in this process (the guest host
// process, before the guest runs; ordinary code, may use libc).
#pragma once
#include "subsystem/shim/shim.h"

namespace psx::shim {
// Empty pointers when there is no vDSO or it lacks a function.
VdsoClock find_vdso_clock();
}  // namespace psx::shim
