// The neutral operations: one list, from which the enum, the names and the
// handler table are generated (adding a call is one line here plus its
// handler). Each ABI's table (linux_x86_64.cpp, linux_riscv32.cpp) maps its
// numbers onto these. Handlers hold no state: they act on the Personality.
#pragma once
#include <cstdint>

#include "kernelprocs/channel_layout.h"
#include "kernelprocs/message.h"

namespace psx {

class Personality;

// X(name): every operation psx implements.
#define PSX_OPERATIONS(X)                                                              \
  X(read) X(write) X(readv) X(writev) X(close) X(ioctl) X(fstat) X(statx)               \
  X(exit) X(exit_group) X(set_tid_address) X(set_robust_list) X(arch_prctl)             \
  X(brk) X(mmap) X(mmap2) X(munmap) X(mprotect) X(madvise)                              \
  X(getpid) X(getppid) X(gettid) X(getuid) X(geteuid) X(getgid) X(getegid) X(uname)     \
  X(clock_gettime) X(gettimeofday) X(time) X(nanosleep) X(clock_nanosleep)              \
  X(rt_sigaction) X(rt_sigprocmask) X(kill) X(tkill) X(tgkill) X(sched_yield)           \
  X(getrandom) X(dup) X(dup2) X(dup3) X(fcntl) X(close_range)                          \
  X(open) X(openat) X(creat) X(pread64) X(pwrite64) X(preadv) X(pwritev) X(lseek) X(llseek) \
  X(stat) X(lstat) X(newfstatat) X(access) X(faccessat) X(faccessat2) X(readlink)       \
  X(readlinkat) X(statfs) X(fstatfs) X(mkdir) X(mkdirat) X(rmdir) X(mknod) X(mknodat)   \
  X(chdir) X(fchdir) X(getcwd) X(getdents64) X(umask) X(unlink) X(unlinkat) X(rename)   \
  X(renameat) X(renameat2) X(link) X(linkat) X(symlink) X(symlinkat) X(chmod) X(fchmod) \
  X(fchmodat) X(chown) X(fchown) X(lchown) X(fchownat) X(truncate) X(ftruncate)         \
  X(fallocate) X(utimensat) X(fsync) X(fdatasync) X(sync) X(syncfs)                   \
  X(poll) X(ppoll) X(select) X(pselect6) X(flock)                                       \
  X(getrlimit) X(setrlimit) X(prlimit64) X(getrusage) X(times) X(sysinfo) X(getgroups)  \
  X(sched_getaffinity) X(prctl) X(clock_getres) X(mremap) X(msync)                    \
  X(fork) X(vfork) X(clone) X(clone3) X(execve) X(execveat) X(futex) X(rt_sigreturn)    \
  X(rt_sigpending) X(rt_sigsuspend) X(rt_sigtimedwait) X(rt_sigqueueinfo)               \
  X(rt_tgsigqueueinfo) X(sigaltstack) X(alarm) X(setitimer) X(getitimer) X(pause)        \
  X(setuid) X(setgid) X(setreuid) X(setregid) X(setresuid) X(setresgid) X(getresuid)  \
  X(getresgid) X(setgroups)  \
  X(pipe) X(pipe2)                                                                      \
  X(wait4) X(waitid) X(setpgid) X(getpgid) X(getpgrp) X(setsid) X(getsid)

enum class Op : uint16_t {
  kNone = 0,
#define PSX_OP_ENUM(n) n,
  PSX_OPERATIONS(PSX_OP_ENUM)
#undef PSX_OP_ENUM
      kCount
};
const char* op_name(Op op);

struct Call;
// What a handler decided: the call is done (result, maybe an action for the
// guest host process), or parked until a reply message arrives.
struct Outcome {
  enum Kind : uint8_t { kDone, kParked } kind = kDone;
  int64_t result = 0;
  Action action = Action::kNone;
  uint64_t a[6] = {0, 0, 0, 0, 0, 0};  // Completion::a

  static Outcome done(int64_t r) { return Outcome{kDone, r}; }
  static Outcome error(int e) { return Outcome{kDone, -int64_t(e)}; }
  static Outcome parked() { return Outcome{kParked, 0}; }
  Outcome& with(Action act, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0,
               uint64_t a5 = 0) {
    action = act;
    a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3; a[4] = a4; a[5] = a5;
    return *this;
  }
};

using Continuation = Outcome (*)(Personality& p, Call& c, const Message& reply);

// One system call in progress.
struct Call {
  Abi abi = Abi::kNone;
  int32_t nr = 0;
  Op op = Op::kNone;
  const struct SyscallEntry* entry = nullptr;
  uint64_t a[6] = {};
  uint32_t frame_tag = 0;
  uint32_t tid = 0;
  // Parked state: the awaited reply's tag, what to do with it, and scratch.
  uint32_t wait_tag = 0;
  Continuation cont = nullptr;
  uint64_t st[6] = {};
  // Who holds the parked request (kOpCancel goes there; none: parked here),
  // whether a signal may interrupt the wait, and whether one did.
  Address parked_on{};
  bool interruptible = false;
  bool interrupted = false;
  // A call that runs with a temporary signal mask (sigsuspend): the one to
  // restore when it ends, or when a handler it let in returns.
  uint64_t saved_mask = 0;
  bool mask_swapped = false;
  bool internal = false;  // a frame of the guest host process's own (kFramePsx)

  bool wide() const { return abi == Abi::kLinuxX86_64; }
  // Arguments by C type: ints are 32-bit on both ABIs; longs and pointers follow the ABI.
  int32_t i(int n) const { return int32_t(uint32_t(a[n])); }
  uint32_t u(int n) const { return uint32_t(a[n]); }
  int64_t l(int n) const { return wide() ? int64_t(a[n]) : int64_t(int32_t(uint32_t(a[n]))); }
  uint64_t ul(int n) const { return wide() ? a[n] : uint64_t(uint32_t(a[n])); }
  uint64_t ptr(int n) const { return ul(n); }
};

// Handlers, one per operation, defined in syscalls/sys_*.cpp.
#define PSX_OP_DECL(n) Outcome sys_##n(Personality& p, Call& c);
PSX_OPERATIONS(PSX_OP_DECL)
#undef PSX_OP_DECL

using Handler = Outcome (*)(Personality&, Call&);
Handler handler_for(Op op);

}  // namespace psx
