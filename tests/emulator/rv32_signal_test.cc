// The emulator's side of signals and fork against the fake kernel host:
// the riscv32 rt_sigframe, rt_sigreturn, SA_RESTART, wakes from outside, and
// a fork the port cannot make. (End to end, with the personality, in tests/rv32.)
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstring>

#include "emulator/rv32_sigframe.h"
#include "tests/emulator/fake_port.h"
#include "tests/emulator/test_image.h"

namespace psx::emu::test {
namespace {

TestImage cases(const char* entry) {
  TestImage img;
  EXPECT_EQ(load_test_image(PSX_TEST_GUEST_CASES, {"cases"}, &img), "");
  img.boot.entry = img.sym(entry);
  img.boot.sigreturn = img.sym("sigreturn_tramp");
  return img;
}

void expect_exit(const ChildResult& r, int code) {
  EXPECT_EQ(r.error, "");
  ASSERT_TRUE(WIFEXITED(r.status)) << "status " << r.status;
  EXPECT_EQ(WEXITSTATUS(r.status), code);
}

std::vector<Frame> with_nr(const ChildResult& r, int32_t nr, uint16_t flags = 0) {
  std::vector<Frame> out;
  for (const Frame& f : r.frames)
    if (f.nr == nr && f.flags == flags) out.push_back(f);
  return out;
}

TEST(Rv32Sigframe, LayoutAsMuslReadsIt) {
  Rv32Context ctx;
  for (int r = 0; r < 32; ++r) ctx.x[r] = 0x1000 + uint32_t(r);
  ctx.x[2] = 0x7000'0000;
  SignalDelivery d{};
  d.saved_mask = 0x8000'0000'0000'0001ull;
  d.siginfo[0] = 11;
  auto f = build_sigframe(ctx, d);
  EXPECT_EQ(f[0], 11);
  uint32_t w;
  memcpy(&w, f.data() + kFrameUc + kUcMcontext, 4);
  EXPECT_EQ(w, 0x1000u);  // gregs[0] = pc
  memcpy(&w, f.data() + kFrameUc + kUcMcontext + 4 * 31, 4);
  EXPECT_EQ(w, 0x1000u + 31);
  memcpy(&w, f.data() + kFrameUc + kUcStack + 4, 4);
  EXPECT_EQ(w, kSsDisable);  // no alternate stack
  SigreturnState s = parse_ucontext(f.data() + kFrameUc);
  EXPECT_EQ(s.mask, d.saved_mask);
  for (int r = 0; r < 32; ++r) EXPECT_EQ(s.ctx.x[r], ctx.x[r]);
}

TEST(Rv32Sigframe, PlacementAndAlternateStack) {
  SignalDelivery d{};
  EXPECT_EQ(sigframe_address(0x7000'0008, d), (0x7000'0008u - kSigframeSize) & ~15u);
  d.ss_sp = 0x5000'0000;
  d.ss_size = 0x4000;
  EXPECT_EQ(sigframe_address(0x7000'0000, d), (0x7000'0000u - kSigframeSize) & ~15u);  // no SA_ONSTACK
  d.flags = kSaOnStack;
  EXPECT_EQ(sigframe_address(0x7000'0000, d), (0x5000'4000u - kSigframeSize) & ~15u);
  // Already on it: below the interrupted sp; too close to its bottom: none.
  EXPECT_EQ(sigframe_address(0x5000'2000, d), (0x5000'2000u - kSigframeSize) & ~15u);
  EXPECT_EQ(sigframe_address(0x5000'0100, d), std::nullopt);
  d.ss_flags = kSsDisable;
  EXPECT_EQ(sigframe_address(0x7000'0000, d), (0x7000'0000u - kSigframeSize) & ~15u);
}

TEST(Rv32Signals, FaultHandlerSkipsTheInstructionAndSigreturnRestoresRegisters) {
  TestImage img = cases("t_sig_skip");
  ChildResult r = run_in_child(img);
  expect_exit(r, 5 + 11 + SIGILL);
  auto faults = with_nr(r, SIGILL, kFrameFault);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].args[1], img.sym("f_sig_skip"));
  auto back = with_nr(r, 139);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].args[0], kFakeSavedMask);  // uc_sigmask, as delivered
}

TEST(Rv32Signals, SaRestartMakesTheCallAgainWithItsArguments) {
  ChildResult r = run_in_child(cases("t_sig_restart"));
  expect_exit(r, 8 + 10);
  auto calls = with_nr(r, kNrTestInterrupted);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].args[0], 7u);
  EXPECT_EQ(calls[1].args[2], calls[0].args[2]);
}

TEST(Rv32Signals, WithoutRestartTheCallReturnsEintr) {
  ChildResult r = run_in_child(cases("t_sig_norestart"));
  expect_exit(r, -EINTR + 10);
  EXPECT_EQ(with_nr(r, kNrTestInterrupted).size(), 1u);
}

TEST(Rv32Signals, WakeStopsARunningGuestAndAsksForTheSignal) {
  ChildResult r = run_in_child(cases("t_sig_wake"));
  expect_exit(r, SIGUSR1);
  EXPECT_GE(with_nr(r, kPsxSignalCheck, kFramePsx).size(), 1u);
  EXPECT_EQ(with_nr(r, 139).size(), 1u);
}

TEST(Rv32Signals, WakesStopTheGuestExactlyBetweenBlocks) {
  ChildResult r = run_in_child(cases("t_sig_wake_loop"));
  expect_exit(r, 0);
  EXPECT_EQ(with_nr(r, 139).size(), 20u);
}

TEST(Rv32Fork, APortThatCannotForkReportsItsErrorAsForkDone) {
  ChildResult r = run_in_child(cases("t_fork_unsupported"));
  expect_exit(r, ENOSYS);
  auto done = with_nr(r, kPsxForkDone, kFramePsx);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(int64_t(done[0].args[0]), -ENOSYS);
}

}  // namespace
}  // namespace psx::emu::test
