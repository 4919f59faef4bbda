// Finds the syscall sites of a program's code that can be rewritten safely.
//
// The code is walked instruction by instruction (x86_decode.h) from the start
// of each executable region, as a linear-sweep disassembler does; compilers
// put no data in .text on x86-64, and an undecodable byte marks the code
// around it as unverified. A site is a *window*: whole instructions around
// one `syscall`, at least 5 bytes (room for `jmp rel32`), that are moved into
// a stub and run there. A window is accepted only if
//   - every instruction in it can run elsewhere: no call, no indirect or far
//     jump, no other syscall; rip-relative operands and rel branches are
//     re-targeted; a `ret`/`jmp` may end it;
//   - nothing branches into it except at its first byte: the targets of all
//     decoded direct branches, of every rel32 jmp/call/jcc pattern at any
//     byte offset (a conservative over-approximation), and of every
//     code address found in the program's data (function pointers, jump
//     tables of non-PIE code) are checked;
//   - its syscall number, when visible as an immediate, is not one that needs
//     the full register context of a trap (rt_sigreturn, clone, fork, vfork,
//     execve, execveat, clone3): those stay on the Syscall User Dispatch path.
// musl's __syscall_cp_asm (the cancellation-point syscall used by read, write,
// close, fsync…) is recognised by its exact bytes and redirected whole.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace psx::shim {

struct CodeSpan {
  uint64_t va;
  std::span<const uint8_t> bytes;
};

enum class SiteKind : uint8_t {
  kMovImm,        // exactly `mov $nr,%eax; syscall` (b8 imm32 0f 05)
  kWindow,        // other whole instructions around the syscall
  kSyscallCpAsm,  // musl's __syscall_cp_asm, whole body
};

struct Site {
  uint64_t start = 0;       // first byte of the window (becomes `jmp stub`)
  uint64_t end = 0;         // first byte after it (the stub continues here)
  uint64_t syscall_va = 0;  // the syscall instruction
  int32_t nr = -1;          // syscall number if an immediate shows it, else -1
  SiteKind kind = SiteKind::kWindow;
};

struct ScanStats {
  uint32_t syscalls = 0;        // syscall instructions at decoded boundaries
  uint32_t accepted = 0;
  uint32_t unverified = 0;      // near undecodable bytes
  uint32_t no_window = 0;       // no safe window of 5 bytes around it
  uint32_t needs_context = 0;   // rt_sigreturn, clone, execve…: SUD keeps them
  uint32_t undecodable_bytes = 0;
};

struct ScanResult {
  std::vector<Site> sites;  // sorted by start, non-overlapping
  ScanStats stats;
};

// data_targets: code addresses found elsewhere (pointers in the program's
// data, its entry point); they may be jumped to indirectly.
ScanResult scan_sites(std::span<const CodeSpan> code, std::span<const uint64_t> data_targets);

// Code addresses stored in data: every 8-byte value (at 4-byte alignment)
// that falls inside one of the code spans.
std::vector<uint64_t> code_pointers_in(std::span<const CodeSpan> data, std::span<const CodeSpan> code);

// The exact bytes of musl 1.2.3's __syscall_cp_asm up to and including its
// `ret` (the trailing `jmp __cancel` is relocated, so it is not compared).
std::span<const uint8_t> syscall_cp_asm_pattern();

}  // namespace psx::shim
