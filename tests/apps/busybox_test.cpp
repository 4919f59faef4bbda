// BusyBox's ash runs tests/apps/busybox/script.sh (pipelines, subshells,
// here-documents, traps, background jobs, find | xargs; see README.md):
// natively with the x86-64 BusyBox on an empty host directory, and under psx
// with the x86-64 and riscv32 BusyBox, each on a fresh store holding
// /bin/busybox, a link per applet, the script and an empty /work. Every run
// must print expected.out (stdout and stderr as one stream, then the exit
// status) and leave the store clean for `psx store fsck`.
//
// There is no qemu-riscv32 comparison: BusyBox re-executes itself through
// /proc/self/exe, which qemu-user hands to the host (README.md).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "run_capture.h"

namespace psx::test {
namespace {

namespace fs = std::filesystem;

const std::string kScriptDir = std::string(PSX_SOURCE_DIR) + "/tests/apps/busybox";
// The same environment for every run; ash finds applets itself (FEATURE_SH_STANDALONE).
const std::vector<std::string> kEnv = {"PATH=/bin:/usr/bin", "HOME=/nonexistent"};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::string busybox(const std::string& arch) { return std::string(PSX_CACHE) + "/apps/" + arch + "/busybox"; }

RunResult run(std::vector<std::string> argv) {
  RunSpec s;
  s.argv = std::move(argv);
  s.env = kEnv;
  s.stdin_kind = Stdin::kDevNull;
  s.merge_stderr = true;  // expected.out interleaves them as `2>&1` does
  s.timeout_s = 300;
  return run_capture(s);
}

// What check-native.sh writes: the output, then "exit status N".
std::string transcript(const RunResult& r) {
  int code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : 128 + WTERMSIG(r.status);
  return r.out + "exit status " + std::to_string(code) + "\n";
}

void expect_expected(const RunResult& r, const std::string& who) {
  ASSERT_FALSE(r.timed_out) << who << " did not finish; output so far:\n" << r.out.substr(0, 4000);
  std::string want = slurp(kScriptDir + "/expected.out");
  ASSERT_FALSE(want.empty());
  std::string got = transcript(r);
  EXPECT_EQ(describe_status(r.status), "exit 0") << who;
  EXPECT_TRUE(got == want) << who << ": output differs from expected.out\n--- expected\n"
                           << want << "\n--- " << who << "\n" << got;
}

// The applets of the x86-64 build; scripts/apps/busybox.config is the same for both arches.
std::vector<std::string> applets() {
  RunResult r = run({busybox("x86_64"), "--list"});
  std::vector<std::string> v;
  std::istringstream in(r.out);
  for (std::string a; std::getline(in, a);)
    if (!a.empty()) v.push_back(a);
  return v;
}

// A fresh store with /bin/busybox (the given arch), /bin/APPLET -> busybox for
// every applet, /script.sh and an empty /work, as a user would set it up.
struct BusyBoxStore {
  TempDir tmp;
  std::string store = tmp.path + "/busybox.psx";

  RunResult psx(std::vector<std::string> args) {
    args.insert(args.begin(), PSX_BIN);
    return run(std::move(args));
  }

  void build(const std::string& arch) {
    ASSERT_TRUE(fs::exists(busybox(arch))) << busybox(arch) << " missing: run scripts/setup.sh";
    RunResult r = psx({"store", "init", "--store", store});
    ASSERT_EQ(r.status, 0) << r.out;
    fs::path stage = fs::path(tmp.path) / "stage";
    fs::create_directories(stage / "bin");
    fs::create_directories(stage / "work");
    fs::copy_file(busybox(arch), stage / "bin" / "busybox");
    fs::permissions(stage / "bin" / "busybox", fs::perms(0755));
    std::vector<std::string> names = applets();
    ASSERT_GT(names.size(), 20u);
    for (auto& a : names) fs::create_symlink("busybox", stage / "bin" / a);
    fs::copy_file(kScriptDir + "/script.sh", stage / "script.sh");
    r = psx({"store", "import", "--store", store, stage.string(), "/"});
    ASSERT_EQ(r.status, 0) << r.out;
    // The links arrived as links.
    r = psx({"store", "stat", "--store", store, "/bin/sh"});
    EXPECT_NE(r.out.find("symlink"), std::string::npos) << "/bin/sh in the store:\n" << r.out;
  }

  void expect_clean() {
    RunResult r = psx({"store", "fsck", "--store", store});
    EXPECT_EQ(r.status, 0) << "psx store fsck:\n" << r.out;
  }
};

TEST(BusyBox, ScriptNative) {
  TempDir work;
  expect_expected(run({busybox("x86_64"), "sh", kScriptDir + "/script.sh", work.path}), "native x86-64");
}

void script_under_psx(const std::string& arch, const std::string& trap) {
  BusyBoxStore s;
  s.build(arch);
  if (::testing::Test::HasFatalFailure()) return;
  std::vector<std::string> args = {"run", "--store", s.store};
  if (!trap.empty()) args.push_back(trap);
  for (const char* a : {"/bin/busybox", "sh", "/script.sh", "/work"}) args.push_back(a);
  expect_expected(s.psx(args), "psx " + arch + (trap.empty() ? "" : " " + trap));
  s.expect_clean();
}

TEST(BusyBox, ScriptX86_64) { script_under_psx("x86_64", ""); }
TEST(BusyBox, ScriptX86_64Sud) { script_under_psx("x86_64", "--trap=sud"); }
TEST(BusyBox, ScriptRiscv32) { script_under_psx("riscv32", ""); }

}  // namespace
}  // namespace psx::test
