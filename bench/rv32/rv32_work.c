/* Workloads for the RV32 benchmark (bench/rv32/rv32_bench.cpp), one per
   argv[1], each N iterations (argv[2]); built for riscv32 and for x86-64.
   Each prints one line: the workload, the nanoseconds its loop took as the
   guest's own clock_gettime saw them, and a checksum that keeps the compiler
   from dropping the work (and lets the driver check every runner got the same).

     compute  integer hashing, an insertion-free merge sort and a small
              bytecode interpreter: a mix like a real program's inner loops
     alu      register-only arithmetic (a hash chain): no loads, no stores
     load     loads from a 64 KiB table, a few ALU operations each
     store    stores into a 64 KiB table, a few ALU operations each
     getppid  the null system call, N times (the ECALL / syscall round trip);
              psx may answer it in the guest host process (native: the
              shim's identity page)
     badclose close(-1), N times: EBADF from the personality, so always a
              round trip to the kernel host and back */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint32_t mix(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

#define TABLE_WORDS (64 * 1024 / 4)
static volatile uint32_t table[TABLE_WORDS];

static uint32_t alu(uint32_t n) {
  uint32_t a = 1, b = 2;
  for (uint32_t i = 0; i < n; ++i) {
    a = (a << 5 | a >> 27) ^ (b + i);
    b = b * 0x01000193u ^ a;
  }
  return a ^ b;
}

static uint32_t load(uint32_t n) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < TABLE_WORDS; ++i) table[i] = i * 2654435761u;
  for (uint32_t i = 0; i < n; ++i) s += table[(i * 7) & (TABLE_WORDS - 1)];
  return s;
}

static uint32_t store(uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) table[(i * 7) & (TABLE_WORDS - 1)] = i;
  uint32_t s = 0;
  for (uint32_t i = 0; i < TABLE_WORDS; ++i) s += table[i];
  return s;
}

static void merge_sort(uint32_t* a, uint32_t* tmp, size_t n) {
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
      while (i < mid) tmp[k++] = a[i++];
      while (j < hi) tmp[k++] = a[j++];
    }
    memcpy(a, tmp, n * sizeof *a);
  }
}

/* A stack machine: the loop body of a tiny language, dispatched by switch. */
enum { PUSH, ADD, MUL, DUP, SWAP, DEC, JNZ, POP, HALT };
static uint32_t interpret(uint32_t count) {
  /* stack: acc, i. Loop: acc = acc * 31 + acc ... while --i. */
  static const uint32_t prog[] = {/* 0: */ SWAP, DUP, PUSH, 31, MUL, ADD, SWAP, DEC, DUP, JNZ, 0,
                                  POP, HALT};
  uint32_t stack[16], sp = 0, pc = 0;
  stack[sp++] = 7;
  stack[sp++] = count ? count : 1;
  for (;;) {
    switch (prog[pc++]) {
      case PUSH: stack[sp++] = prog[pc++]; break;
      case ADD: sp--; stack[sp - 1] += stack[sp]; break;
      case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
      case DUP: stack[sp] = stack[sp - 1]; sp++; break;
      case SWAP: { uint32_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; } break;
      case DEC: stack[sp - 1]--; break;
      case JNZ: { uint32_t t = prog[pc++]; if (stack[--sp]) pc = t; } break;
      case POP: sp--; break;
      case HALT: return stack[sp - 1];
    }
  }
}

static uint32_t compute(uint32_t n) {
  uint32_t h = 0;
  for (uint32_t i = 0; i < n; ++i) h = mix(h + i);
  size_t len = n / 16 > 1 ? n / 16 : 1;
  uint32_t* a = malloc(len * sizeof *a);
  uint32_t* tmp = malloc(len * sizeof *a);
  for (size_t i = 0; i < len; ++i) a[i] = mix((uint32_t)i ^ h);
  merge_sort(a, tmp, len);
  for (size_t i = 1; i < len; ++i)
    if (a[i - 1] > a[i]) return 0;  /* not sorted: a broken run */
  h ^= a[len / 2] ^ interpret(n / 4);
  free(a);
  free(tmp);
  return h;
}

static uint32_t null_syscalls(uint32_t n) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < n; ++i) s += (uint32_t)syscall(SYS_getppid);
  return s / (n ? n : 1) == (uint32_t)getppid();
}

static uint32_t bad_closes(uint32_t n) {
  uint32_t failed = 0;
  for (uint32_t i = 0; i < n; ++i) failed += syscall(SYS_close, -1) < 0;
  return failed == n;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s compute|alu|load|store|getppid|badclose N\n", argv[0]);
    return 2;
  }
  uint32_t n = (uint32_t)strtoul(argv[2], 0, 10), sum;
  uint64_t t0 = now_ns();
  if (!strcmp(argv[1], "compute")) sum = compute(n);
  else if (!strcmp(argv[1], "alu")) sum = alu(n);
  else if (!strcmp(argv[1], "load")) sum = load(n);
  else if (!strcmp(argv[1], "store")) sum = store(n);
  else if (!strcmp(argv[1], "getppid")) sum = null_syscalls(n);
  else if (!strcmp(argv[1], "badclose")) sum = bad_closes(n);
  else return 2;
  uint64_t t1 = now_ns();
  printf("%s ns=%llu sum=%08x\n", argv[1], (unsigned long long)(t1 - t0), sum);
  return 0;
}
