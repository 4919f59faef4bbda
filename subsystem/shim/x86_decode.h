// A length decoder for x86-64 machine code: enough of the instruction format
// (prefixes, opcode maps, ModRM/SIB, displacement, immediate) to walk a
// program's text instruction by instruction and to say, for each one, whether
// it can be copied elsewhere unchanged. It is what makes load-time rewriting
// of syscall sites safe: sites are found at real instruction boundaries and
// every direct branch target is known. Not a disassembler: operands beyond
// what relocation needs are not decoded.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace psx::shim {

enum class Flow : uint8_t {
  kNext,       // falls through to the next instruction
  kJmp,        // jmp rel8/rel32 (target in Insn::target)
  kJcc,        // jcc rel8/rel32, loop*, jrcxz (target in Insn::target)
  kCall,       // call rel32
  kRet,        // ret, ret imm16
  kIndirect,   // jmp/call through a register or memory, far transfers
  kSyscall,    // 0f 05
  kStop,       // hlt, ud2, int3, int n, iret, sysenter…: never continues here
};

struct Insn {
  uint8_t len = 0;
  Flow flow = Flow::kNext;
  bool rip_relative = false;  // ModRM rip+disp32 operand at disp_off
  uint8_t disp_off = 0;       // offset of that disp32 in the instruction
  uint8_t nops = 0;           // 1 for nop/padding instructions (90, 0f 1f, 66 90 …)
  bool short_only = false;    // loop*/jrcxz: rel8 only, cannot be re-targeted far
  uint64_t target = 0;        // branch target (kJmp, kJcc, kCall), absolute
};

// Decodes the instruction at `code` (which sits at guest address `va`).
// Returns false for bytes that are not a complete, known instruction.
bool decode_insn(std::span<const uint8_t> code, uint64_t va, Insn& out);

}  // namespace psx::shim
