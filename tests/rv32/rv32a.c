/* RV32A: lr/sc success and failure, and every amo*.w: the old value in rd,
   the combined value in memory, for signed and unsigned edge operands. */
#include "insn.h"

static uint32_t cell __attribute__((aligned(4)));

#define AMO(op)                                                                 \
  for (unsigned i = 0; i < NVALS; ++i)                                          \
    for (unsigned j = 0; j < NVALS; j += 2) {                                   \
      uint32_t old_;                                                            \
      cell = kVals[i];                                                          \
      __asm__ volatile(op " %0, %1, (%2)" : "=r"(old_) : "r"(kVals[j]), "r"(&cell) \
                       : "memory");                                             \
      printf("%-10s %08x %08x -> old %08x mem %08x\n", op, kVals[i], kVals[j],  \
             old_, cell);                                                       \
    }

int main(void) {
  uint32_t v, fail;
  cell = 5;
  __asm__ volatile("lr.w %0, (%2)\n addi %0, %0, 1\n sc.w %1, %0, (%2)"
                   : "=&r"(v), "=&r"(fail) : "r"(&cell) : "memory");
  printf("lr/sc pair -> loaded+1 %08x sc %s mem %08x\n", v, fail ? "failed" : "ok", cell);
  /* The first sc consumes the reservation; the second must fail. */
  __asm__ volatile("lr.w %0, (%2)\n sc.w %1, %0, (%2)\n li %0, 99\n sc.w %1, %0, (%2)"
                   : "=&r"(v), "=&r"(fail) : "r"(&cell) : "memory");
  printf("sc without reservation -> %s mem %08x\n", fail ? "failed" : "ok", cell);
  AMO("amoswap.w"); AMO("amoadd.w"); AMO("amoand.w"); AMO("amoor.w"); AMO("amoxor.w");
  AMO("amomin.w"); AMO("amomax.w"); AMO("amominu.w"); AMO("amomaxu.w");
  __asm__ volatile("amoadd.w x0, %0, (%1)" : : "r"(3), "r"(&cell) : "memory");
  printf("amoadd.w rd=x0 -> mem %08x\n", cell);
  return 0;
}
