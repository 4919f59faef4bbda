// The syscall site scanner on synthetic code: what it rewrites, what it
// leaves to Syscall User Dispatch, and the stubs it builds.
#include "subsystem/shim/site_scanner.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "subsystem/shim/stub_builder.h"
#include "subsystem/shim/x86_decode.h"

namespace psx::shim {
namespace {

constexpr uint64_t kBase = 0x401000;

ScanResult scan(const std::vector<uint8_t>& code, std::vector<uint64_t> data_targets = {}) {
  CodeSpan span{kBase, code};
  return scan_sites(std::span<const CodeSpan>(&span, 1), data_targets);
}

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const std::vector<uint8_t> kMovEax39 = {0xb8, 0x27, 0, 0, 0};  // mov $39,%eax (getpid)
const std::vector<uint8_t> kSyscall = {0x0f, 0x05};
const std::vector<uint8_t> kRet = {0xc3};
const std::vector<uint8_t> kPad = {0xcc, 0xcc, 0xcc, 0xcc};

TEST(X86Decode, LengthsOfCommonInstructions) {
  struct {
    std::vector<uint8_t> bytes;
    uint8_t len;
  } cases[] = {
      {{0xb8, 1, 2, 3, 4}, 5},                                 // mov $imm32,%eax
      {{0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, 10},              // movabs $imm64,%rax
      {{0x48, 0x89, 0xe5}, 3},                                 // mov %rsp,%rbp
      {{0x4c, 0x8b, 0x44, 0x24, 0x08}, 5},                     // mov 8(%rsp),%r8
      {{0x48, 0x8d, 0x35, 1, 2, 3, 4}, 7},                     // lea disp32(%rip),%rsi
      {{0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0}, 10},     // cs nopw 0(%rax,%rax,1)
      {{0xf7, 0xc7, 1, 0, 0, 0}, 6},                           // test $1,%edi
      {{0x66, 0xf7, 0xc7, 1, 0}, 5},                           // test $1,%di
      {{0x0f, 0x05}, 2},                                       // syscall
      {{0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0}, 9},      // mov %fs:0x28,%rax
  };
  for (auto& c : cases) {
    Insn in;
    ASSERT_TRUE(decode_insn(c.bytes, kBase, in));
    EXPECT_EQ(in.len, c.len);
  }
  Insn in;
  ASSERT_TRUE(decode_insn(std::vector<uint8_t>{0x48, 0x8d, 0x35, 0x10, 0, 0, 0}, kBase, in));
  EXPECT_TRUE(in.rip_relative);
  EXPECT_EQ(in.disp_off, 3);
  EXPECT_FALSE(decode_insn(std::vector<uint8_t>{0xb8, 1, 2}, kBase, in)) << "truncated immediate";
  EXPECT_FALSE(decode_insn(std::vector<uint8_t>{0x06}, kBase, in)) << "push %es is invalid in 64-bit mode";
}

TEST(SiteScanner, MovImmSyscallIsASafeSite) {
  auto r = scan(cat({kMovEax39, kSyscall, kRet, kPad}));
  ASSERT_EQ(r.sites.size(), 1u);
  EXPECT_EQ(r.sites[0].kind, SiteKind::kMovImm);
  EXPECT_EQ(r.sites[0].start, kBase);
  EXPECT_EQ(r.sites[0].end, kBase + 7);
  EXPECT_EQ(r.sites[0].nr, 39);
  EXPECT_EQ(r.stats.syscalls, 1u);
}

TEST(SiteScanner, SiteThatIsAJumpTargetInsideIsRejected) {
  // jmp +5 lands on the syscall, the middle of `mov; syscall`: the mov cannot
  // move to a stub. With `ret` after the syscall the window could start at the
  // syscall itself, so end in a further syscall-free path that is not movable.
  std::vector<uint8_t> code = cat({{0xeb, 0x05}, kMovEax39, kSyscall, {0xff, 0xe0} /*jmp *%rax*/, kPad});
  auto r = scan(code);
  EXPECT_TRUE(r.sites.empty());
  EXPECT_EQ(r.stats.no_window, 1u);
}

TEST(SiteScanner, JumpTargetAtTheSyscallMovesTheWindowAfterIt) {
  // The syscall is a target, so the window starts there: syscall + 3-byte mov.
  std::vector<uint8_t> code =
      cat({{0xeb, 0x05}, kMovEax39, kSyscall, {0x48, 0x89, 0xc7} /*mov %rax,%rdi*/, kRet, kPad});
  auto r = scan(code);
  ASSERT_EQ(r.sites.size(), 1u);
  EXPECT_EQ(r.sites[0].start, kBase + 7);
  EXPECT_EQ(r.sites[0].end, kBase + 12);
  EXPECT_EQ(r.sites[0].kind, SiteKind::kWindow);
}

TEST(SiteScanner, AJumpTargetFoundInDataIsRespected) {
  auto r = scan(cat({kMovEax39, kSyscall, {0xff, 0xe0}, kPad}), {kBase + 5});
  EXPECT_TRUE(r.sites.empty());
}

TEST(SiteScanner, TruncatedPatternIsNotASite) {
  // `mov $39,%eax` cut off by the end of the region: no syscall at all.
  auto r = scan({0x90, 0xb8, 0x27, 0x00, 0x0f, 0x05});
  EXPECT_TRUE(r.sites.empty());
  // The syscall bytes inside a longer instruction's immediate are not a site.
  r = scan({0xb8, 0x0f, 0x05, 0x00, 0x00, 0xc3});
  EXPECT_EQ(r.stats.syscalls, 0u);
  EXPECT_TRUE(r.sites.empty());
}

TEST(SiteScanner, CallsThatNeedTheTrapContextStayOnSud) {
  // mov $15,%rax; syscall (musl's __restore_rt): rt_sigreturn needs the signal frame.
  auto r = scan(cat({{0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0}, kSyscall, kPad}));
  EXPECT_TRUE(r.sites.empty());
  EXPECT_EQ(r.stats.needs_context, 1u);
}

TEST(SiteScanner, SyscallCpAsmIsRedirectedWhole) {
  auto pat = syscall_cp_asm_pattern();
  std::vector<uint8_t> code(pat.begin(), pat.end());
  code.insert(code.end(), {0xe9, 0, 0, 0, 0});  // __cp_cancel: jmp __cancel
  code.insert(code.end(), kPad.begin(), kPad.end());
  auto r = scan(code);
  ASSERT_EQ(r.sites.size(), 1u);
  EXPECT_EQ(r.sites[0].kind, SiteKind::kSyscallCpAsm);
  EXPECT_EQ(r.sites[0].start, kBase);
  EXPECT_EQ(r.sites[0].end, kBase + pat.size());
  // One changed byte and it is an ordinary window again.
  code[1] = 0x06;  // mov (%rsi),%eax
  r = scan(code);
  ASSERT_EQ(r.sites.size(), 1u);
  EXPECT_NE(r.sites[0].kind, SiteKind::kSyscallCpAsm);
}

TEST(StubBuilder, PatchJumpsToAStubThatJumpsBack) {
  std::vector<uint8_t> code = cat({kMovEax39, kSyscall, kRet, kPad});
  CodeSpan span{kBase, code};
  auto r = scan_sites(std::span<const CodeSpan>(&span, 1), {});
  const uint64_t stubs = 0x40000000, entry = 0x7fff00001234;
  StubImage img = build_stubs(r.sites, std::span<const CodeSpan>(&span, 1), stubs, entry);
  ASSERT_EQ(img.patches.size(), 1u);
  const StubPatch& p = img.patches[0];
  EXPECT_EQ(p.va, kBase);
  ASSERT_EQ(p.bytes.size(), 7u);
  EXPECT_EQ(p.bytes[0], 0xe9);
  int32_t rel;
  memcpy(&rel, &p.bytes[1], 4);
  const uint64_t stub = kBase + 5 + uint64_t(int64_t(rel));
  EXPECT_EQ(p.bytes[5], 0xcc);
  EXPECT_EQ(p.bytes[6], 0xcc);
  uint64_t slot;
  memcpy(&slot, img.code.data(), 8);
  EXPECT_EQ(slot, entry);
  // Stub: mov $39,%eax; lea 6(%rip),%rcx; jmp *slot(%rip); jmp back to kBase+7.
  const uint8_t* s = img.code.data() + (stub - stubs);
  EXPECT_EQ(0, memcmp(s, kMovEax39.data(), 5));
  const uint8_t lea[] = {0x48, 0x8d, 0x0d, 0x06, 0, 0, 0};
  EXPECT_EQ(0, memcmp(s + 5, lea, 7));
  EXPECT_EQ(s[12], 0xff);
  EXPECT_EQ(s[13], 0x25);
  memcpy(&rel, s + 14, 4);
  EXPECT_EQ(stub + 18 + uint64_t(int64_t(rel)), stubs) << "jumps through the entry slot";
  EXPECT_EQ(s[18], 0xe9);
  memcpy(&rel, s + 19, 4);
  EXPECT_EQ(stub + 23 + uint64_t(int64_t(rel)), kBase + 7) << "resumes after the site";
}

TEST(StubBuilder, RipRelativeOperandsKeepTheirTarget) {
  // lea 0x100(%rip),%rsi; syscall; ret  — the lea moves to the stub.
  std::vector<uint8_t> code = cat({{0x48, 0x8d, 0x35, 0x00, 0x01, 0, 0}, kSyscall, kRet, kPad});
  CodeSpan span{kBase, code};
  auto r = scan_sites(std::span<const CodeSpan>(&span, 1), {});
  ASSERT_EQ(r.sites.size(), 1u);
  const uint64_t stubs = 0x40000000;
  StubImage img = build_stubs(r.sites, std::span<const CodeSpan>(&span, 1), stubs, 0x1234);
  ASSERT_EQ(img.patches.size(), 1u);
  int32_t rel;
  memcpy(&rel, &img.patches[0].bytes[1], 4);
  const uint64_t stub = r.sites[0].start + 5 + uint64_t(int64_t(rel));
  const uint8_t* s = img.code.data() + (stub - stubs);
  int32_t disp;
  memcpy(&disp, s + 3, 4);
  EXPECT_EQ(stub + 7 + uint64_t(int64_t(disp)), kBase + 7 + 0x100);
}

}  // namespace
}  // namespace psx::shim
