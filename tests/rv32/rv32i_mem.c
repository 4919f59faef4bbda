/* RV32I loads and stores of every width at every alignment (misaligned ones
   included: Linux and qemu-riscv32 complete them), sign vs zero extension,
   and negative offsets. */
#include <string.h>

#include "insn.h"

static uint8_t buf[16] __attribute__((aligned(16)));

static void fill(void) {
  for (int i = 0; i < 16; ++i) buf[i] = (uint8_t)(0x80 + i * 0x11);
}

#define LOAD(op, off)                                                        \
  do {                                                                       \
    uint32_t r_;                                                             \
    __asm__ volatile(op " %0, " #off "(%1)" : "=r"(r_) : "r"(buf + 4));      \
    printf("%-4s %+d -> %08x\n", op, off, r_);                               \
  } while (0)

#define STORE(op, off)                                                       \
  do {                                                                       \
    fill();                                                                  \
    __asm__ volatile(op " %0, " #off "(%1)" : : "r"(0x01234567u), "r"(buf + 4) \
                     : "memory");                                            \
    printf("%-4s %+d ->", op, off);                                          \
    for (int i = 0; i < 16; ++i) printf(" %02x", buf[i]);                    \
    printf("\n");                                                            \
  } while (0)

#define EACH_OFFSET(M, op) M(op, -4); M(op, -3); M(op, -1); M(op, 0); M(op, 1); M(op, 2); M(op, 3); M(op, 5)

int main(void) {
  fill();
  EACH_OFFSET(LOAD, "lb"); EACH_OFFSET(LOAD, "lbu"); EACH_OFFSET(LOAD, "lh");
  EACH_OFFSET(LOAD, "lhu"); EACH_OFFSET(LOAD, "lw");
  EACH_OFFSET(STORE, "sb"); EACH_OFFSET(STORE, "sh"); EACH_OFFSET(STORE, "sw");
  return 0;
}
