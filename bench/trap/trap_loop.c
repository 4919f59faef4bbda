/* The guest side of the trap benchmark: makes one system call in a tight loop
 * and prints the median cost per call over several repetitions, in ns.
 * Runs natively (the host's own syscall) and under psx (each trap mode).
 * musl's getppid()/getpid() are `mov $nr,%eax; syscall; ret`: the canonical
 * rewritable site. clock_gettime natively uses the vDSO (no syscall).
 *   trap_loop getppid|getpid|clock_gettime ITERATIONS REPETITIONS          */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../guest/timing.h"


int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: trap_loop getppid|getpid|clock_gettime ITERATIONS REPETITIONS\n");
    return 2;
  }
  const char* op = argv[1];
  long iters = atol(argv[2]), reps = atol(argv[3]);
  if (reps < 1 || reps > 100 || iters < 1) return 2;
  double per[100];
  struct timespec ts;
  volatile long sink = 0;
  for (long r = -1; r < reps; r++) { /* r = -1: warm-up */
    long long t0 = now_ns();
    if (!strcmp(op, "getppid"))
      for (long i = 0; i < iters; i++) sink += getppid();
    else if (!strcmp(op, "getpid"))
      for (long i = 0; i < iters; i++) sink += getpid();
    else if (!strcmp(op, "clock_gettime"))
      for (long i = 0; i < iters; i++) sink += clock_gettime(CLOCK_MONOTONIC, &ts);
    else
      return 2;
    long long t1 = now_ns();
    if (r >= 0) per[r] = (double)(t1 - t0) / (double)iters;
  }
  qsort(per, (size_t)reps, sizeof per[0], cmp_double);
  printf("%.2f\n", per[reps / 2]);
  return 0;
}
