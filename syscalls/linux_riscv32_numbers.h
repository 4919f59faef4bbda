// Linux riscv32 system call numbers (the asm-generic table, 64-bit time only).
// The host has no riscv32 UAPI headers, so they are named here.
#pragma once

namespace psx::rv32 {

enum Nr : int {
  kDup = 23, kDup3 = 24, kFcntl64 = 25, kCloseRange = 436, kIoctl = 29, kClose = 57, kRead = 63, kWrite = 64, kReadv = 65, kWritev = 66,
  kExit = 93, kExitGroup = 94, kSetTidAddress = 96, kSetRobustList = 99,
  kSchedYield = 124, kKill = 129, kTkill = 130, kTgkill = 131,
  kWaitid = 95, kSetpgid = 154, kGetpgid = 155, kGetsid = 156, kSetsid = 157,
  kRtSigaction = 134, kRtSigprocmask = 135, kUname = 160, kGetpid = 172, kGetppid = 173,
  kGetuid = 174, kGeteuid = 175, kGetgid = 176, kGetegid = 177, kGettid = 178,
  kExecveat = 281, kClone3 = 435, kFutexTime64 = 422, kRtSigreturn = 139, kRtSigpending = 136,
  kRtSigsuspend = 133, kRtSigtimedwaitTime64 = 421, kRtSigqueueinfo = 138, kRtTgsigqueueinfo = 240,
  kSigaltstack = 132, kSetregid = 143, kSetgid = 144, kSetreuid = 145, kSetuid = 146, kSetresuid = 147,
  kGetresuid = 148, kSetresgid = 149, kGetresgid = 150, kSetgroups = 159, kSetitimer = 103, kGetitimer = 102,
  kBrk = 214, kMunmap = 215, kMremap = 216, kClone = 220, kExecve = 221, kMmap2 = 222,
  kMprotect = 226, kMadvise = 233, kGetrandom = 278, kStatx = 291, kOpenat = 56,
  kClockGettime64 = 403, kClockNanosleepTime64 = 407, kRseq = 293,
  kGetcwd = 17, kMknodat = 33, kMkdirat = 34, kUnlinkat = 35, kSymlinkat = 36, kLinkat = 37,
  kStatfs64 = 43, kFstatfs64 = 44, kTruncate64 = 45, kFtruncate64 = 46, kFallocate = 47,
  kFaccessat = 48, kChdir = 49, kFchdir = 50, kFchmod = 52, kFchmodat = 53, kFchownat = 54,
  kFchown = 55, kGetdents64 = 61, kLlseek = 62, kPread64 = 67, kPwrite64 = 68, kPreadv = 69,
  kPwritev = 70, kReadlinkat = 78, kSync = 81, kFsync = 82, kFdatasync = 83, kUmask = 166,
  kSyncfs = 267, kRenameat2 = 276, kUtimensatTime64 = 412, kFaccessat2 = 439,
  kFlock = 32, kSchedGetaffinity = 123, kTimes = 153, kGetgroups = 158, kGetrusage = 165, kPrctl = 167,
  kSysinfo = 179, kMsync = 227, kPrlimit64 = 261, kClockGetresTime64 = 406, kPselect6Time64 = 413,
  kPpollTime64 = 414, kPipe2 = 59,
};

}  // namespace psx::rv32
