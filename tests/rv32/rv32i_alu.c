/* RV32I register and immediate arithmetic: sign extension of immediates,
   shift amounts masked to 5 bits, signed vs unsigned compares, lui/auipc,
   and writes to x0 that must be discarded. */
#include "insn.h"

int main(void) {
  ALL_PAIRS(add); ALL_PAIRS(sub); ALL_PAIRS(and); ALL_PAIRS(or); ALL_PAIRS(xor);
  ALL_PAIRS(sll); ALL_PAIRS(srl); ALL_PAIRS(sra); ALL_PAIRS(slt); ALL_PAIRS(sltu);
  ALL_IMM(addi, -2048); ALL_IMM(addi, 2047); ALL_IMM(addi, -1);
  ALL_IMM(slti, -1); ALL_IMM(slti, 0); ALL_IMM(sltiu, -1); ALL_IMM(sltiu, 1);
  ALL_IMM(xori, -1); ALL_IMM(ori, -2048); ALL_IMM(andi, 2047); ALL_IMM(andi, -2048);
  ALL_IMM(slli, 0); ALL_IMM(slli, 1); ALL_IMM(slli, 31);
  ALL_IMM(srli, 0); ALL_IMM(srli, 1); ALL_IMM(srli, 31);
  ALL_IMM(srai, 0); ALL_IMM(srai, 1); ALL_IMM(srai, 31);

  uint32_t r;
  __asm__ volatile("lui %0, 0xfffff" : "=r"(r)); printf("lui 0xfffff -> %08x\n", r);
  __asm__ volatile("lui %0, 0x80000" : "=r"(r)); printf("lui 0x80000 -> %08x\n", r);
  __asm__ volatile("lui %0, 0" : "=r"(r)); printf("lui 0 -> %08x\n", r);
  __asm__ volatile("auipc t0, 0\n auipc %0, 1\n sub %0, %0, t0" : "=r"(r) : : "t0");
  printf("auipc 1 - auipc 0 -> %08x\n", r);
  __asm__ volatile("auipc t0, 0\n auipc %0, 0xfffff\n sub %0, %0, t0" : "=r"(r) : : "t0");
  printf("auipc -1 - auipc 0 -> %08x\n", r);

  /* x0: every write is dropped, reads give 0 */
  __asm__ volatile("li t0, 5\n add x0, t0, t0\n mv %0, x0" : "=r"(r) : : "t0");
  printf("add x0 -> %08x\n", r);
  __asm__ volatile("lui x0, 0x12345\n addi %0, x0, 0" : "=r"(r));
  printf("lui x0 -> %08x\n", r);
  __asm__ volatile("addi x0, x0, 7\n sub %0, x0, x0" : "=r"(r));
  printf("addi x0 -> %08x\n", r);
  static uint32_t word = 0xdeadbeef;
  __asm__ volatile("lw x0, 0(%1)\n mv %0, x0" : "=r"(r) : "r"(&word));
  printf("lw x0 -> %08x\n", r);
  __asm__ volatile("jal x0, 1f\n 1: mv %0, x0" : "=r"(r));
  printf("jal x0 -> %08x\n", r);
  return 0;
}
