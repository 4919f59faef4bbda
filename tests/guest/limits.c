/* Resource limits and process figures: getrlimit/setrlimit (raw on x86-64,
   prlimit64 where the ABI has only that), RLIMIT_NOFILE enforced by dup,
   prlimit64 on itself, prctl names, getgroups, sysinfo, times, getrusage,
   sched_getaffinity, clock_getres. Prints nothing ABI- or machine-dependent:
   figures are printed as booleans. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define BAD ((void*)16)

/* The kernel's getrlimit/setrlimit where the ABI has them (x86-64), else
   prlimit64 on the calling process (riscv32); rlimit64 layout on both. */
static long raw_getrlimit(int res, void* out) {
#ifdef SYS_getrlimit
  return syscall(SYS_getrlimit, res, out);
#else
  return syscall(SYS_prlimit64, 0, res, 0, out);
#endif
}
static long raw_setrlimit(int res, const void* in) {
#ifdef SYS_setrlimit
  return syscall(SYS_setrlimit, res, in);
#else
  return syscall(SYS_prlimit64, 0, res, in, 0);
#endif
}

int main(void) {
  struct rlimit rl, saved, got;
  CHECK(raw_getrlimit(RLIMIT_NOFILE, &saved));
  printf("nofile cur <= max: %d\n", saved.rlim_cur <= saved.rlim_max);
  CHECK(raw_getrlimit(64, &rl));
  CHECK(raw_getrlimit(RLIMIT_NOFILE, BAD));
  CHECK(raw_setrlimit(RLIMIT_NOFILE, BAD));

  /* RLIMIT_NOFILE is enforced: descriptors stop at the soft limit. */
  rl.rlim_cur = 16;
  rl.rlim_max = saved.rlim_max;
  CHECK(raw_setrlimit(RLIMIT_NOFILE, &rl));
  CHECK(getrlimit(RLIMIT_NOFILE, &got));
  printf("cur = %ld, max kept: %d\n", (long)got.rlim_cur, got.rlim_max == saved.rlim_max);
  int last = -1, fd;
  while ((fd = dup(0)) >= 0) last = fd;
  printf("last dup = %d, then %s\n", last, err_name(errno));
  CHECK(fcntl(0, F_DUPFD, 16));
  CHECK(dup2(0, 16));
  CHECK(dup2(0, 15) >= 0);
  for (int i = 3; i <= last; i++) close(i);
  rl.rlim_cur = 32;
  rl.rlim_max = 16;
  CHECK(raw_setrlimit(RLIMIT_NOFILE, &rl));
  rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
  CHECK(raw_setrlimit(RLIMIT_NOFILE, &rl));
  CHECK(raw_setrlimit(64, &saved));
  CHECK(setrlimit(RLIMIT_NOFILE, &saved));

  /* prlimit64 on itself (0 or its own pid); other pids are not ours. */
  struct rlimit core = {0, 0}, old;
  CHECK(prlimit(0, RLIMIT_CORE, NULL, &old));
  core.rlim_max = old.rlim_max;
  CHECK(prlimit(getpid(), RLIMIT_CORE, &core, &old));
  CHECK(prlimit(0, RLIMIT_CORE, NULL, &got));
  printf("core cur = %ld, max kept: %d\n", (long)got.rlim_cur, got.rlim_max == old.rlim_max);
  CHECK(prlimit(0x3fffffff, RLIMIT_CORE, NULL, &got));
  CHECK(prlimit(0, 99, NULL, &got));
  CHECK(prlimit(0, RLIMIT_CORE, BAD, NULL));
  CHECK(prlimit(0, RLIMIT_CORE, NULL, BAD));
  CHECK(getrlimit(RLIMIT_STACK, &rl));
  printf("stack cur <= max: %d\n", rl.rlim_cur <= rl.rlim_max);

  /* prctl: the name round trip (at most 15 bytes kept). */
  char name[32];
  memset(name, 'x', sizeof name);
  CHECK(prctl(PR_SET_NAME, "psx-limits-test-long-name", 0, 0, 0));
  CHECK(prctl(PR_GET_NAME, name, 0, 0, 0));
  printf("name = \"%s\", byte 16 untouched: %d\n", name, name[16] == 'x');
  CHECK(prctl(PR_SET_NAME, "short", 0, 0, 0));
  CHECK(prctl(PR_GET_NAME, name, 0, 0, 0));
  printf("name = \"%s\"\n", name);
  CHECK(prctl(PR_SET_NAME, BAD, 0, 0, 0));
  CHECK(prctl(PR_GET_NAME, BAD, 0, 0, 0));
  CHECK(prctl(9999, 0, 0, 0, 0));

  /* getgroups: the count is the same however it is asked. */
  gid_t groups[256];
  int n = getgroups(0, NULL);
  printf("getgroups(0) >= 0: %d\n", n >= 0);
  CHECK(getgroups(256, groups) == n);
  if (n > 1) {
    CHECK(getgroups(n - 1, groups));
  } else {
    printf("%-58s = %ld %s\n", "getgroups(n - 1, groups)", -1L, "EINVAL");
  }
  CHECK(getgroups(-1, groups));
  if (n > 0) {
    CHECK(getgroups(n, BAD));
  } else {
    printf("%-58s = %ld %s\n", "getgroups(n, BAD)", -1L, "EFAULT");
  }

  /* sysinfo: plausible figures. */
  struct sysinfo si;
  memset(&si, 0, sizeof si);
  CHECK(sysinfo(&si));
  printf("uptime > 0: %d, totalram > 0: %d, freeram <= totalram: %d, mem_unit >= 1: %d, procs > 0: %d\n",
         si.uptime > 0, si.totalram > 0, si.freeram <= si.totalram, si.mem_unit >= 1, si.procs > 0);
  CHECK(sysinfo(BAD));

  /* times and getrusage: this process's own figures; no children yet. */
  struct tms t;
  memset(&t, 0xff, sizeof t);
  clock_t ticks = times(&t);
  printf("times != -1: %d, children zero: %d, utime >= 0: %d\n", ticks != (clock_t)-1,
         t.tms_cutime == 0 && t.tms_cstime == 0, (long)t.tms_utime >= 0);
  CHECK(times(NULL) != (clock_t)-1);
  struct rusage ru;
  CHECK(getrusage(RUSAGE_SELF, &ru));
  printf("maxrss > 0: %d, usec < 1e6: %d\n", ru.ru_maxrss > 0, ru.ru_utime.tv_usec < 1000000 && ru.ru_stime.tv_usec < 1000000);
  CHECK(getrusage(RUSAGE_CHILDREN, &ru));
  printf("children: utime 0: %d, maxrss 0: %d\n", ru.ru_utime.tv_sec == 0 && ru.ru_utime.tv_usec == 0, ru.ru_maxrss == 0);
  CHECK(getrusage(RUSAGE_THREAD, &ru));
  CHECK(getrusage(5, &ru));
  CHECK(getrusage(RUSAGE_SELF, BAD));

  /* sched_getaffinity: at least one CPU; bad lengths, pids and buffers. */
  cpu_set_t set;
  CPU_ZERO(&set);
  CHECK(sched_getaffinity(0, sizeof set, &set));
  printf("cpus > 0: %d\n", CPU_COUNT(&set) > 0);
  CHECK(sched_getaffinity(getpid(), sizeof set, &set));
  CHECK(syscall(SYS_sched_getaffinity, 0, 3, &set));
  CHECK(syscall(SYS_sched_getaffinity, 0x3fffffff, sizeof set, &set));
  CHECK(syscall(SYS_sched_getaffinity, 0, sizeof set, BAD));

  /* clock_getres. */
  struct timespec ts;
  static const int clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_BOOTTIME,
                               CLOCK_MONOTONIC_RAW};
  for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
    memset(&ts, 0xff, sizeof ts);
    CHECK(clock_getres(clocks[i], &ts));
    printf("  res = %lld.%09ld\n", (long long)ts.tv_sec, (long)ts.tv_nsec);
  }
  CHECK(clock_getres(CLOCK_MONOTONIC, NULL));
  CHECK(clock_getres(99, &ts));
  CHECK(clock_getres(CLOCK_MONOTONIC, BAD));
  return 0;
}
