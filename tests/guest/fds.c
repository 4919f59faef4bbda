/* Descriptor calls on the inherited stdio descriptors: dup, dup2, dup3,
   fcntl and close_range, with their errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define CHECK(expr) CHECK_AS(#expr, expr)
#define CHECK_AS(label, expr)                                               \
  do {                                                                      \
    errno = 0;                                                              \
    long r_ = (long)(expr);                                                 \
    printf("%-40s = %ld %s\n", label, r_, r_ < 0 ? strerror(errno) : "");  \
    fflush(stdout);                                                         \
  } while (0)

int main(void) {
  CHECK(dup(1));
  CHECK(write(3, "via 3\n", 6));
  CHECK(dup2(1, 10));
  CHECK(write(10, "via 10\n", 7));
  CHECK(dup2(10, 10));
  CHECK(dup3(1, 12, O_CLOEXEC));
  CHECK(fcntl(12, F_GETFD));
  CHECK(fcntl(12, F_SETFD, 0));
  CHECK(fcntl(12, F_GETFD));
  CHECK(fcntl(1, F_DUPFD, 20));
  CHECK(fcntl(1, F_DUPFD_CLOEXEC, 20));
  CHECK(fcntl(21, F_GETFD));
  CHECK(fcntl(1, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
  CHECK(fcntl(3, F_SETFL, O_APPEND));
  CHECK(fcntl(1, F_GETFL) & O_APPEND ? 1 : 0); /* shared description */
  CHECK(fcntl(3, F_SETFL, 0));
  CHECK(close(3));
  CHECK(write(3, "x", 1));
  CHECK(dup(-1));
  CHECK(dup(99));
  CHECK(dup2(1, -1));
  CHECK(dup2(99, 5));
  CHECK(dup3(1, 1, 0));
  /* The raw call: musl's x86-64 dup3 falls back to dup2 for flags without
     O_CLOEXEC (returning 5), riscv32's has no dup2 to fall back to (EINVAL). */
  CHECK_AS("dup3(1, 5, 12345)", syscall(SYS_dup3, 1, 5, 12345));
  CHECK(fcntl(1, F_DUPFD, -1));
  CHECK(fcntl(1, 9999));
  CHECK(fcntl(77, F_GETFD));
  CHECK(syscall(436 /* close_range */, 5, 2, 0));
  CHECK(syscall(436, 10, 12, CLOSE_RANGE_CLOEXEC));
  CHECK(fcntl(10, F_GETFD));
  CHECK(syscall(436, 10, 100, 0));
  CHECK(write(10, "x", 1));
  CHECK(write(20, "still here\n", 11));
  CHECK(syscall(436, 0, 0, 0x40));
  return 0;
}
