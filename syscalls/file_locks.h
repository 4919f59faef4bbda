// fcntl's record-lock commands, implemented in sys_lock.cpp (sys_fcntl in
// sys_dup.cpp hands them over).
#pragma once
#include "syscalls/operations.h"

namespace psx {

// True for the lock commands of the call's ABI (F_GETLK…, F_OFD_*; riscv32
// also F_GETLK64… = 12, 13, 14).
bool is_lock_cmd(const Call& c, int cmd);
Outcome fcntl_lock(Personality& p, Call& c, int cmd);

}  // namespace psx
