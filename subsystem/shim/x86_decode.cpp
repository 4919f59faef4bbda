// x86-64 instruction lengths (see x86_decode.h). The maps follow the Intel SDM
// volume 2, appendix A, for 64-bit mode; opcodes that are invalid in 64-bit
// mode, or that compilers never emit (3DNow!, EVEX), are reported as unknown,
// which makes the caller treat the surrounding code as unverifiable.
#include "subsystem/shim/x86_decode.h"

namespace psx::shim {
namespace {

// Immediate kinds.
enum Imm : uint8_t { kNone, kB, kW, kZ, kV, kWB, kMoffs };

struct Op {
  bool valid = false;
  bool modrm = false;
  Imm imm = kNone;
};

Op one_byte(uint8_t b) {
  if (b < 0x40) {
    uint8_t lo = b & 7;
    if (b == 0x0f || b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e) return {};  // escape/prefixes handled earlier
    if (lo <= 3) return {true, true, kNone};
    if (lo == 4) return {true, false, kB};
    if (lo == 5) return {true, false, kZ};
    return {};  // push/pop seg, daa…: invalid in 64-bit mode
  }
  if (b < 0x50) return {};  // REX, handled earlier
  if (b < 0x60) return {true, false, kNone};  // push/pop r64
  switch (b) {
    case 0x63: return {true, true, kNone};
    case 0x68: return {true, false, kZ};
    case 0x69: return {true, true, kZ};
    case 0x6a: return {true, false, kB};
    case 0x6b: return {true, true, kB};
    case 0x6c: case 0x6d: case 0x6e: case 0x6f: return {true, false, kNone};
    default: break;
  }
  if (b >= 0x70 && b <= 0x7f) return {true, false, kB};  // jcc rel8
  switch (b) {
    case 0x80: case 0x83: case 0xc0: case 0xc1: case 0xc6: return {true, true, kB};
    case 0x81: case 0xc7: return {true, true, kZ};
    case 0x82: return {};
    default: break;
  }
  if (b >= 0x84 && b <= 0x8f) return {true, true, kNone};
  if (b >= 0x90 && b <= 0x9f) return b == 0x9a ? Op{} : Op{true, false, kNone};
  if (b >= 0xa0 && b <= 0xa3) return {true, false, kMoffs};
  if (b >= 0xa4 && b <= 0xa7) return {true, false, kNone};
  if (b == 0xa8) return {true, false, kB};
  if (b == 0xa9) return {true, false, kZ};
  if (b >= 0xaa && b <= 0xaf) return {true, false, kNone};
  if (b >= 0xb0 && b <= 0xb7) return {true, false, kB};
  if (b >= 0xb8 && b <= 0xbf) return {true, false, kV};
  switch (b) {
    case 0xc2: case 0xca: return {true, false, kW};
    case 0xc3: case 0xc9: case 0xcb: case 0xcc: case 0xcf: return {true, false, kNone};
    case 0xc8: return {true, false, kWB};
    case 0xcd: return {true, false, kB};
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: return {true, true, kNone};
    case 0xd7: return {true, false, kNone};
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0xe4: case 0xe5: case 0xe6: case 0xe7: case 0xeb:
      return {true, false, kB};
    case 0xe8: case 0xe9: return {true, false, kZ};
    case 0xec: case 0xed: case 0xee: case 0xef: return {true, false, kNone};
    case 0xf1: case 0xf4: case 0xf5: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd:
      return {true, false, kNone};
    case 0xf6: case 0xf7: case 0xfe: case 0xff: return {true, true, kNone};  // f6/f7 /0,/1 add an immediate
    default: break;
  }
  if (b >= 0xd8 && b <= 0xdf) return {true, true, kNone};  // x87
  return {};
}

Op two_byte(uint8_t b) {
  switch (b) {
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x0d: return {true, true, kNone};
    case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0b: case 0x0e: return {true, false, kNone};
    default: break;
  }
  if (b >= 0x10 && b <= 0x1f) return {true, true, kNone};
  if (b >= 0x20 && b <= 0x23) return {true, true, kNone};
  if (b >= 0x28 && b <= 0x2f) return {true, true, kNone};
  if (b >= 0x30 && b <= 0x35) return {true, false, kNone};
  if (b >= 0x40 && b <= 0x6f) return {true, true, kNone};
  if (b >= 0x70 && b <= 0x73) return {true, true, kB};
  if (b >= 0x74 && b <= 0x76) return {true, true, kNone};
  if (b == 0x77) return {true, false, kNone};
  if (b == 0x78 || b == 0x79 || (b >= 0x7c && b <= 0x7f)) return {true, true, kNone};
  if (b >= 0x80 && b <= 0x8f) return {true, false, kZ};  // jcc rel32
  if (b >= 0x90 && b <= 0x9f) return {true, true, kNone};
  switch (b) {
    case 0xa0: case 0xa1: case 0xa2: case 0xa8: case 0xa9: case 0xaa: return {true, false, kNone};
    case 0xa3: case 0xa5: case 0xab: case 0xad: case 0xae: case 0xaf: return {true, true, kNone};
    case 0xa4: case 0xac: case 0xba: case 0xc2: case 0xc4: case 0xc5: case 0xc6: return {true, true, kB};
    default: break;
  }
  if (b >= 0xb0 && b <= 0xbf) return {true, true, kNone};
  if (b == 0xc0 || b == 0xc1 || b == 0xc3 || b == 0xc7) return {true, true, kNone};
  if (b >= 0xc8 && b <= 0xcf) return {true, false, kNone};
  if (b >= 0xd0) return {true, true, kNone};
  return {};
}

// Length of a ModRM operand (ModRM byte, SIB, displacement) at p; 0 if short.
// Sets rip/disp_at for a rip-relative operand.
size_t modrm_len(std::span<const uint8_t> rest, bool& rip, size_t& disp_at) {
  if (rest.empty()) return 0;
  uint8_t m = rest[0], mod = m >> 6, rm = m & 7;
  size_t n = 1;
  if (mod == 3) return n;
  if (rm == 4) {
    if (rest.size() < 2) return 0;
    uint8_t sib = rest[1];
    n = 2;
    if (mod == 0 && (sib & 7) == 5) n += 4;
  } else if (mod == 0 && rm == 5) {
    rip = true;
    disp_at = 1;
    n += 4;
  }
  if (mod == 1) n += 1;
  if (mod == 2) n += 4;
  return n <= rest.size() ? n : 0;
}

int64_t read_signed(const uint8_t* p, size_t n) {
  if (n == 1) return int8_t(p[0]);
  uint32_t v = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
  return int32_t(v);
}

}  // namespace

bool decode_insn(std::span<const uint8_t> code, uint64_t va, Insn& out) {
  out = Insn{};
  const size_t max = code.size() < 15 ? code.size() : 15;
  size_t i = 0;
  bool opsize16 = false, addr32 = false, rex_w = false;
  uint8_t rex = 0;
  // Legacy prefixes, then at most one REX right before the opcode.
  while (i < max) {
    uint8_t b = code[i];
    if (b == 0x66) opsize16 = true;
    else if (b == 0x67) addr32 = true;
    else if (b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 ||
             b == 0x64 || b == 0x65) {
    } else break;
    i++;
  }
  if (i < max && (code[i] & 0xf0) == 0x40) {
    rex = code[i++];
    rex_w = rex & 8;
  }
  if (i >= max) return false;
  uint8_t b = code[i++];
  Op op;
  bool two = false;
  uint8_t map = 1;  // 1: one-byte, 2: 0f, 3: 0f38, 4: 0f3a
  if (b == 0xc4 || b == 0xc5) {
    // VEX: the map comes from the prefix; every VEX opcode has a ModRM.
    size_t vlen = b == 0xc5 ? 1 : 2;
    if (i + vlen >= max) return false;
    map = b == 0xc5 ? 2 : uint8_t((code[i] & 0x1f) + 1);
    if (map < 2 || map > 4) return false;
    i += vlen;
    b = code[i++];
    op = Op{true, !(map == 2 && b == 0x77), kNone};
    if (map == 4) op.imm = kB;
    if (map == 2) {
      Op legacy = two_byte(b);
      if (legacy.imm == kB) op.imm = kB;
    }
  } else if (b == 0x0f) {
    if (i >= max) return false;
    b = code[i++];
    two = true;
    if (b == 0x38 || b == 0x3a) {
      if (i >= max) return false;
      map = b == 0x38 ? 3 : 4;
      b = code[i++];
      op = Op{true, true, map == 4 ? kB : kNone};
    } else {
      map = 2;
      op = two_byte(b);
    }
  } else {
    op = one_byte(b);
  }
  if (!op.valid) return false;

  size_t disp_at = 0;
  bool rip = false;
  uint8_t modrm_byte = 0;
  if (op.modrm) {
    if (i >= max) return false;
    modrm_byte = code[i];
    size_t n = modrm_len(code.subspan(i, max - i), rip, disp_at);
    if (!n) return false;
    if (rip) out.disp_off = uint8_t(i + disp_at);
    i += n;
  }
  uint8_t reg = (modrm_byte >> 3) & 7;
  size_t imm = 0;
  switch (op.imm) {
    case kNone: break;
    case kB: imm = 1; break;
    case kW: imm = 2; break;
    case kWB: imm = 3; break;
    case kZ: imm = opsize16 && !(map == 1 && (b == 0xe8 || b == 0xe9)) && map != 2 ? 2 : 4; break;
    case kV: imm = rex_w ? 8 : opsize16 ? 2 : 4; break;
    case kMoffs: imm = addr32 ? 4 : 8; break;
  }
  if (map == 1 && (b == 0xf6 || b == 0xf7) && reg <= 1) imm = b == 0xf6 ? 1 : (opsize16 ? 2 : 4);
  i += imm;
  if (i > max) return false;
  out.len = uint8_t(i);
  out.rip_relative = rip;

  // Control flow.
  const uint64_t next = va + i;
  if (map == 1) {
    if ((b >= 0x70 && b <= 0x7f) || (b >= 0xe0 && b <= 0xe3)) {
      out.flow = Flow::kJcc;
      out.short_only = b >= 0xe0;
      out.target = next + uint64_t(read_signed(&code[i - 1], 1));
    } else if (b == 0xeb || b == 0xe9) {
      out.flow = Flow::kJmp;
      out.target = next + uint64_t(read_signed(&code[i - imm], imm));
    } else if (b == 0xe8) {
      out.flow = Flow::kCall;
      out.target = next + uint64_t(read_signed(&code[i - imm], imm));
    } else if (b == 0xc3 || b == 0xc2) {
      out.flow = Flow::kRet;
    } else if (b == 0xff && (reg >= 2 && reg <= 5)) {
      out.flow = Flow::kIndirect;
    } else if (b == 0xca || b == 0xcb || b == 0xcf) {
      out.flow = Flow::kIndirect;
    } else if (b == 0xcc || b == 0xcd || b == 0xf1 || b == 0xf4) {
      out.flow = Flow::kStop;
    } else if (b == 0x90) {
      out.nops = !(rex & 1);  // 41 90 is xchg %eax,%r8d, not a nop
    }
  } else if (map == 2 && two) {
    if (b >= 0x80 && b <= 0x8f) {
      out.flow = Flow::kJcc;
      out.target = next + uint64_t(read_signed(&code[i - 4], 4));
    } else if (b == 0x05) {
      out.flow = Flow::kSyscall;
    } else if (b == 0x07 || b == 0x34 || b == 0x35) {
      out.flow = Flow::kIndirect;  // sysret, sysenter, sysexit
    } else if (b == 0x0b || b == 0xff || b == 0xb9) {
      out.flow = Flow::kStop;  // ud2, ud0, ud1
    } else if (b == 0x1f) {
      out.nops = 1;
    }
  }
  return true;
}

}  // namespace psx::shim
