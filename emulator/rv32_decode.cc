#include "emulator/rv32_decode.h"

namespace psx::emu {
namespace {

using Kind = Rv32Insn::Kind;

int32_t sext(uint32_t v, int bits) { return int32_t(v << (32 - bits)) >> (32 - bits); }
uint32_t field(uint32_t v, int lo, int n) { return (v >> lo) & ((1u << n) - 1); }

Rv32Insn memory(uint8_t length, bool reads, bool writes, uint8_t rs1, int32_t offset,
                uint8_t size) {
  Rv32Insn i;
  i.kind = Kind::kMemory;
  i.length = length;
  i.reads = reads;
  i.writes = writes;
  i.rs1 = rs1;
  i.offset = offset;
  i.size = size;
  return i;
}

Rv32Insn control(uint8_t length) {
  Rv32Insn i;
  i.kind = Kind::kControl;
  i.length = length;
  return i;
}

Rv32Insn decode_compressed(uint32_t h) {
  Rv32Insn other;
  other.length = 2;
  uint32_t quadrant = h & 3, funct3 = field(h, 13, 3);
  uint8_t rs1c = uint8_t(8 + field(h, 7, 3));
  // c.lw/c.sw/c.flw/c.fsw offsets: uimm[5:3]=h[12:10], uimm[2]=h[6], uimm[6]=h[5]
  uint32_t word_off = field(h, 10, 3) << 3 | field(h, 6, 1) << 2 | field(h, 5, 1) << 6;
  uint32_t dbl_off = field(h, 10, 3) << 3 | field(h, 5, 2) << 6;
  if (quadrant == 0) {
    switch (funct3) {
      case 1: return memory(2, true, false, rs1c, int32_t(dbl_off), 8);    // c.fld
      case 2: case 3: return memory(2, true, false, rs1c, int32_t(word_off), 4);  // c.lw/flw
      case 5: return memory(2, false, true, rs1c, int32_t(dbl_off), 8);    // c.fsd
      case 6: case 7: return memory(2, false, true, rs1c, int32_t(word_off), 4);  // c.sw/fsw
      default: return other;
    }
  }
  if (quadrant == 1) {
    if (funct3 == 1 || funct3 == 5 || funct3 == 6 || funct3 == 7) return control(2);  // jal j beqz bnez
    return other;
  }
  // quadrant 2
  uint32_t lwsp = field(h, 12, 1) << 5 | field(h, 4, 3) << 2 | field(h, 2, 2) << 6;
  uint32_t ldsp = field(h, 12, 1) << 5 | field(h, 5, 2) << 3 | field(h, 2, 3) << 6;
  uint32_t swsp = field(h, 9, 4) << 2 | field(h, 7, 2) << 6;
  uint32_t sdsp = field(h, 10, 3) << 3 | field(h, 7, 3) << 6;
  switch (funct3) {
    case 1: return memory(2, true, false, 2, int32_t(ldsp), 8);            // c.fldsp
    case 2: case 3: return memory(2, true, false, 2, int32_t(lwsp), 4);    // c.lwsp/flwsp
    case 5: return memory(2, false, true, 2, int32_t(sdsp), 8);            // c.fsdsp
    case 6: case 7: return memory(2, false, true, 2, int32_t(swsp), 4);    // c.swsp/fswsp
    case 4: {
      uint32_t rd = field(h, 7, 5), rs2 = field(h, 2, 5);
      if (rs2 == 0 && rd != 0) return control(2);  // c.jr, c.jalr
      if (rs2 == 0 && rd == 0 && field(h, 12, 1)) {
        Rv32Insn b;
        b.kind = Kind::kEbreak;
        b.length = 2;
        return b;
      }
      return other;
    }
    default: return other;
  }
}

}  // namespace

Rv32Insn decode_rv32(uint32_t bits) {
  if ((bits & 3) != 3) return decode_compressed(bits & 0xffff);
  uint32_t opcode = bits & 0x7f, funct3 = field(bits, 12, 3);
  uint8_t rs1 = uint8_t(field(bits, 15, 5));
  int32_t imm_i = sext(bits >> 20, 12);
  int32_t imm_s = sext(field(bits, 25, 7) << 5 | field(bits, 7, 5), 12);
  switch (opcode) {
    case 0x03: {  // lb lh lw lbu lhu
      static constexpr uint8_t kSize[8] = {1, 2, 4, 0, 1, 2, 0, 0};
      if (kSize[funct3] == 0) return {};
      return memory(4, true, false, rs1, imm_i, kSize[funct3]);
    }
    case 0x07:  // flw fld
      if (funct3 == 2 || funct3 == 3) return memory(4, true, false, rs1, imm_i, funct3 == 2 ? 4 : 8);
      return {};
    case 0x23:  // sb sh sw
      if (funct3 > 2) return {};
      return memory(4, false, true, rs1, imm_s, uint8_t(1u << funct3));
    case 0x27:  // fsw fsd
      if (funct3 == 2 || funct3 == 3) return memory(4, false, true, rs1, imm_s, funct3 == 2 ? 4 : 8);
      return {};
    case 0x2f: {  // lr.w sc.w amo*.w
      if (funct3 != 2) return {};
      uint32_t funct5 = bits >> 27;
      bool lr = funct5 == 0x02, sc = funct5 == 0x03;
      Rv32Insn i = memory(4, !sc, !lr, rs1, 0, 4);
      i.atomic = true;
      return i;
    }
    case 0x63: case 0x67: case 0x6f: return control(4);  // branches, jalr, jal
    case 0x0f: return funct3 == 1 ? control(4) : Rv32Insn{};  // fence.i ends a block
    case 0x73: {
      if (funct3 == 0) {
        if (bits == 0x00100073) {
          Rv32Insn b;
          b.kind = Kind::kEbreak;
          return b;
        }
        return control(4);  // ecall, xret, wfi
      }
      Rv32Insn c;
      c.kind = Kind::kCsr;
      c.csr = uint16_t(bits >> 20);
      c.rd = uint8_t(field(bits, 7, 5));
      c.rs1 = rs1;
      c.funct3 = uint8_t(funct3);
      return c;
    }
    default: return {};
  }
}

std::optional<uint32_t> locate_data_fault(const ReadParcel& read, const uint32_t (&x)[32],
                                          uint32_t block_pc, uint32_t fault_addr, bool write) {
  // A translated block holds at most 512 instructions (QEMU's TCG_MAX_INSNS).
  uint32_t pc = block_pc;
  for (int n = 0; n < 512; ++n) {
    auto lo = read(pc);
    if (!lo) return std::nullopt;
    uint32_t bits = *lo;
    if ((bits & 3) == 3) {
      auto hi = read(pc + 2);
      if (!hi) return std::nullopt;
      bits |= uint32_t(*hi) << 16;
    }
    Rv32Insn i = decode_rv32(bits);
    if (i.kind == Rv32Insn::Kind::kControl) return std::nullopt;
    if (i.kind == Rv32Insn::Kind::kMemory && (write ? i.writes : i.reads)) {
      uint32_t ea = x[i.rs1] + uint32_t(i.offset);
      if (fault_addr - ea < i.size) return pc;  // unsigned: wraps correctly
    }
    pc += i.length;
  }
  return std::nullopt;
}

}  // namespace psx::emu
