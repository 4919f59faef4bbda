/* Large writes in several shapes: one huge write, many small ones, writev,
   and stdio, to stdout and stderr. Output is a deterministic pattern. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static void fill(char* b, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    b[i] = "abcdefghijklmnopqrstuvwxyz0123456789\n"[(seed >> 16) % 37];
  }
}

int main(int argc, char** argv) {
  size_t big = argc > 1 ? strtoul(argv[1], 0, 10) : (8u << 20);
  char* b = malloc(big);
  fill(b, big, 1);
  size_t done = 0;
  while (done < big) {
    ssize_t n = write(1, b + done, big - done);
    if (n <= 0) return 2;
    done += (size_t)n;
  }
  for (int i = 0; i < 10000; i++) write(1, b + i, 7);
  struct iovec iov[3] = {{b, 100000}, {b + 5, 0}, {b + 200000, 300000}};
  ssize_t n = writev(1, iov, 3);
  fprintf(stderr, "writev=%zd\n", n);
  for (int i = 0; i < 1000; i++) fprintf(stdout, "line %d %.*s\n", i, i % 50, b);
  fflush(stdout);
  fill(b, 100000, 2);
  write(2, b, 100000);
  return 0;
}
