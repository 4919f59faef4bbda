// Stub generation (see stub_builder.h).
#include "subsystem/shim/stub_builder.h"

#include <cstring>
#include <optional>

#include "subsystem/shim/x86_decode.h"

namespace psx::shim {
namespace {

std::optional<int32_t> rel32(uint64_t from_next, uint64_t to) {
  int64_t d = int64_t(to - from_next);
  if (d < INT32_MIN || d > INT32_MAX) return std::nullopt;
  return int32_t(d);
}

void put32(std::vector<uint8_t>& out, int32_t v) {
  uint8_t b[4];
  memcpy(b, &v, 4);
  out.insert(out.end(), b, b + 4);
}

std::span<const uint8_t> bytes_at(std::span<const CodeSpan> code, uint64_t va, uint64_t len) {
  for (auto& c : code)
    if (va >= c.va && va + len <= c.va + c.bytes.size()) return c.bytes.subspan(va - c.va, len);
  return {};
}

// Appends one site's stub at out (whose first byte sits at base); false if
// something cannot be re-targeted, leaving out unchanged.
bool emit_stub(const Site& s, std::span<const CodeSpan> code, uint64_t base, uint64_t slot_va,
               std::vector<uint8_t>& out) {
  const size_t mark = out.size();
  auto fail = [&] {
    out.resize(mark);
    return false;
  };
  auto win = bytes_at(code, s.start, s.end - s.start);
  if (win.empty()) return false;
  bool terminal = false;
  for (uint64_t o = 0; o < win.size();) {
    Insn in;
    if (!decode_insn(win.subspan(o), s.start + o, in)) return fail();
    const uint8_t* ib = win.data() + o;
    uint64_t here = base + out.size();
    terminal = false;
    switch (in.flow) {
      case Flow::kSyscall: {
        static const uint8_t lea_rcx[] = {0x48, 0x8d, 0x0d, 0x06, 0, 0, 0};  // lea 6(%rip),%rcx
        out.insert(out.end(), lea_rcx, lea_rcx + sizeof lea_rcx);
        out.push_back(0xff);  // jmp *slot(%rip)
        out.push_back(0x25);
        auto d = rel32(base + out.size() + 4, slot_va);
        if (!d) return fail();
        put32(out, *d);
        break;
      }
      case Flow::kJcc: {
        if (in.short_only) return fail();
        uint8_t cc = (in.len >= 6 && ib[in.len - 6] == 0x0f && (ib[in.len - 5] & 0xf0) == 0x80) ? ib[in.len - 5] & 0xf
                                                                                             : ib[in.len - 2] & 0xf;
        out.push_back(0x0f);
        out.push_back(uint8_t(0x80 | cc));
        auto d = rel32(here + 6, in.target);
        if (!d) return fail();
        put32(out, *d);
        break;
      }
      case Flow::kJmp: {
        out.push_back(0xe9);
        auto d = rel32(here + 5, in.target);
        if (!d) return fail();
        put32(out, *d);
        terminal = true;
        break;
      }
      case Flow::kRet:
        out.insert(out.end(), ib, ib + in.len);
        terminal = true;
        break;
      case Flow::kNext: {
        size_t at = out.size();
        out.insert(out.end(), ib, ib + in.len);
        if (in.rip_relative) {
          int32_t disp;
          memcpy(&disp, ib + in.disp_off, 4);
          uint64_t target = s.start + o + in.len + uint64_t(int64_t(disp));
          auto d = rel32(here + in.len, target);
          if (!d) return fail();
          memcpy(&out[at + in.disp_off], &*d, 4);
        }
        break;
      }
      default:
        return fail();  // the scanner never puts these in a window
    }
    o += in.len;
  }
  if (!terminal) {
    out.push_back(0xe9);
    auto d = rel32(base + out.size() + 4, s.end);
    if (!d) return fail();
    put32(out, *d);
  }
  while (out.size() % 16) out.push_back(0xcc);
  return true;
}

}  // namespace

StubImage build_stubs(std::span<const Site> sites, std::span<const CodeSpan> code, uint64_t stubs_va,
                      uint64_t entry_addr) {
  StubImage img;
  img.code.resize(16, 0xcc);
  memcpy(img.code.data(), &entry_addr, 8);  // the slot every stub jumps through
  for (const Site& s : sites) {
    uint64_t stub_va = stubs_va + img.code.size();
    auto d = rel32(s.start + 5, stub_va);
    if (!d || !emit_stub(s, code, stubs_va, stubs_va, img.code)) {
      img.dropped++;
      continue;
    }
    StubPatch p{s.start, std::vector<uint8_t>(s.end - s.start, 0xcc)};
    p.bytes[0] = 0xe9;
    memcpy(&p.bytes[1], &*d, 4);
    img.patches.push_back(std::move(p));
    img.sites.push_back(s);
  }
  return img;
}

}  // namespace psx::shim
