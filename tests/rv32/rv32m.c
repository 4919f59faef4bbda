/* RV32M: full products (high halves signed, unsigned and mixed), and
   division's defined results for division by zero and INT_MIN / -1. */
#include "insn.h"

int main(void) {
  ALL_PAIRS(mul); ALL_PAIRS(mulh); ALL_PAIRS(mulhsu); ALL_PAIRS(mulhu);
  ALL_PAIRS(div); ALL_PAIRS(divu); ALL_PAIRS(rem); ALL_PAIRS(remu);
  return 0;
}
