// The Linux x86-64 system call table (numbers from the kernel's UAPI header).
#include <asm/unistd_64.h>

#include "syscalls/abi_table.h"

namespace psx {

#define FULL(nr, op, args) {__NR_##nr, #nr, Op::op, Support::kFull, args, ""}
#define PART(nr, op, args, note) {__NR_##nr, #nr, Op::op, Support::kPartial, args, note}
#define NOSYS(nr, note) {__NR_##nr, #nr, Op::kNone, Support::kUnsupported, "", note}

extern const SyscallEntry kLinuxX86_64Table[];
const SyscallEntry kLinuxX86_64Table[] = {
    FULL(read, read, "dpu"),
    FULL(write, write, "dwu"),
    PART(open, kNone, "sox", "files arrive with the record store (issue 3)"),
    FULL(close, close, "d"),
    PART(stat, kNone, "sp", "files arrive with the record store (issue 3)"),
    PART(fstat, fstat, "dp", "console objects only until the record store lands"),
    PART(lstat, kNone, "sp", "files arrive with the record store (issue 3)"),
    PART(mmap, mmap, "pxxxdx", "anonymous mappings only; file mappings come with the record store"),
    FULL(mprotect, mprotect, "pxx"),
    FULL(munmap, munmap, "px"),
    FULL(brk, brk, "p"),
    PART(rt_sigaction, rt_sigaction, "dppu", "dispositions are recorded; handlers are not yet invoked (issue 5)"),
    PART(rt_sigprocmask, rt_sigprocmask, "dppu", "the mask is recorded; delivery comes with issue 5"),
    PART(ioctl, ioctl, "dxx", "TCGETS, TCSETS*, TIOCGWINSZ, TIOCSWINSZ, FIONREAD on the console"),
    FULL(readv, readv, "dpd"),
    FULL(writev, writev, "dpd"),
    FULL(sched_yield, sched_yield, ""),
    PART(mremap, kNone, "pxxxp", "not yet: musl falls back to malloc+copy"),
    PART(madvise, madvise, "pxd", "DONTNEED zeroes; other advice is accepted and ignored"),
    FULL(nanosleep, nanosleep, "pp"),
    FULL(getpid, getpid, ""),
    PART(clone, kNone, "xpppx", "processes and threads arrive with issue 5"),
    PART(fork, kNone, "", "processes arrive with issue 5"),
    PART(vfork, kNone, "", "processes arrive with issue 5"),
    PART(execve, kNone, "spp", "exec arrives with issue 5"),
    FULL(exit, exit, "d"),
    PART(wait4, kNone, "dpxp", "processes arrive with issue 5"),
    PART(kill, kill, "dd", "to itself only: default actions and ignore; handlers with issue 5"),
    FULL(uname, uname, "p"),
    FULL(gettimeofday, gettimeofday, "pp"),
    FULL(getuid, getuid, ""),
    FULL(getgid, getgid, ""),
    FULL(geteuid, geteuid, ""),
    FULL(getegid, getegid, ""),
    FULL(getppid, getppid, ""),
    PART(arch_prctl, arch_prctl, "xx", "ARCH_SET_FS and ARCH_GET_FS"),
    FULL(gettid, gettid, ""),
    PART(tkill, tkill, "dd", "to itself only: default actions and ignore; handlers with issue 5"),
    FULL(time, time, "p"),
    FULL(set_tid_address, set_tid_address, "p"),
    PART(clock_gettime, clock_gettime, "dp", "realtime, monotonic, boottime, process and thread CPU clocks of psx"),
    FULL(clock_nanosleep, clock_nanosleep, "ddpp"),
    FULL(exit_group, exit_group, "d"),
    PART(tgkill, tgkill, "ddd", "to itself only: default actions and ignore; handlers with issue 5"),
    PART(openat, kNone, "dsox", "files arrive with the record store (issue 3)"),
    PART(set_robust_list, set_robust_list, "pu", "recorded; used when threads arrive (issue 5)"),
    FULL(getrandom, getrandom, "pux"),
    PART(statx, statx, "dsxxp", "AT_EMPTY_PATH on console objects until the record store lands"),
    NOSYS(rseq, "not provided; musl and glibc work without it"),
};
extern const size_t kLinuxX86_64TableSize = sizeof(kLinuxX86_64Table) / sizeof(kLinuxX86_64Table[0]);

}  // namespace psx
