/* fence.i after writing code: the new instruction must run, not a stale
   translation. The stub is `addi a0, x0, N; ret` in a writable+executable page. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

static uint32_t addi_a0(int n) { return ((uint32_t)n << 20) | (10u << 7) | 0x13; }

int main(void) {
  uint32_t *code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) { perror("mmap"); return 1; }
  int (*stub)(void) = (int (*)(void))code;
  code[0] = addi_a0(1);
  code[1] = 0x00008067;  /* ret */
  __asm__ volatile("fence.i" ::: "memory");
  printf("first -> %d\n", stub());
  for (int n = 2; n <= 4; ++n) {
    code[0] = addi_a0(n);
    __asm__ volatile("fence.i" ::: "memory");
    printf("after rewrite %d -> %d\n", n, stub());
  }
  /* Same code run from a second mapping of new contents at the same address. */
  munmap(code, 4096);
  uint32_t *again = mmap(code, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  again[0] = addi_a0(9);
  again[1] = 0x00008067;
  __asm__ volatile("fence.i" ::: "memory");
  printf("remapped -> %d\n", ((int (*)(void))again)());
  return 0;
}
