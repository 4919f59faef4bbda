// Linux riscv32 system call numbers (the asm-generic table, 64-bit time only).
// The host has no riscv32 UAPI headers, so they are named here.
#pragma once

namespace psx::rv32 {

enum Nr : int {
  kIoctl = 29, kClose = 57, kRead = 63, kWrite = 64, kReadv = 65, kWritev = 66,
  kExit = 93, kExitGroup = 94, kSetTidAddress = 96, kSetRobustList = 99,
  kSchedYield = 124, kKill = 129, kTkill = 130, kTgkill = 131,
  kRtSigaction = 134, kRtSigprocmask = 135, kUname = 160, kGetpid = 172, kGetppid = 173,
  kGetuid = 174, kGeteuid = 175, kGetgid = 176, kGetegid = 177, kGettid = 178,
  kBrk = 214, kMunmap = 215, kMremap = 216, kClone = 220, kExecve = 221, kMmap2 = 222,
  kMprotect = 226, kMadvise = 233, kGetrandom = 278, kStatx = 291, kOpenat = 56,
  kClockGettime64 = 403, kClockNanosleepTime64 = 407, kRseq = 293,
};

}  // namespace psx::rv32
