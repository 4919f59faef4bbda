// The Linux riscv32 system call table: asm-generic numbers, 64-bit time only
// (clock_gettime64 …), statx instead of stat, mmap2 with a page offset.
#include "syscalls/abi_table.h"
#include "syscalls/linux_riscv32_numbers.h"

namespace psx {

#define FULL(k, name, op, args) {rv32::k, name, Op::op, Support::kFull, args, ""}
#define PART(k, name, op, args, note) {rv32::k, name, Op::op, Support::kPartial, args, note}
#define NOSYS(k, name, note) {rv32::k, name, Op::kNone, Support::kUnsupported, "", note}

extern const SyscallEntry kLinuxRiscv32Table[];
const SyscallEntry kLinuxRiscv32Table[] = {
    PART(kIoctl, "ioctl", ioctl, "dxx", "TCGETS, TCSETS*, TIOCGWINSZ, TIOCSWINSZ, FIONREAD on the console"),
    PART(kOpenat, "openat", kNone, "dsox", "files arrive with the record store (issue 3)"),
    FULL(kClose, "close", close, "d"),
    FULL(kRead, "read", read, "dpu"),
    FULL(kWrite, "write", write, "dwu"),
    FULL(kReadv, "readv", readv, "dpd"),
    FULL(kWritev, "writev", writev, "dpd"),
    FULL(kExit, "exit", exit, "d"),
    FULL(kExitGroup, "exit_group", exit_group, "d"),
    FULL(kSetTidAddress, "set_tid_address", set_tid_address, "p"),
    PART(kSetRobustList, "set_robust_list", set_robust_list, "pu", "recorded; used when threads arrive (issue 5)"),
    FULL(kSchedYield, "sched_yield", sched_yield, ""),
    PART(kKill, "kill", kill, "dd", "to itself only: default actions and ignore; handlers with issue 5"),
    PART(kTkill, "tkill", tkill, "dd", "to itself only: default actions and ignore; handlers with issue 5"),
    PART(kTgkill, "tgkill", tgkill, "ddd", "to itself only: default actions and ignore; handlers with issue 5"),
    PART(kRtSigaction, "rt_sigaction", rt_sigaction, "dppu", "dispositions are recorded; handlers are not yet invoked (issue 5)"),
    PART(kRtSigprocmask, "rt_sigprocmask", rt_sigprocmask, "dppu", "the mask is recorded; delivery comes with issue 5"),
    FULL(kUname, "uname", uname, "p"),
    FULL(kGetpid, "getpid", getpid, ""),
    FULL(kGetppid, "getppid", getppid, ""),
    FULL(kGetuid, "getuid", getuid, ""),
    FULL(kGeteuid, "geteuid", geteuid, ""),
    FULL(kGetgid, "getgid", getgid, ""),
    FULL(kGetegid, "getegid", getegid, ""),
    FULL(kGettid, "gettid", gettid, ""),
    FULL(kBrk, "brk", brk, "p"),
    FULL(kMunmap, "munmap", munmap, "px"),
    PART(kMremap, "mremap", kNone, "pxxxp", "not yet: musl falls back to malloc+copy"),
    PART(kClone, "clone", kNone, "xpppx", "processes and threads arrive with issue 5"),
    PART(kExecve, "execve", kNone, "spp", "exec arrives with issue 5"),
    PART(kMmap2, "mmap2", mmap2, "pxxxdx", "anonymous mappings only; file mappings come with the record store"),
    FULL(kMprotect, "mprotect", mprotect, "pxx"),
    PART(kMadvise, "madvise", madvise, "pxd", "DONTNEED zeroes; other advice is accepted and ignored"),
    FULL(kGetrandom, "getrandom", getrandom, "pux"),
    PART(kStatx, "statx", statx, "dsxxp", "AT_EMPTY_PATH on console objects until the record store lands"),
    NOSYS(kRseq, "rseq", "not provided; musl works without it"),
    PART(kClockGettime64, "clock_gettime64", clock_gettime, "dp", "realtime, monotonic, boottime, process and thread CPU clocks of psx"),
    FULL(kClockNanosleepTime64, "clock_nanosleep_time64", clock_nanosleep, "ddpp"),
};
extern const size_t kLinuxRiscv32TableSize = sizeof(kLinuxRiscv32Table) / sizeof(kLinuxRiscv32Table[0]);

}  // namespace psx
