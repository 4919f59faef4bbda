// Syscall site discovery and verification (see site_scanner.h for the rules).
#include "subsystem/shim/site_scanner.h"

#include <algorithm>
#include <cstring>

#include "subsystem/shim/x86_decode.h"

namespace psx::shim {
namespace {

// musl 1.2.3, src/thread/x86_64/syscall_cp.s, as assembled (bytes 0 .. 0x29).
constexpr uint8_t kSyscallCpAsm[] = {
    0x8b, 0x07,                    // mov (%rdi),%eax
    0x85, 0xc0,                    // test %eax,%eax
    0x75, 0x24,                    // jne __cp_cancel (+0x24: the jmp after ret)
    0x49, 0x89, 0xfb,              // mov %rdi,%r11
    0x48, 0x89, 0xf0,              // mov %rsi,%rax
    0x48, 0x89, 0xd7,              // mov %rdx,%rdi
    0x48, 0x89, 0xce,              // mov %rcx,%rsi
    0x4c, 0x89, 0xc2,              // mov %r8,%rdx
    0x4d, 0x89, 0xca,              // mov %r9,%r10
    0x4c, 0x8b, 0x44, 0x24, 0x08,  // mov 8(%rsp),%r8
    0x4c, 0x8b, 0x4c, 0x24, 0x10,  // mov 16(%rsp),%r9
    0x4c, 0x89, 0x5c, 0x24, 0x08,  // mov %r11,8(%rsp)
    0x0f, 0x05,                    // syscall            (__cp_begin .. here)
    0xc3,                          // ret                (__cp_end)
};
constexpr size_t kCpSyscallAt = 0x27;

// Calls that need the complete register state of a trap (a new stack, a
// signal frame, a new image): they keep trapping, where the handler has it.
bool needs_trap_context(int32_t nr) {
  switch (nr) {
    case 15:   // rt_sigreturn
    case 56:   // clone
    case 57:   // fork
    case 58:   // vfork
    case 59:   // execve
    case 322:  // execveat
    case 435:  // clone3
      return true;
  }
  return false;
}

constexpr size_t kMaxPre = 4, kMaxPost = 4;
constexpr uint64_t kUnverifiedRadius = 64;  // bytes around an undecodable byte

struct At {
  uint64_t va;
  Insn in;
};

bool sorted_contains_in(const std::vector<uint64_t>& v, uint64_t lo, uint64_t hi) {  // any x with lo < x < hi
  auto it = std::upper_bound(v.begin(), v.end(), lo);
  return it != v.end() && *it < hi;
}

int32_t immediate_nr(std::span<const uint8_t> b, uint64_t base, const At& prev) {
  const uint8_t* p = b.data() + (prev.va - base);
  uint32_t v;
  if (prev.in.len == 5 && p[0] == 0xb8) {
    memcpy(&v, p + 1, 4);
    return int32_t(v);
  }
  if (prev.in.len == 7 && p[0] == 0x48 && p[1] == 0xc7 && p[2] == 0xc0) {
    memcpy(&v, p + 3, 4);
    return int32_t(v);
  }
  return -1;
}

bool movable_pre(const Insn& in) {
  if (in.nops) return false;  // padding: what follows is likely a function start
  if (in.flow == Flow::kNext) return true;
  return in.flow == Flow::kJcc && !in.short_only;
}

bool movable_post(const Insn& in, bool last) {
  if (in.nops) return false;
  if (in.flow == Flow::kNext) return true;
  if (in.flow == Flow::kJcc) return !in.short_only;
  return last && (in.flow == Flow::kRet || in.flow == Flow::kJmp);
}

bool within(std::span<const CodeSpan> code, uint64_t a) {
  for (auto& c : code)
    if (a >= c.va && a < c.va + c.bytes.size()) return true;
  return false;
}

}  // namespace

std::span<const uint8_t> syscall_cp_asm_pattern() { return kSyscallCpAsm; }

std::vector<uint64_t> code_pointers_in(std::span<const CodeSpan> data, std::span<const CodeSpan> code) {
  std::vector<uint64_t> out;
  for (auto& d : data) {
    for (size_t o = (4 - d.va % 4) % 4; o + 4 <= d.bytes.size(); o += 4) {
      uint32_t v32;
      memcpy(&v32, d.bytes.data() + o, 4);
      if (within(code, v32)) out.push_back(v32);
      if (o + 8 > d.bytes.size()) continue;
      uint64_t v;
      memcpy(&v, d.bytes.data() + o, 8);
      if (within(code, v)) out.push_back(v);
    }
  }
  return out;
}

ScanResult scan_sites(std::span<const CodeSpan> code, std::span<const uint64_t> data_targets) {
  ScanResult res;
  std::vector<uint64_t> targets(data_targets.begin(), data_targets.end());
  std::vector<uint64_t> bad;  // undecodable byte addresses
  std::vector<std::vector<At>> decoded(code.size());

  for (size_t ci = 0; ci < code.size(); ci++) {
    const CodeSpan& c = code[ci];
    const auto& b = c.bytes;
    // Conservative: every rel32 branch pattern and every 32-bit absolute
    // code address (mov $fn,%edi; non-PIE jump tables) at every byte offset.
    for (size_t o = 0; o + 5 <= b.size(); o++) {
      int32_t rel;
      uint32_t abs32;
      memcpy(&abs32, &b[o], 4);
      if (within(code, abs32)) targets.push_back(abs32);
      if (b[o] == 0xe8 || b[o] == 0xe9) {
        memcpy(&rel, &b[o + 1], 4);
        uint64_t t = c.va + o + 5 + uint64_t(int64_t(rel));
        if (within(code, t)) targets.push_back(t);
      } else if (b[o] == 0x0f && o + 6 <= b.size() && (b[o + 1] & 0xf0) == 0x80) {
        memcpy(&rel, &b[o + 2], 4);
        uint64_t t = c.va + o + 6 + uint64_t(int64_t(rel));
        if (within(code, t)) targets.push_back(t);
      }
    }
    // Linear sweep.
    for (size_t o = 0; o < b.size();) {
      Insn in;
      if (!decode_insn(b.subspan(o), c.va + o, in)) {
        bad.push_back(c.va + o);
        res.stats.undecodable_bytes++;
        o++;
        continue;
      }
      if (in.flow == Flow::kJmp || in.flow == Flow::kJcc || in.flow == Flow::kCall) targets.push_back(in.target);
      if (in.rip_relative) {  // lea fn(%rip): a code address taken (PIE function pointers)
        int32_t disp;
        memcpy(&disp, &b[o + in.disp_off], 4);
        uint64_t t = c.va + o + in.len + uint64_t(int64_t(disp));
        if (within(code, t)) targets.push_back(t);
      }
      decoded[ci].push_back(At{c.va + o, in});
      o += in.len;
    }
  }
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  std::sort(bad.begin(), bad.end());
  auto near_bad = [&](uint64_t lo, uint64_t hi) {
    auto it = std::lower_bound(bad.begin(), bad.end(), lo > kUnverifiedRadius ? lo - kUnverifiedRadius : 0);
    return it != bad.end() && *it < hi + kUnverifiedRadius;
  };

  for (size_t ci = 0; ci < code.size(); ci++) {
    const CodeSpan& c = code[ci];
    const std::vector<At>& ins = decoded[ci];
    uint64_t last_end = 0;
    auto contiguous = [&](size_t a, size_t b) {  // ins[a..b] back to back
      for (size_t k = a; k < b; k++)
        if (ins[k].va + ins[k].in.len != ins[k + 1].va) return false;
      return true;
    };
    for (size_t s = 0; s < ins.size(); s++) {
      if (ins[s].in.flow != Flow::kSyscall) continue;
      res.stats.syscalls++;
      const uint64_t sva = ins[s].va;
      int32_t nr = s > 0 && contiguous(s - 1, s) ? immediate_nr(c.bytes, c.va, ins[s - 1]) : -1;

      // __syscall_cp_asm: the syscall sits 0x27 bytes into the exact pattern.
      if (sva >= c.va + kCpSyscallAt) {
        uint64_t fn = sva - kCpSyscallAt;
        size_t fo = fn - c.va;
        if (fo + sizeof kSyscallCpAsm <= c.bytes.size() &&
            memcmp(c.bytes.data() + fo, kSyscallCpAsm, sizeof kSyscallCpAsm) == 0 && fn >= last_end &&
            !sorted_contains_in(targets, fn, fn + sizeof kSyscallCpAsm) && !near_bad(fn, fn + sizeof kSyscallCpAsm)) {
          res.sites.push_back(Site{fn, fn + sizeof kSyscallCpAsm, sva, -1, SiteKind::kSyscallCpAsm});
          res.stats.accepted++;
          last_end = fn + sizeof kSyscallCpAsm;
          continue;
        }
      }
      if (nr >= 0 && needs_trap_context(nr)) {
        res.stats.needs_context++;
        continue;
      }
      if (near_bad(sva, sva + 2)) {
        res.stats.unverified++;
        continue;
      }
      // The smallest window of whole movable instructions, at least 5 bytes,
      // with no branch target strictly inside.
      bool found = false;
      Site best;
      for (size_t p = 0; p <= kMaxPre && p <= s; p++) {
        bool pre_ok = true;
        for (size_t k = s - p; k < s; k++) pre_ok &= movable_pre(ins[k].in);
        if (!pre_ok || !contiguous(s - p, s)) break;
        uint64_t start = ins[s - p].va;
        if (start < last_end) break;
        for (size_t q = 0; q <= kMaxPost && s + q < ins.size(); q++) {
          if (q > 0) {
            const Insn& in = ins[s + q].in;
            bool terminal_before = q > 1 && (ins[s + q - 1].in.flow == Flow::kRet || ins[s + q - 1].in.flow == Flow::kJmp);
            if (terminal_before || !movable_post(in, true) || !contiguous(s + q - 1, s + q)) break;
          }
          uint64_t end = ins[s + q].va + ins[s + q].in.len;
          if (end - start < 5) continue;
          if (sorted_contains_in(targets, start, end)) break;  // a larger window still contains it
          if (!found || end - start < best.end - best.start) {
            best = Site{start, end, sva, nr, SiteKind::kWindow};
            found = true;
          }
          break;
        }
      }
      if (!found) {
        res.stats.no_window++;
        continue;
      }
      if (best.end - best.start == 7 && best.syscall_va == best.start + 5 && c.bytes[best.start - c.va] == 0xb8)
        best.kind = SiteKind::kMovImm;
      res.sites.push_back(best);
      res.stats.accepted++;
      last_end = best.end;
    }
  }
  std::sort(res.sites.begin(), res.sites.end(), [](const Site& a, const Site& b) { return a.start < b.start; });
  return res;
}

}  // namespace psx::shim
