/* mremap: growing in place, moving (MREMAP_MAYMOVE, MREMAP_FIXED) with the
   contents kept, shrinking, the errno cases; and realloc of large blocks
   (musl's malloc uses mremap for them). Addresses are printed only as
   comparisons. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

static void fill(unsigned char* p, size_t n, int seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(i * 13 + seed);
}
static int same(const unsigned char* p, size_t n, int seed) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != (unsigned char)(i * 13 + seed)) return 0;
  return 1;
}
static int zero(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

int main(void) {
  size_t pg = (size_t)sysconf(_SC_PAGESIZE);
  int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;

  /* Grow in place: the next page is free. */
  unsigned char* c = mmap(NULL, 2 * pg, rw, anon, -1, 0);
  munmap(c + pg, pg);
  fill(c, pg, 1);
  unsigned char* r = mremap(c, pg, 2 * pg, 0);
  int grew = r == c;
  printf("in place: %d, kept: %d, new page zero: %d\n", grew, grew && same(r, pg, 1), grew && zero(r + pg, pg));
  if (grew) {
    r[2 * pg - 1] = 7;
    /* Shrink: the tail goes away. */
    r = mremap(c, 2 * pg, pg, 0);
    printf("shrunk in place: %d, kept: %d\n", r == c, r == c && same(r, pg, 1));
  }
  CHECK(msync(c + pg, pg, MS_SYNC));
  CHECK(mremap(c, pg, pg, 0) == c);
  munmap(c, pg);

  /* Blocked above: without MREMAP_MAYMOVE it cannot grow; with it, it moves. */
  unsigned char* base = mmap(NULL, 3 * pg, rw, anon, -1, 0);
  munmap(base, pg);
  unsigned char* a = base + pg;
  mprotect(base + 2 * pg, pg, PROT_READ);
  fill(a, pg, 2);
  CHECK(mremap(a, pg, 2 * pg, 0));
  r = mremap(a, pg, 2 * pg, MREMAP_MAYMOVE);
  printf("moved: %d, kept: %d, new page zero: %d\n", r != MAP_FAILED && r != a, r != MAP_FAILED && same(r, pg, 2),
         r != MAP_FAILED && zero(r + pg, pg));
  if (r != MAP_FAILED) {
    r[2 * pg - 1] = 9;
    printf("writable: %d\n", r[2 * pg - 1] == 9);
    munmap(r, 2 * pg);
  }
  munmap(base + 2 * pg, pg);

  /* A forced move of several pages: a neighbour blocks the grow in place;
     the contents come along and the old range is gone. */
  unsigned char* f = mmap(NULL, 3 * pg, rw, anon, -1, 0);
  mprotect(f + 2 * pg, pg, PROT_READ);
  fill(f, 2 * pg, 5);
  r = mremap(f, 2 * pg, 8 * pg, MREMAP_MAYMOVE);
  printf("forced move: %d, kept: %d, new pages zero: %d\n", r != MAP_FAILED && r != f,
         r != MAP_FAILED && same(r, 2 * pg, 5), r != MAP_FAILED && zero(r + 2 * pg, 6 * pg));
  CHECK(mremap(f, pg, 2 * pg, 0));
  if (r != MAP_FAILED) munmap(r, 8 * pg);
  munmap(f + 2 * pg, pg);

  /* MREMAP_FIXED: to a chosen address, replacing what is there; growing, then
     shrinking to another place. */
  unsigned char* t = mmap(NULL, 8 * pg, rw, anon, -1, 0);
  unsigned char* u = t + 6 * pg;
  unsigned char* src = mmap(NULL, 2 * pg, rw, anon, -1, 0);
  fill(src, 2 * pg, 6);
  t[pg] = 1;
  r = mremap(src, 2 * pg, 3 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, t + pg);
  printf("fixed: %d, kept: %d, new page zero: %d, below kept: %d\n", r == t + pg, r == t + pg && same(r, 2 * pg, 6),
         r == t + pg && zero(r + 2 * pg, pg), t[0] == 0);
  r = mremap(t + pg, 3 * pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, u);
  printf("fixed shrink: %d, kept: %d\n", r == u, r == u && same(r, pg, 6));
  CHECK(mremap(t + pg, pg, 2 * pg, 0));
  CHECK(mremap(u, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, u));      /* overlap */
  CHECK(mremap(u, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, t + 1));  /* unaligned */
  CHECK(mremap(src, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, t));      /* src is gone */
  munmap(t, 8 * pg);

  /* Errors. */
  unsigned char* m = mmap(NULL, pg, rw, anon, -1, 0);
  CHECK(mremap(m + 1, pg, 2 * pg, MREMAP_MAYMOVE));
  CHECK(mremap(m, pg, 2 * pg, 0x100));
  CHECK(mremap(m, pg, 2 * pg, MREMAP_FIXED, m + 16 * pg));
  CHECK(mremap(m, pg, 0, MREMAP_MAYMOVE));
  CHECK(mremap(m, pg, pg, MREMAP_DONTUNMAP));
  munmap(m, pg);
  CHECK(mremap(m, pg, 2 * pg, MREMAP_MAYMOVE));

  /* realloc of large blocks keeps the contents, whichever way it goes. */
  size_t n = 1 << 20;
  unsigned char* big = malloc(n);
  fill(big, n, 3);
  big = realloc(big, 4 * n);
  printf("realloc 4 MiB kept: %d\n", big && same(big, n, 3));
  fill(big, 4 * n, 4);
  big = realloc(big, 16 * n);
  printf("realloc 16 MiB kept: %d\n", big && same(big, 4 * n, 4));
  big = realloc(big, 2 * n);
  printf("realloc 2 MiB kept: %d\n", big && same(big, 2 * n, 4));
  free(big);
  return 0;
}
