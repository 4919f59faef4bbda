// Every system call a table marks supported (full or partial) is made by at
// least one guest test: the differential runs record the calls they traced
// (save_coverage), and this test, which runs after them, compares.
#include <dirent.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "run_capture.h"

namespace psx::test {
namespace {

std::set<std::string> supported(const std::string& abi) {
  RunSpec s;
  s.argv = {PSX_BIN, "syscalls", "--abi", abi == "linux-x86_64" ? "x86_64" : "riscv32"};
  s.stdin_kind = Stdin::kDevNull;
  RunResult r = run_capture(s);
  std::set<std::string> names;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string nr, name, level;
    if (!(f >> nr >> name >> level) || nr == "nr" || !isdigit(nr[0])) continue;
    if (level == "full" || level == "partial") names.insert(name);
  }
  return names;
}

std::set<std::string> made(const std::string& abi, int& files) {
  std::set<std::string> names;
  files = 0;
  DIR* d = opendir(PSX_COVERAGE_DIR);
  if (!d) return names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.rfind(abi + ".", 0) != 0) continue;
    files++;
    std::ifstream f(std::string(PSX_COVERAGE_DIR) + "/" + n);
    std::string call;
    while (std::getline(f, call)) names.insert(call);
  }
  closedir(d);
  return names;
}

void check(const std::string& abi) {
  int files = 0;
  std::set<std::string> calls = made(abi, files);
  if (files == 0) GTEST_SKIP() << "no traces recorded for " << abi << " (run the differential tests first)";
  std::string missing;
  for (const std::string& s : supported(abi))
    if (!calls.count(s)) missing += " " + s;
  EXPECT_TRUE(missing.empty()) << abi << ": marked supported but no guest test makes it:" << missing;
}

TEST(SyscallCoverage, X86_64) { check("linux-x86_64"); }
TEST(SyscallCoverage, Riscv32) { check("linux-riscv32"); }

}  // namespace
}  // namespace psx::test
