/* RV32I control transfer: every conditional branch over signed/unsigned
   edge pairs, branches to the ends of their +-4 KiB range, jal/jalr link
   values, and jalr clearing bit 0 of its target. */
#include "insn.h"

#define BR(op, a, b)                                                          \
  ({                                                                          \
    uint32_t t_;                                                              \
    __asm__ volatile("li %0, 1\n " op " %1, %2, 1f\n li %0, 0\n 1:"           \
                     : "=&r"(t_) : "r"(a), "r"(b));                           \
    t_;                                                                       \
  })

#define ALL_BRANCH(op)                                                        \
  for (unsigned i = 0; i < NVALS; ++i)                                        \
    for (unsigned j = 0; j < NVALS; ++j)                                      \
      printf("%-5s %08x %08x -> %s\n", op, kVals[i], kVals[j],                \
             BR(op, kVals[i], kVals[j]) ? "taken" : "not");

int main(void) {
  ALL_BRANCH("beq"); ALL_BRANCH("bne"); ALL_BRANCH("blt");
  ALL_BRANCH("bge"); ALL_BRANCH("bltu"); ALL_BRANCH("bgeu");

  uint32_t r;
  /* Forward to +4092 (the largest multiple of 4 below 4096) and back to -4096. */
  __asm__ volatile(
      ".option push\n .option norvc\n"
      " li %0, 0\n"
      " beq x0, x0, 2f\n"       /* +4092 from here */
      " .skip 4088\n"
      "2: addi %0, %0, 1\n"
      " j 4f\n"
      "3: addi %0, %0, 10\n"
      " j 5f\n"
      " .skip 4080\n"
      "4: beq x0, x0, 3b\n"     /* -4096 back to 3 */
      "5:\n"
      ".option pop\n"
      : "=&r"(r));
  printf("branch range +4092/-4096 -> %u\n", r);

  /* jal and jalr link to the next instruction; jalr clears bit 0. */
  uint32_t link, here;
  __asm__ volatile(".option push\n .option norvc\n"
                   " auipc %1, 0\n jal %0, 1f\n nop\n 1:\n .option pop"
                   : "=r"(link), "=r"(here));
  printf("jal link - pc -> %u\n", link - here);
  __asm__ volatile(".option push\n .option norvc\n"
                   " auipc t0, 0\n addi t0, t0, 17\n"   /* the nop after jalr, plus 1: odd */
                   " mv %1, t0\n jalr %0, t0, 0\n nop\n 1: nop\n .option pop"
                   : "=r"(link), "=r"(here) : : "t0");
  printf("jalr odd target, link - target -> %d\n", (int)(link - here));
  return 0;
}
