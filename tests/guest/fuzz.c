/* Bad input from a guest: thousands of system calls with random arguments —
   wild pointers, huge lengths, negative fds, invalid flags, unknown numbers.
   Only psx runs this (natively it would scribble on the host). Pointers are
   chosen so the program cannot hurt itself: NULL, low, kernel-half and
   unmapped addresses, a sacrificial buffer fenced by PROT_NONE pages, and a
   set of valid paths inside /fuzz. The run must end normally. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t state;
static uint64_t rnd(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

/* Calls that cannot end or cripple the caller whatever their arguments
   (given the pointer discipline above). */
static const long kCalls[] = {
  SYS_read, SYS_write, SYS_close, SYS_pread64, SYS_pwrite64, SYS_readv,
  SYS_writev, SYS_dup, SYS_dup3, SYS_getpid, SYS_uname, SYS_getdents64,
  SYS_getcwd, SYS_chdir, SYS_fchdir, SYS_fchmod, SYS_fchown, SYS_umask, SYS_getuid, SYS_getgid,
  SYS_geteuid, SYS_getppid, SYS_gettid, SYS_openat, SYS_mkdirat, SYS_unlinkat, SYS_renameat2,
  SYS_linkat, SYS_symlinkat, SYS_readlinkat, SYS_fchmodat, SYS_fchownat, SYS_faccessat,
  SYS_fallocate, SYS_getrandom, SYS_statx, SYS_ioctl, SYS_sync, SYS_fsync, SYS_fdatasync,
  SYS_sched_yield, SYS_set_tid_address, SYS_preadv, SYS_pwritev, SYS_umask, SYS_mknodat,
#ifdef SYS_fcntl64 /* riscv32 */
  SYS_fcntl64, SYS_ftruncate64, SYS__llseek,
#else
  SYS_fcntl, SYS_ftruncate, SYS_lseek, SYS_fstat,
#endif
#ifdef SYS_open
  SYS_open, SYS_stat, SYS_lstat, SYS_access, SYS_dup2, SYS_truncate, SYS_rename, SYS_mkdir,
  SYS_rmdir, SYS_creat, SYS_link, SYS_unlink, SYS_symlink, SYS_readlink, SYS_chmod, SYS_chown,
  SYS_lchown, SYS_newfstatat, SYS_statfs, SYS_fstatfs, SYS_utimensat, SYS_time, SYS_gettimeofday,
#endif
};

static const char* const kPaths[] = {
  "/fuzz", "/fuzz/a", "/fuzz/b", "/fuzz/d", "/fuzz/d/e", "/fuzz/a/../b", "/fuzz/link", "",
  "/", ".", "..", "/dev/null", "/dev/zero", "/fuzz/d/", "//fuzz//a", "/nonexistent/x",
};

static char* sacrificial;

static uint64_t pointer(void) {
  switch (rnd() % 8) {
    case 0: return 0;
    case 1: return 16;
    case 2: return 0xffff800000001000ull;
    case 3: return 0x0000100000000000ull + (rnd() & 0xffff000);
    case 4: return (uint64_t)(uintptr_t)(sacrificial + (rnd() % 65536));
    case 5: return (uint64_t)(uintptr_t)sacrificial;
    default: return (uint64_t)(uintptr_t)kPaths[rnd() % (sizeof kPaths / sizeof kPaths[0])];
  }
}

static uint64_t argument(int saved_fd) {
  uint64_t a;
  switch (rnd() % 10) {
    case 0: a = (uint64_t)-1; break;
    case 1: a = rnd() % 40; break;
    case 2: a = (uint64_t)(int64_t)-(int64_t)(rnd() % 200); break;
    case 3: a = 1ull << (rnd() % 64); break;
    case 4: a = rnd(); break;
    case 5: a = rnd() & 0xffffffff; break;
    case 6: a = (uint64_t)-100; break; /* AT_FDCWD */
    default: a = pointer(); break;
  }
  /* Never touch the descriptor kept for the final report. */
  if (a == (uint64_t)saved_fd) a = 3;
  return a;
}

int main(int argc, char** argv) {
  state = argc > 1 ? strtoull(argv[1], 0, 10) * 2654435761u + 1 : 88172645463325252ull;
  int calls = argc > 2 ? atoi(argv[2]) : 20000;
  int report = fcntl(2, F_DUPFD, 500);
  mkdir("/fuzz", 0755);
  mkdir("/fuzz/d", 0755);
  /* The sacrificial buffer, fenced so that long transfers fault instead of
     running into the program's own memory. */
  char* area = mmap(0, 65536 + 2 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  sacrificial = area + 4096;
  mprotect(sacrificial, 65536, PROT_READ | PROT_WRITE);
  /* Random writes to 1 and 2 go nowhere. */
  int null = open("/dev/null", O_RDWR);
  dup2(null, 1);
  dup2(null, 2);
  long failures = 0, unknown = 0;
  for (int i = 0; i < calls; i++) {
    long nr;
    if (rnd() % 10 == 0) {
      static const long kOdd[] = {-1, -100000, 335, 400, 511, 999, 4096, 100000, 0x7fffffff};
      nr = kOdd[rnd() % (sizeof kOdd / sizeof kOdd[0])];
    } else {
      nr = kCalls[rnd() % (sizeof kCalls / sizeof kCalls[0])];
    }
    uint64_t a[6];
    for (int k = 0; k < 6; k++) a[k] = argument(report);
#ifdef SYS_chdir
    /* Keep relative paths inside the sandbox. */
    if (nr == SYS_chdir || nr == SYS_fchdir) a[0] = (uint64_t)(uintptr_t)"/fuzz";
#endif
    long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (r < 0) failures++;
    if (r < 0 && (nr < 0 || nr > 1000)) unknown++;
    /* Descriptors the fuzzing opened are closed again so the table stays small. */
    if (r > 2 && r < 500 && r != report &&
        (nr == SYS_openat || nr == SYS_dup || nr == SYS_dup3
#ifdef SYS_fcntl64
         || nr == SYS_fcntl64
#else
         || nr == SYS_fcntl
#endif
#ifdef SYS_open
         || nr == SYS_open || nr == SYS_creat || nr == SYS_dup2
#endif
         ))
      close((int)r);
  }
  dprintf(report, "fuzz: %d calls, %ld failed, %ld to unknown numbers; still running\n", calls, failures, unknown);
  return 0;
}
