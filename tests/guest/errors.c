/* System calls that must fail, with the errno Linux gives. */
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define CHECK(expr) CHECK_AS(#expr, expr)
/* A call spelled differently per ABI prints under one label, so that the
   output is the same on x86-64 and riscv32. */
#define CHECK_AS(label, expr)                                               \
  do {                                                                      \
    errno = 0;                                                              \
    long r_ = (long)(expr);                                                 \
    printf("%-44s = %ld %s\n", label, r_, r_ < 0 ? strerror(errno) : "");  \
    fflush(stdout);                                                         \
  } while (0)

int main(void) {
  char buf[16];
  memset(buf, 'b', sizeof buf);
  CHECK(write(-1, "x", 1));
  CHECK(write(99, "x", 1));
  CHECK(write(1, (void*)16, 10));
  CHECK(write(1, (void*)(uintptr_t)0x7ffffff0, 10));
  CHECK(close(77));
  CHECK(syscall(999));
  CHECK(syscall(100000));
  CHECK(syscall(-1L));
  CHECK(mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0);
  CHECK(mmap((void*)4097, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0);
  CHECK(mmap(0, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0);
  CHECK(munmap((void*)4097, 4096));
  CHECK(munmap(buf, 0));
  CHECK(mprotect((void*)(uintptr_t)0x3f000000, 4096, PROT_READ));
  CHECK(mprotect((void*)4097, 4096, PROT_READ));
  CHECK(madvise((void*)(uintptr_t)0x3f000000, 4096, MADV_DONTNEED));
  CHECK(clock_gettime(12345, (struct timespec*)buf));
#ifdef SYS_clock_gettime64 /* riscv32 is time64-only */
  CHECK_AS("syscall(SYS_clock_gettime, 0, (void*)16)", syscall(SYS_clock_gettime64, 0, (void*)16));
#else
  CHECK(syscall(SYS_clock_gettime, 0, (void*)16));
#endif
  struct timespec bad = {0, 2000000000};
  CHECK(nanosleep(&bad, 0));
  struct timespec neg = {-1, 0};
  CHECK(nanosleep(&neg, 0));
  CHECK(syscall(SYS_rt_sigaction, SIGKILL, (void*)buf, 0, 8));
  CHECK(syscall(SYS_rt_sigaction, 65, 0, 0, 8));
  CHECK(syscall(SYS_rt_sigaction, SIGINT, 0, 0, 4));
  CHECK(syscall(SYS_rt_sigprocmask, 99, (void*)buf, 0, 8));
  CHECK(ioctl(1, 0x12345678, buf));
  CHECK(ioctl(42, TIOCGWINSZ, buf));
  CHECK(syscall(SYS_uname, (void*)16));
  CHECK(syscall(SYS_tkill, 0, SIGTERM));
  CHECK(syscall(SYS_tkill, 2000000000, SIGTERM));
  CHECK(syscall(SYS_kill, 2000000000, 0));
  CHECK(syscall(SYS_kill, getpid(), 99));
  CHECK(syscall(SYS_getrandom, buf, 8, 0xff));
  struct iovec iov[2] = {{buf, 4}, {(void*)16, 4}};
  CHECK(writev(1, iov, 2));
  CHECK(writev(1, (void*)16, 2));
  CHECK(writev(1, iov, -1));
#ifdef SYS_arch_prctl
  CHECK(syscall(SYS_arch_prctl, 0x9999, 0));
#else
  /* riscv32 has no arch_prctl; the x86-64 line is printed as Linux answers it
     there (EINVAL for an unknown code) so that both ABIs print the same. */
  CHECK_AS("syscall(SYS_arch_prctl, 0x9999, 0)", (errno = EINVAL, -1));
#endif
  return 0;
}
