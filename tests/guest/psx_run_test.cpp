// psx run's own behaviour: --trace output and clear refusals of bad files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

#include "run_capture.h"

namespace psx::test {
namespace {

std::string guest(const char* name) { return std::string(PSX_GUEST_DIR) + "/" + name; }

RunResult psx_run(std::vector<std::string> args) {
  TempDir tmp;
  RunSpec s;
  s.argv = {PSX_BIN, "run"};
  for (auto& a : args) s.argv.push_back(a);
  s.env = {"PATH=/usr/bin:/bin", "PSX_STORE=" + tmp.path + "/store.psx"};
  s.stdin_kind = Stdin::kDevNull;
  return run_capture(s);
}

TEST(PsxRun, TraceListsEveryCallWithArgumentsAndResult) {
  RunResult r = psx_run({"--trace", guest("hello")});
  EXPECT_EQ(r.out, "hello, world\n");
  // Every call of the program appears; write-like calls show their data.
  EXPECT_NE(r.err.find("arch_prctl(0x1002, "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("set_tid_address("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ioctl(1, 0x5413, "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("= -1 ENOTTY"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("writev(2, "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("exit_group(0) = ?"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("+++ exited with 0 +++"), std::string::npos) << r.err;
  EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
}

TEST(PsxRun, TraceNamesUnknownCalls) {
  RunResult r = psx_run({"--trace", guest("errors")});
  EXPECT_NE(r.err.find("syscall_999("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("= -1 ENOSYS (unknown system call)"), std::string::npos);
  EXPECT_NE(r.err.find("write(-1, \"x\", 1) = -1 EBADF"), std::string::npos) << r.err;
}

struct BadFile {
  std::string name;
  std::string bytes;  // written to a file, unless empty and dir
  int expect_code;
  std::string expect_words;
};

class BadInput : public ::testing::TestWithParam<BadFile> {};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST_P(BadInput, OneClearLineAndAnExitBelow128) {
  const BadFile& b = GetParam();
  char dir[] = "/tmp/psx-badelf-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/" + b.name;
  if (b.name == "a-directory") {
    mkdir(path.c_str(), 0755);
  } else if (b.name != "missing") {
    std::ofstream(path, std::ios::binary) << b.bytes;
    chmod(path.c_str(), 0755);
  }
  RunSpec s;
  s.argv = {PSX_BIN, "run", path};
  s.env = {"PSX_STORE=" + std::string(dir) + "/store.psx"};
  s.stdin_kind = Stdin::kDevNull;
  RunResult r = run_capture(s);
  ASSERT_TRUE(WIFEXITED(r.status)) << describe_status(r.status);
  EXPECT_EQ(WEXITSTATUS(r.status), b.expect_code);
  EXPECT_LT(WEXITSTATUS(r.status), 128);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("psx: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(b.expect_words), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  std::string cmd = "rm -rf " + std::string(dir);
  ASSERT_EQ(system(cmd.c_str()), 0);
}

std::vector<BadFile> bad_files() {
  std::string hello = slurp(guest("hello"));
  std::string arm = hello;
  arm[18] = char(183);  // EM_AARCH64
  arm[19] = 0;
  std::string exec_dyn = slurp("/bin/true");  // a dynamically linked host program
  std::string bad_phoff = hello;
  bad_phoff[32] = char(0xff);  // e_phoff far past the end
  bad_phoff[33] = char(0xff);
  bad_phoff[34] = char(0x7f);
  return {
      {"text", "#!/bin/sh\necho not an elf\n", 126, "not an ELF"},
      {"empty", "", 126, "not an ELF"},
      {"dynamic", exec_dyn, 126, "dynamic linking is not supported"},
      {"aarch64", arm, 126, "unsupported machine"},
      {"truncated_header", hello.substr(0, 40), 126, "truncated"},
      {"truncated_segment", hello.substr(0, 3000), 126, "truncated"},
      {"bad_phoff", bad_phoff, 126, "truncated"},
      {"missing", "", 127, "No such file"},
      {"a-directory", "", 126, "directory"},
  };
}

INSTANTIATE_TEST_SUITE_P(Files, BadInput, ::testing::ValuesIn(bad_files()),
                         [](const ::testing::TestParamInfo<BadFile>& i) {
                           std::string n = i.param.name;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace psx::test

namespace psx::test {
namespace {

// A guest that calls thousands of system calls with random, mostly invalid
// arguments gets errors, never crashes psx, and leaves the store consistent.
TEST(BadGuest, RandomArgumentsLeavePsxAndTheStoreSound) {
  for (const char* seed : {"1", "2", "3", "4"}) {
    TempDir tmp;
    RunSpec s;
    s.env = {"PATH=/usr/bin:/bin", "PSX_STORE=" + tmp.path + "/fuzz.psx"};
    s.stdin_kind = Stdin::kDevNull;
    s.argv = {PSX_BIN, "run", guest("fuzz"), seed, "5000"};
    RunResult r = run_capture(s);
    ASSERT_FALSE(r.timed_out) << "seed " << seed;
    EXPECT_EQ(describe_status(r.status), "exit 0") << "seed " << seed << "\n" << r.err;
    EXPECT_NE(r.err.find("still running"), std::string::npos) << "seed " << seed << "\n" << r.err;
    s.argv = {PSX_BIN, "store", "fsck"};
    RunResult f = run_capture(s);
    EXPECT_EQ(describe_status(f.status), "exit 0") << "seed " << seed << ": fsck\n" << f.out << f.err;
    if (std::string(RV32_AVAILABLE) == "1") {
      s.argv = {PSX_BIN, "run", guest("fuzz") + ".rv32", seed, "3000"};
      RunResult rv = run_capture(s);
      EXPECT_EQ(describe_status(rv.status), "exit 0") << "riscv32 seed " << seed << "\n" << rv.err;
      s.argv = {PSX_BIN, "store", "fsck"};
      EXPECT_EQ(describe_status(run_capture(s).status), "exit 0") << "riscv32 seed " << seed;
    }
  }
}

}  // namespace
}  // namespace psx::test

namespace psx::test {
namespace {

// Programs come from the store first; like execve, one without execute
// permission is refused (found by review: psx used to run it).
TEST(PsxRun, StoreProgramsNeedExecutePermission) {
  TempDir tmp;
  std::string dir = tmp.path + "/bin";
  ASSERT_EQ(system(("mkdir -p " + dir + " && cp " + guest("hello") + " " + dir + "/hello && chmod 644 " + dir +
                    "/hello").c_str()),
            0);
  RunSpec s;
  s.env = {"PATH=/usr/bin:/bin", "PSX_STORE=" + tmp.path + "/x.psx"};
  s.stdin_kind = Stdin::kDevNull;
  s.argv = {PSX_BIN, "store", "import", dir, "/t"};
  ASSERT_EQ(run_capture(s).status, 0);
  s.argv = {PSX_BIN, "run", "/t/hello"};
  RunResult r = run_capture(s);
  EXPECT_EQ(describe_status(r.status), "exit 126");
  EXPECT_EQ(r.err, "psx: /t/hello: Permission denied\n");
  EXPECT_EQ(r.out, "");
  // With the x bit (root needs only one) it runs: the store's copy, not the host's.
  ASSERT_EQ(system(("chmod 744 " + dir + "/hello").c_str()), 0);
  s.argv = {PSX_BIN, "store", "import", dir, "/t"};
  ASSERT_EQ(run_capture(s).status, 0);
  s.argv = {PSX_BIN, "run", "/t/hello"};
  r = run_capture(s);
  EXPECT_EQ(describe_status(r.status), "exit 0") << r.err;
  EXPECT_EQ(r.out, "hello, world\n");
}

}  // namespace
}  // namespace psx::test
