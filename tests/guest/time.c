/* Clocks move forward and sleeps last at least as long as asked. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static long long ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
  long long a = ns(CLOCK_MONOTONIC);
  struct timespec req = {0, 30 * 1000 * 1000};
  int r = nanosleep(&req, 0);
  long long b = ns(CLOCK_MONOTONIC);
  printf("nanosleep=%d slept_enough=%d\n", r, b - a >= 30000000LL);
  struct timespec abs;
  clock_gettime(CLOCK_MONOTONIC, &abs);
  abs.tv_nsec += 20 * 1000 * 1000;
  if (abs.tv_nsec >= 1000000000) {
    abs.tv_sec++;
    abs.tv_nsec -= 1000000000;
  }
  r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, 0);
  long long c = ns(CLOCK_MONOTONIC);
  printf("clock_nanosleep abs=%d reached=%d\n", r, c >= abs.tv_sec * 1000000000LL + abs.tv_nsec);
  struct timeval tv;
  gettimeofday(&tv, 0);
  long long rt = ns(CLOCK_REALTIME);
  printf("realtime agrees=%d\n", rt / 1000000000LL - tv.tv_sec <= 1);
  printf("time agrees=%d\n", time(0) - tv.tv_sec <= 1);
  int mono_ok = 1;
  long long prev = ns(CLOCK_MONOTONIC);
  for (int i = 0; i < 1000; i++) {
    long long now = ns(CLOCK_MONOTONIC);
    if (now < prev) mono_ok = 0;
    prev = now;
  }
  printf("monotonic=%d\n", mono_ok);
  printf("cputime>0=%d\n", ns(CLOCK_PROCESS_CPUTIME_ID) > 0);
  return 0;
}
