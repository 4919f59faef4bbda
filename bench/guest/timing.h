/* Timing helpers shared by the benchmark guests (each built for x86-64 and
   riscv32): a monotonic clock in ns, and a comparison for qsort of doubles
   (medians). */
#pragma once
#include <time.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}
