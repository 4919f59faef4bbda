// The cold-path decoder behind fault pcs and misaligned-atomic addresses.
#include "emulator/rv32_decode.h"

#include <gtest/gtest.h>

#include <map>

namespace psx::emu {
namespace {

using Kind = Rv32Insn::Kind;

TEST(Rv32Decode, LoadsAndStoresWithSignedOffsets) {
  Rv32Insn lw = decode_rv32(0xffc2a583);  // lw a1, -4(t0)
  EXPECT_EQ(lw.kind, Kind::kMemory);
  EXPECT_TRUE(lw.reads);
  EXPECT_FALSE(lw.writes);
  EXPECT_EQ(lw.rs1, 5);
  EXPECT_EQ(lw.offset, -4);
  EXPECT_EQ(lw.size, 4);
  Rv32Insn sb = decode_rv32(0xfea28fa3);  // sb a0, -1(t0)
  EXPECT_TRUE(sb.writes);
  EXPECT_EQ(sb.offset, -1);
  EXPECT_EQ(sb.size, 1);
  Rv32Insn amo = decode_rv32(0x00b2a5af);  // amoadd.w a1, a1, (t0)
  EXPECT_TRUE(amo.atomic && amo.reads && amo.writes);
  Rv32Insn lr = decode_rv32(0x1002a5af);  // lr.w a1, (t0)
  EXPECT_TRUE(lr.reads && !lr.writes);
}

TEST(Rv32Decode, CompressedStackAccessesAndControl) {
  Rv32Insn lwsp = decode_rv32(0x4532);  // c.lwsp a0, 12(sp)
  EXPECT_EQ(lwsp.kind, Kind::kMemory);
  EXPECT_EQ(lwsp.length, 2);
  EXPECT_EQ(lwsp.rs1, 2);
  EXPECT_EQ(lwsp.offset, 12);
  Rv32Insn swsp = decode_rv32(0xc62a);  // c.swsp a0, 12(sp)
  EXPECT_TRUE(swsp.writes);
  EXPECT_EQ(swsp.offset, 12);
  EXPECT_EQ(decode_rv32(0x8082).kind, Kind::kControl);  // c.jr ra (ret)
  EXPECT_EQ(decode_rv32(0x9002).kind, Kind::kEbreak);   // c.ebreak
  EXPECT_EQ(decode_rv32(0x00100073).kind, Kind::kEbreak);
  EXPECT_EQ(decode_rv32(0x00000073).kind, Kind::kControl);  // ecall
}

TEST(Rv32Decode, LocatesFirstMatchingAccessOfTheRightDirection) {
  std::map<uint32_t, uint32_t> code = {
      {0x1000, 0x00150513},  // addi a0, a0, 1
      {0x1004, 0x0002a583},  // lw a1, 0(t0)    reads x5
      {0x1008, 0x00b2a223},  // sw a1, 4(t0)
      {0x100c, 0x0000006f},  // j .
  };
  ReadParcel read = [&](uint32_t pc) -> std::optional<uint16_t> {
    auto it = code.find(pc & ~3u);
    if (it == code.end()) return std::nullopt;
    return uint16_t(it->second >> ((pc & 2) * 8));
  };
  uint32_t x[32] = {};
  x[5] = 0x5000;
  EXPECT_EQ(locate_data_fault(read, x, 0x1000, 0x5000, false), 0x1004u);
  EXPECT_EQ(locate_data_fault(read, x, 0x1000, 0x5006, true), 0x1008u);
  EXPECT_EQ(locate_data_fault(read, x, 0x1000, 0x5006, false), std::nullopt);
  EXPECT_EQ(locate_data_fault(read, x, 0x1000, 0x9000, false), std::nullopt);
}

}  // namespace
}  // namespace psx::emu
