/* brk, mmap, munmap, mprotect, madvise and malloc at many sizes, each checked
   for contents and for zero-filled fresh memory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int all_zero(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

int main(void) {
  /* malloc: small to large, written and verified. */
  unsigned long check = 0;
  for (size_t sz = 1; sz <= (64u << 20); sz *= 3) {
    unsigned char* p = malloc(sz);
    if (!p) return 1;
    memset(p, (int)(sz & 0xff), sz);
    for (size_t i = 0; i < sz; i += 4093) check += p[i];
    p = realloc(p, sz * 2);
    check += p[sz - 1];
    free(p);
  }
  printf("malloc check=%lu\n", check);

  /* brk grows, reads zero, shrinks. The raw system call: musl's sbrk refuses
     any increment but 0 (it returns -1 with ENOMEM), which made this part
     fault on Linux itself. The break is put back where it was so that
     malloc, which also moves it, finds it where it left it. */
  char* b0 = (char*)syscall(SYS_brk, 0);
  char* b1 = (char*)syscall(SYS_brk, b0 + (1 << 20));
  int grew = b1 == b0 + (1 << 20);
  printf("sbrk grew=%d zero=%d\n", grew, grew && all_zero((unsigned char*)b0, 1 << 20));
  if (grew) memset(b0, 7, 1 << 20);
  printf("sbrk shrank=%d\n", (char*)syscall(SYS_brk, b0 + (1 << 19)) == b0 + (1 << 19));
  syscall(SYS_brk, b0);

  /* Anonymous mappings: fresh ones are zero; munmap'd ranges are gone. */
  size_t len = 16 << 20;
  unsigned char* m = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("mmap ok=%d zero=%d\n", m != MAP_FAILED, all_zero(m, len));
  memset(m, 0xab, len);
  printf("munmap middle=%d\n", munmap(m + 4096, 4096));
  unsigned char* again = mmap(m + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("remap fixed same=%d zero=%d neighbours=%d\n", again == m + 4096, all_zero(again, 4096),
         m[4095] == 0xab && m[8192] == 0xab);
  /* MAP_FIXED over existing memory replaces it with zeros. */
  mmap(m, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("fixed replace zero=%d\n", all_zero(m, 8192));
  /* madvise DONTNEED on private memory reads back as zero. */
  memset(m, 1, 3 * 4096);
  /* Sequenced: the order in which arguments are evaluated differs between
     compilers (x86-64 gcc checked the bytes before the madvise). */
  int advised = madvise(m, 2 * 4096, MADV_DONTNEED);
  printf("madvise=%d zero=%d\n", advised, all_zero(m, 2 * 4096));
  printf("mprotect ro=%d\n", mprotect(m, 4096, PROT_READ));
  printf("still readable=%d\n", m[0] == 0);
  printf("mprotect rw=%d\n", mprotect(m, 4096, PROT_READ | PROT_WRITE));
  m[0] = 5;
  printf("munmap all=%d\n", munmap(m, len));

  /* MAP_SHARED anonymous works too. */
  int* s = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  s[10] = 42;
  printf("shared ok=%d\n", s[10] == 42);
  /* A buffer in a fresh mapping can be written out by the kernel in place. */
  memcpy(s, "from a mapping\n", 15);
  write(1, s, 15);
  return 0;
}
