// Just enough RV32 (I, M, A, C, F/D loads and stores, Zicsr) decoding for the
// emulator's cold paths: locating the instruction behind a data fault,
// computing a misaligned atomic's address, recognising ebreak and rdtime.
// The hot path never decodes: Unicorn translates and runs the code.
#pragma once
#include <stdint.h>

#include <functional>
#include <optional>

namespace psx::emu {

struct Rv32Insn {
  enum class Kind : uint8_t {
    kOther,    // falls through to the next instruction
    kMemory,   // load, store, lr/sc, amo: see the fields below
    kControl,  // branch, jump, ecall, fence.i: ends straight-line code
    kEbreak,
    kCsr,      // csrrw/s/c[i]: csr, rd, rs1 (or uimm), funct3
  };
  Kind kind = Kind::kOther;
  uint8_t length = 4;  // bytes: 2 (compressed) or 4
  // kMemory: address = x[rs1] + offset, `size` bytes; reads and/or writes.
  bool reads = false;
  bool writes = false;
  bool atomic = false;  // lr/sc/amo: must be naturally aligned
  uint8_t rs1 = 0;
  int32_t offset = 0;
  uint8_t size = 0;
  // kCsr
  uint16_t csr = 0;
  uint8_t rd = 0;
  uint8_t funct3 = 0;
};

// `bits` holds the instruction (its low 16 bits if compressed).
Rv32Insn decode_rv32(uint32_t bits);

// Reads the 16-bit parcel at a guest address, or nothing if unmapped.
using ReadParcel = std::function<std::optional<uint16_t>(uint32_t pc)>;

// Finds the instruction that faulted on `fault_addr`. Unicorn 2.0.1 reports a
// data fault with the pc of the start of the translated block (it does not
// restore the pc), but with the registers as they were just before the faulting
// instruction. The faulting instruction is then on the straight-line path from
// `block_pc`: the first memory access of the right direction whose address
// range, computed from the current registers, contains `fault_addr`. (An
// earlier access can match too only if its base register was rewritten after
// it, as in `lw t0,0(t0); lw t0,0(t0)`; the earlier one is then chosen.)
std::optional<uint32_t> locate_data_fault(const ReadParcel& read, const uint32_t (&x)[32],
                                          uint32_t block_pc, uint32_t fault_addr, bool write);

}  // namespace psx::emu
