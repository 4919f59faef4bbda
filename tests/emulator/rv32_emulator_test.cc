// run_riscv32 against tiny guests (guest_cases.S) and a musl hello world,
// with a fake kernel host. Fault pcs and addresses are the ones
// qemu-riscv32 7.2 reports for the same instructions (tests/rv32/faults.c).
#include "emulator/rv32_emulator.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/emulator/fake_port.h"
#include "tests/emulator/test_image.h"

namespace psx::emu::test {
namespace {

constexpr uint64_t kMapErr = 1, kAccErr = 2;

TestImage cases(const char* entry) {
  TestImage img;
  std::string err = load_test_image(PSX_TEST_GUEST_CASES, {"cases"}, &img);
  EXPECT_EQ(err, "");
  img.boot.entry = img.sym(entry);
  return img;
}

void expect_exit(const ChildResult& r, int code) {
  EXPECT_EQ(r.error, "");
  ASSERT_TRUE(WIFEXITED(r.status)) << "status " << r.status;
  EXPECT_EQ(WEXITSTATUS(r.status), code);
}

// The last frame is the fault; the fake kernel answered kKillSelf.
void expect_fault(const ChildResult& r, int sig, uint64_t addr, uint64_t pc, uint64_t code) {
  EXPECT_EQ(r.error, "");
  ASSERT_FALSE(r.frames.empty());
  const Frame& f = r.frames.back();
  EXPECT_EQ(f.flags, kFrameFault);
  EXPECT_EQ(f.abi, Abi::kLinuxRiscv32);
  EXPECT_EQ(f.nr, sig);
  EXPECT_EQ(f.args[0], addr) << std::hex << "fault address 0x" << f.args[0];
  EXPECT_EQ(f.args[1], pc) << std::hex << "fault pc 0x" << f.args[1];
  EXPECT_EQ(f.args[2], code);
  ASSERT_TRUE(WIFSIGNALED(r.status)) << "status " << r.status;
  EXPECT_EQ(WTERMSIG(r.status), sig);
}

TEST(Rv32Emulator, EcallBecomesFrameAndResultLandsInA0) {
  TestImage img = cases("t_write_exit");
  ChildResult r = run_in_child(img);
  ASSERT_EQ(r.frames.size(), 2u);
  const Frame& w = r.frames[0];
  EXPECT_EQ(w.abi, Abi::kLinuxRiscv32);
  EXPECT_EQ(w.flags, 0);
  EXPECT_EQ(w.nr, 64);
  EXPECT_EQ(w.args[0], 1u);
  EXPECT_EQ(w.args[1], img.sym("msg"));
  EXPECT_EQ(w.args[2], 6u);
  EXPECT_NE(r.frames[1].tag, w.tag);
  EXPECT_EQ(r.frames[1].nr, 93);
  EXPECT_EQ(r.frames[1].args[0], 6u);  // write's result, passed on in a0
  EXPECT_EQ(r.output, "hello\n");
  expect_exit(r, 6);
}

TEST(Rv32Emulator, UnmappedLoadInAChainedBlockHasExactPc) {
  TestImage img = cases("t_fault_load");
  expect_fault(run_in_child(img), SIGSEGV, img.sym("data_end"), img.sym("f_fault_load"), kMapErr);
}

TEST(Rv32Emulator, StoreToReadOnlyPage) {
  TestImage img = cases("t_fault_rostore");
  expect_fault(run_in_child(img), SIGSEGV, img.sym("rodata_word") + 4,
               img.sym("f_fault_rostore"), kAccErr);
}

TEST(Rv32Emulator, LoadStraddlingIntoUnmappedPageFaultsAtTheBoundary) {
  TestImage img = cases("t_fault_cross");
  expect_fault(run_in_child(img), SIGSEGV, img.sym("data_end"), img.sym("f_fault_cross"),
               kMapErr);
}

TEST(Rv32Emulator, IllegalInstruction) {
  TestImage img = cases("t_fault_illegal");
  uint32_t pc = img.sym("f_fault_illegal");
  expect_fault(run_in_child(img), SIGILL, pc, pc, 1);
}

TEST(Rv32Emulator, EbreakIsSigtrap) {
  TestImage img = cases("t_fault_ebreak");
  uint32_t pc = img.sym("f_fault_ebreak");
  expect_fault(run_in_child(img), SIGTRAP, pc, pc, 1);
}

TEST(Rv32Emulator, MisalignedAtomicIsSigbus) {
  TestImage img = cases("t_fault_amo");
  expect_fault(run_in_child(img), SIGBUS, img.sym("data_page") + 2, img.sym("f_fault_amo"), 1);
}

TEST(Rv32Emulator, JumpToNonExecutablePage) {
  TestImage img = cases("t_fault_nx");
  uint32_t target = img.sym("data_page");
  expect_fault(run_in_child(img), SIGSEGV, target, target, kAccErr);
}

TEST(Rv32Emulator, MisalignedPlainAccessesWork) {
  TestImage img = cases("t_misaligned");
  expect_exit(run_in_child(img), 0x33);  // halfword at +2 of 44 33 22 11 stored at +1
}

TEST(Rv32Emulator, MapAndProtectActionsAndGuestStoresLandInTheMemoryObject) {
  TestImage img = cases("t_mmap");
  uint64_t mapped_offset = img.memfd_size;  // the fake kernel maps the next range
  ChildResult r = run_in_child(img);
  ASSERT_GE(r.frames.size(), 3u);
  EXPECT_EQ(r.frames[0].nr, 222);
  EXPECT_EQ(r.frames[1].nr, 226);
  uint64_t va = 0x60000000 - 4096;
  expect_fault(r, SIGSEGV, va + 20, img.sym("f_mmap_store"), kAccErr);
  uint32_t word = 0;
  ASSERT_EQ(pread(img.memfd, &word, 4, off_t(mapped_offset + 16)), 4);
  EXPECT_EQ(word, 0x5a5au);
}

TEST(Rv32Emulator, SetThreadPointerAction) {
  TestImage img = cases("t_tp");
  expect_exit(run_in_child(img), 77);
}

TEST(Rv32Emulator, FenceIAfterGuestAndKernelWritesRunsTheNewCode) {
  TestImage img = cases("t_fencei");
  const uint32_t addi_a0_3 = 0x00300513;
  std::string patch(reinterpret_cast<const char*>(&addi_a0_3), 4);
  expect_exit(run_in_child(img, patch), (1 * 10000 + 2 * 100 + 3) & 0xff);
}

TEST(Rv32Emulator, MalformedBootRecordIsAnErrorNotACrash) {
  TestImage img = cases("t_write_exit");
  struct NoPort : SyscallPort {
    Completion call(const Frame&) override { ADD_FAILURE() << "no call expected"; return {}; }
  } port;
  BootInfo bad = img.boot;
  bad.abi = Abi::kLinuxX86_64;
  EXPECT_NE(run_riscv32(bad, img.memfd, port), "");
  bad = img.boot;
  bad.regions[0].va += 12;
  EXPECT_NE(run_riscv32(bad, img.memfd, port), "");
  bad = img.boot;
  bad.regions[1] = bad.regions[0];  // overlap
  EXPECT_NE(run_riscv32(bad, img.memfd, port), "");
  bad = img.boot;
  bad.nregions = kMaxBootRegions + 1;
  EXPECT_NE(run_riscv32(bad, img.memfd, port), "");
}

TEST(Rv32Emulator, MuslHelloWorld) {
  if (std::string(PSX_TEST_HELLO).empty()) GTEST_SKIP() << "psx-rv32-cc not installed";
  TestImage img;
  ASSERT_EQ(load_test_image(PSX_TEST_HELLO, {"hello", "arg1"}, &img), "");
  ChildResult r = run_in_child(img);
  EXPECT_EQ(r.output, "hello from riscv32, argc=2 argv[1]=arg1 last=x\n");
  expect_exit(r, 42);
}

}  // namespace
}  // namespace psx::emu::test
