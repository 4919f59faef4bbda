/* Helpers for the RV32 instruction tests: each case prints one line,
   "name operands -> result", so a run under psx diffs line by line against
   qemu-riscv32. Values are printed in hex, 8 digits. */
#ifndef PSX_TESTS_RV32_INSN_H
#define PSX_TESTS_RV32_INSN_H
#include <stdint.h>
#include <stdio.h>

/* Edge values for register operands: zero, one, all ones, the signed
   extremes, shift amounts around the 5-bit mask, and an ordinary pattern. */
static const uint32_t kVals[] = {0, 1, 0xffffffffu, 0x7fffffffu, 0x80000000u,
                                 31, 32, 33, 0x12345678u};
#define NVALS (sizeof kVals / sizeof kVals[0])

/* rd = op rs1, rs2 */
#define RR(op, a, b)                                                       \
  ({                                                                       \
    uint32_t r_;                                                           \
    __asm__ volatile(op " %0, %1, %2" : "=r"(r_) : "r"(a), "r"(b));        \
    r_;                                                                    \
  })
/* rd = op rs1, imm */
#define RI(op, a, imm)                                                     \
  ({                                                                       \
    uint32_t r_;                                                           \
    __asm__ volatile(op " %0, %1, " #imm : "=r"(r_) : "r"(a));             \
    r_;                                                                    \
  })

#define ALL_PAIRS(name)                                                    \
  for (unsigned i = 0; i < NVALS; ++i)                                     \
    for (unsigned j = 0; j < NVALS; ++j)                                   \
      printf("%-6s %08x %08x -> %08x\n", #name, kVals[i], kVals[j],        \
             RR(#name, kVals[i], kVals[j]))

#define ALL_IMM(name, imm)                                                 \
  for (unsigned i = 0; i < NVALS; ++i)                                     \
    printf("%-6s %08x %6d -> %08x\n", #name, kVals[i], imm, RI(#name, kVals[i], imm))

#endif
