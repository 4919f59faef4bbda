/* poll, ppoll, select, pselect on stdin (a pipe: with data, then at EOF),
   stdout (a pipe), /dev/null, a file, closed and negative descriptors, and
   timeouts. argv[1]: a work directory to create (else one under /tmp).
   Readiness that depends on timing (whether the writer of stdin has closed
   yet) is printed only as far as it is certain. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "workdir.h"

#ifdef SYS_ppoll_time64
#define SYS_PPOLL SYS_ppoll_time64
#else
#define SYS_PPOLL SYS_ppoll
#endif

#define BAD ((void*)16)

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char** argv) {
  char dir[256], path[300];
  if (!workdir_from_args(argc, argv, dir, sizeof dir, "/tmp/psx-poll-XXXXXX")) return 1;
  snprintf(path, sizeof path, "%s/file", dir);

  /* stdin: readable now if data was given (or at EOF). */
  struct pollfd p[4];
  p[0] = (struct pollfd){0, POLLIN, 0};
  CHECK(poll(p, 1, 2000));
  printf("stdin readable or hung up: %d\n", (p[0].revents & (POLLIN | POLLHUP)) != 0);
  char buf[4096];
  long total = 0, n;
  while ((n = read(0, buf, sizeof buf)) > 0) total += n;
  printf("read %ld bytes of stdin\n", total);
  /* At EOF a pipe with no writer says POLLHUP (and no POLLIN). */
  p[0] = (struct pollfd){0, POLLIN, 0};
  CHECK(poll(p, 1, -1));
  printf("  revents = 0x%x\n", p[0].revents);
  fd_set r, w, e;
  FD_ZERO(&r);
  FD_SET(0, &r);
  struct timeval tv = {1, 0};
  CHECK(select(1, &r, NULL, NULL, &tv));
  printf("  stdin in the read set: %d\n", FD_ISSET(0, &r));

  /* stdout (a pipe): writable, never readable. */
  p[0] = (struct pollfd){1, POLLOUT, 0};
  CHECK(poll(p, 1, 0));
  printf("  revents = 0x%x\n", p[0].revents);
  FD_ZERO(&w);
  FD_SET(1, &w);
  CHECK(select(2, NULL, &w, NULL, NULL));
  printf("  stdout in the write set: %d\n", FD_ISSET(1, &w));

  /* Timeouts: nothing becomes ready. */
  long long t0 = now_ms();
  p[0] = (struct pollfd){1, POLLIN, 0};
  CHECK(poll(p, 1, 60));
  printf("  waited >= 50 ms: %d, revents = 0x%x\n", now_ms() - t0 >= 50, p[0].revents);
  t0 = now_ms();
  FD_ZERO(&r);
  FD_SET(1, &r);
  tv = (struct timeval){0, 60000};
  CHECK(select(2, &r, NULL, NULL, &tv));
  printf("  waited >= 50 ms: %d, set empty: %d\n", now_ms() - t0 >= 50, !FD_ISSET(1, &r));
  t0 = now_ms();
  CHECK(poll(NULL, 0, 30));
  printf("  waited >= 25 ms: %d\n", now_ms() - t0 >= 25);
  struct timespec ts = {0, 40000000};
  t0 = now_ms();
  CHECK(ppoll(NULL, 0, &ts, NULL));
  printf("  waited >= 35 ms: %d\n", now_ms() - t0 >= 35);
  CHECK(poll(p, 1, 0));

  /* /dev/null and a file: always ready, for what was asked. */
  int null = open("/dev/null", O_RDWR);
  int file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  write(file, "abc", 3);
  p[0] = (struct pollfd){null, POLLIN | POLLOUT, 0};
  p[1] = (struct pollfd){file, POLLIN, 0};
  p[2] = (struct pollfd){-1, POLLIN, 0x7};
  p[3] = (struct pollfd){50, POLLIN, 0};
  CHECK(poll(p, 4, -1));
  for (int i = 0; i < 4; i++) printf("  [%d] revents = 0x%x\n", i, p[i].revents);
  p[0] = (struct pollfd){file, POLLOUT | POLLPRI, 0};
  CHECK(poll(p, 1, 0));
  printf("  revents = 0x%x\n", p[0].revents);
  p[0] = (struct pollfd){file, 0, 0};
  CHECK(poll(p, 1, 0));
  printf("  revents = 0x%x\n", p[0].revents);
  p[0] = (struct pollfd){-5, POLLIN, 0};
  CHECK(poll(p, 1, 0));

  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_ZERO(&e);
  FD_SET(null, &r);
  FD_SET(file, &r);
  FD_SET(file, &w);
  FD_SET(file, &e);
  tv = (struct timeval){0, 0};
  CHECK(select(file + 1, &r, &w, &e, &tv));
  printf("  r: %d %d, w: %d, e: %d\n", FD_ISSET(null, &r), FD_ISSET(file, &r), FD_ISSET(file, &w), FD_ISSET(file, &e));
  FD_ZERO(&r);
  FD_SET(50, &r);
  CHECK(select(51, &r, NULL, NULL, &tv));
  CHECK(select(-1, NULL, NULL, NULL, &tv));
  CHECK(select(51, BAD, NULL, NULL, &tv));
  CHECK(select(0, NULL, NULL, NULL, &tv));

  /* pselect and ppoll with a signal mask. */
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  FD_ZERO(&w);
  FD_SET(file, &w);
  ts = (struct timespec){0, 0};
  CHECK(pselect(file + 1, NULL, &w, NULL, &ts, &mask));
  printf("  file in the write set: %d\n", FD_ISSET(file, &w));
  p[0] = (struct pollfd){file, POLLIN, 0};
  CHECK(ppoll(p, 1, &ts, &mask));
  printf("  revents = 0x%x\n", p[0].revents);
  CHECK(ppoll(p, 1, NULL, &mask));
  sigset_t cur;
  sigprocmask(SIG_BLOCK, NULL, &cur);
  printf("  mask restored: %d\n", !sigismember(&cur, SIGUSR1));
  long long zero[2] = {0, 0}, bad_ns[2] = {0, 1000000000};
  CHECK(syscall(SYS_PPOLL, p, 1, zero, &mask, 4));
  CHECK(syscall(SYS_PPOLL, p, 1, zero, BAD, 8));
  CHECK(syscall(SYS_PPOLL, p, 1, bad_ns, NULL, 8));
  CHECK(syscall(SYS_PPOLL, p, 1, BAD, NULL, 8));

  /* Bad arrays and too many descriptors. */
  CHECK(poll(BAD, 1, 0));
  struct rlimit rl, low;
  getrlimit(RLIMIT_NOFILE, &rl);
  low = rl;
  low.rlim_cur = 8;
  setrlimit(RLIMIT_NOFILE, &low);
  struct pollfd many[9];
  for (int i = 0; i < 9; i++) many[i] = (struct pollfd){-1, 0, 0};
  CHECK(poll(many, 9, 0));
  CHECK(poll(many, 8, 0));
  setrlimit(RLIMIT_NOFILE, &rl);

  close(null);
  close(file);
  unlink(path);
  if (argc <= 1) rmdir(dir);
  return 0;
}
