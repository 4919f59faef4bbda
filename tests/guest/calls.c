/* The calls the other guest programs do not make, each once or twice through
   the raw system call (libc wrappers differ between musl versions and ABIs).
   Values that differ between a native run and psx by design (the parent's
   pid, times) are printed as checks, not numbers. argv[1]: a work directory. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "workdir.h"

/* Success or the errno name only. */
#define OK(expr)                                                        \
  do {                                                                  \
    errno = 0;                                                          \
    long r_ = (long)(expr);                                             \
    printf("%-58s : %s\n", #expr, r_ < 0 ? err_name(errno) : "ok");     \
    fflush(stdout);                                                     \
  } while (0)
/* Like CHECK, under a label that is the same on every ABI (the calls behind
   it differ: creat/openat, statfs/statfs64, renameat/renameat2). */
#define CHECKL(label, expr)                                             \
  do {                                                                  \
    errno = 0;                                                          \
    long r_ = (long)(expr);                                             \
    printf("%-58s = %ld %s\n", label, r_, r_ < 0 ? err_name(errno) : ""); \
    fflush(stdout);                                                     \
  } while (0)

/* struct statx (musl 1.2.3 does not declare it): the fields used here. */
struct statx_buf {
  uint32_t mask, blksize;
  uint64_t attributes;
  uint32_t nlink, uid, gid;
  uint16_t mode, pad0;
  uint64_t ino, size, blocks, attributes_mask;
  uint8_t rest[256 - 64];
};

int main(int argc, char** argv) {
  const char* root = argc > 1 ? argv[1] : "/tmp/calls-test";
  CHECK(enter_workdir(root));
  uid_t uid = getuid();
  gid_t gid = getgid();

  /* identity */
  printf("euid==uid %d egid==gid %d\n", (uid_t)syscall(SYS_geteuid) == uid, (gid_t)syscall(SYS_getegid) == gid);
  printf("gettid==getpid %d getppid>=0 %d\n", syscall(SYS_gettid) == syscall(SYS_getpid), syscall(SYS_getppid) >= 0);
  OK(syscall(SYS_sched_yield));
  struct { void* head; long off; void* pending; } robust = {&robust, 0, 0};
  CHECK(syscall(SYS_set_robust_list, &robust, sizeof robust));
  CHECK(syscall(SYS_set_robust_list, &robust, sizeof robust + 1));
  CHECK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), 0));
  CHECK(syscall(SYS_tgkill, getpid(), 2000000000, 0));
#ifdef SYS_time
  time_t t = 0;
  printf("time agrees %d\n", syscall(SYS_time, &t) == t && t > 1600000000);
  struct timeval tv;
  printf("gettimeofday ok %d\n", syscall(SYS_gettimeofday, &tv, 0) == 0 && tv.tv_sec > 1600000000);
#else /* riscv32 has neither call: the same lines from clock_gettime */
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  printf("time agrees %d\n", now.tv_sec > 1600000000);
  printf("gettimeofday ok %d\n", now.tv_sec > 1600000000);
#endif

  /* files: *at() forms and the rest */
  int fd;
#ifdef SYS_creat
  CHECKL("creat c1", fd = syscall(SYS_creat, "c1", 0644));
#else
  CHECKL("creat c1", fd = syscall(SYS_openat, AT_FDCWD, "c1", O_CREAT | O_WRONLY | O_TRUNC, 0644));
#endif
  struct iovec wv[2] = {{"abc", 3}, {"defg", 4}};
  CHECKL("pwritev at 10", syscall(SYS_pwritev, fd, wv, 2, 10, 0));
  CHECK(close(fd));
  CHECK(fd = open("c1", O_RDONLY));
  char a[4] = {0}, b[8] = {0};
  struct iovec rv[2] = {{a, 3}, {b, 7}};
  CHECK(syscall(SYS_readv, fd, rv, 2));
  CHECKL("preadv at 10", syscall(SYS_preadv, fd, rv, 2, 10, 0));
  printf("preadv [%s][%s]\n", a, b);
  CHECK(close(fd));
  CHECK(fd = open("c1", O_RDWR));
#ifdef SYS_fcntl64 /* riscv32: 64-bit offset and length as (low, high) pairs */
  CHECKL("fallocate 0..4096", syscall(SYS_fallocate, fd, 0, 0, 0, 4096, 0));
  CHECKL("fallocate negative offset", syscall(SYS_fallocate, fd, 0, -1, -1, 10, 0));
#else
  CHECKL("fallocate 0..4096", syscall(SYS_fallocate, fd, 0, 0, 4096));
  CHECKL("fallocate negative offset", syscall(SYS_fallocate, fd, 0, -1L, 10L));
#endif
  CHECK(syscall(SYS_syncfs, fd));
  CHECK(close(fd));
  CHECK(syscall(SYS_faccessat, AT_FDCWD, "c1", R_OK));
  CHECK(syscall(SYS_faccessat, AT_FDCWD, "missing", F_OK));
  CHECK(syscall(SYS_faccessat2, AT_FDCWD, "c1", W_OK, AT_EACCESS));
  CHECK(syscall(SYS_faccessat2, AT_FDCWD, "c1", W_OK, 0x12345));
  CHECK(syscall(SYS_fchmodat, AT_FDCWD, "c1", 0600));
  CHECK(syscall(SYS_fchownat, AT_FDCWD, "c1", uid, gid, 0));
  CHECK(syscall(SYS_fchownat, AT_FDCWD, "c1", uid, gid, 0x4321));
#ifdef SYS_chown
  CHECKL("chown c1", syscall(SYS_chown, "c1", uid, gid));
  CHECKL("lchown c1 -1 -1", syscall(SYS_lchown, "c1", -1, -1));
#else
  CHECKL("chown c1", syscall(SYS_fchownat, AT_FDCWD, "c1", uid, gid, 0));
  CHECKL("lchown c1 -1 -1", syscall(SYS_fchownat, AT_FDCWD, "c1", -1, -1, AT_SYMLINK_NOFOLLOW));
#endif
  CHECK(syscall(SYS_symlinkat, "c1", AT_FDCWD, "s1"));
  char target[32] = {0};
  CHECK(syscall(SYS_readlinkat, AT_FDCWD, "s1", target, sizeof target));
  printf("readlinkat [%s]\n", target);
  CHECK(syscall(SYS_linkat, AT_FDCWD, "c1", AT_FDCWD, "h1", 0));
  CHECK(syscall(SYS_linkat, AT_FDCWD, "s1", AT_FDCWD, "h2", AT_SYMLINK_FOLLOW));
  CHECK(syscall(SYS_linkat, AT_FDCWD, "c1", AT_FDCWD, "h3", 0x999));
  CHECK(syscall(SYS_mknodat, AT_FDCWD, "fifo", S_IFIFO | 0600, 0));
  CHECK(syscall(SYS_mknodat, AT_FDCWD, "bad", S_IFDIR | 0600, 0));
#ifdef SYS_renameat
  CHECKL("renameat h1 h1b", syscall(SYS_renameat, AT_FDCWD, "h1", AT_FDCWD, "h1b"));
#else
  CHECKL("renameat h1 h1b", syscall(SYS_renameat2, AT_FDCWD, "h1", AT_FDCWD, "h1b", 0));
#endif
  struct stat st;
  CHECK(lstat("h1b", &st));
  printf("h1b nlink %ld size %lld\n", (long)st.st_nlink, (long long)st.st_size);
  struct statx_buf sx;
  CHECK(syscall(SYS_statx, AT_FDCWD, "c1", 0, 0x7ff, &sx));
  printf("statx size %lld mode %o\n", (long long)sx.size, sx.mode & 07777);
  CHECK(syscall(SYS_statx, AT_FDCWD, "c1", 0x6000, 0x7ff, &sx));
  struct statfs sf;
  CHECK(fd = open("c1", O_RDONLY));
#ifdef SYS_statfs64
  CHECKL("statfs c1", syscall(SYS_statfs64, "c1", sizeof sf, &sf));
  CHECKL("fstatfs fd", syscall(SYS_fstatfs64, fd, sizeof sf, &sf));
  CHECKL("fstatfs fd bad buffer", syscall(SYS_fstatfs64, fd, sizeof sf, (void*)16));
#else
  CHECKL("statfs c1", syscall(SYS_statfs, "c1", &sf));
  CHECKL("fstatfs fd", syscall(SYS_fstatfs, fd, &sf));
  CHECKL("fstatfs fd bad buffer", syscall(SYS_fstatfs, fd, (void*)16));
#endif
  printf("statfs namelen %ld\n", (long)sf.f_namelen);
  CHECK(close(fd));
  CHECK(syscall(SYS_statx, AT_FDCWD, "missing", 0, 0x7ff, &sx));
  /* The thread's own exit: the last thread, so the process ends with 3. */
  fflush(stdout);
  syscall(SYS_exit, 3);
  return 99;
}
