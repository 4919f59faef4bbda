// Real programs, unmodified: Lua 5.4 and the SQLite 3 shell from Debian's
// sources, static with musl. Each workload runs natively on the host and
// under psx on a fresh store (the programs and scripts imported into it), and
// the outputs must be identical; the store is checked afterwards. The
// riscv32 builds of the same programs run under psx against the native output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <iterator>
#include <string>

#include "run_capture.h"

namespace psx::test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::string app(const std::string& arch, const std::string& name) {
  return std::string(PSX_CACHE) + "/apps/" + arch + "/" + name;
}

struct World {
  TempDir tmp;
  std::string store = tmp.path + "/apps.psx";
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=/nonexistent", "PSX_STORE=" + store};

  RunResult psx(std::vector<std::string> args, std::string stdin_data = "") {
    RunSpec s;
    s.argv = {PSX_BIN};
    for (auto& a : args) s.argv.push_back(a);
    s.env = env;
    s.stdin_data = std::move(stdin_data);
    s.timeout_s = 600;
    return run_capture(s);
  }
  // The programs in /usr/bin and the workloads in /tests, as a user would set it up.
  void populate(const std::string& arch) {
    std::string bin = tmp.path + "/bin-" + arch;
    ASSERT_EQ(system(("mkdir -p " + bin + " && cp " + app(arch, "lua") + " " + app(arch, "sqlite3") + " " + bin).c_str()), 0);
    RunResult r = psx({"store", "import", bin, "/usr/bin"});
    ASSERT_EQ(r.status, 0) << r.err;
    r = psx({"store", "import", std::string(PSX_SOURCE_DIR) + "/tests/apps", "/tests"});
    ASSERT_EQ(r.status, 0) << r.err;
  }
};

RunResult native(const std::vector<std::string>& argv, const std::string& stdin_data = "") {
  RunSpec s;
  s.argv = argv;
  s.env = {"PATH=/nonexistent", "HOME=/nonexistent"};
  s.stdin_data = stdin_data;
  s.timeout_s = 600;
  return run_capture(s);
}

void expect_same(const RunResult& psx, const RunResult& nat) {
  EXPECT_EQ(describe_status(psx.status), describe_status(nat.status));
  EXPECT_TRUE(psx.out == nat.out) << "stdout differs\n--- native\n" << nat.out.substr(0, 3000) << "\n--- psx\n"
                                  << psx.out.substr(0, 3000) << "\n--- psx stderr\n" << psx.err.substr(0, 2000);
  EXPECT_EQ(psx.err, nat.err);
}

// trap: "" (the default, rewritten syscall sites) or "--trap=sud".
std::vector<std::string> run_args(const std::string& trap, std::vector<std::string> rest) {
  std::vector<std::string> a = {"run"};
  if (!trap.empty()) a.push_back(trap);
  a.insert(a.end(), rest.begin(), rest.end());
  return a;
}

void lua_files(const std::string& arch, const std::string& trap = "") {
  World w;
  w.populate(arch);
  TempDir host_work;
  RunResult nat = native({app("x86_64", "lua"), std::string(PSX_SOURCE_DIR) + "/tests/apps/lua/files.lua", host_work.path});
  ASSERT_EQ(nat.status, 0) << nat.err;
  // The same workload inside the store, in an empty directory made for it.
  TempDir empty;
  ASSERT_EQ(w.psx({"store", "import", empty.path, "/work"}).status, 0);
  RunResult got = w.psx(run_args(trap, {"lua", "/tests/lua/files.lua", "/work"}));
  expect_same(got, nat);
  // What it left is in the store, for people to see.
  RunResult ls = w.psx({"store", "ls", "/work"});
  for (const char* f : {"big.dat", "bin.dat", "hole.dat", "notes.txt", "result.txt"})
    EXPECT_NE(ls.out.find(f), std::string::npos) << f << " missing from psx store ls:\n" << ls.out;
  RunResult cat = w.psx({"store", "cat", "/work/result.txt"});
  EXPECT_EQ(cat.status, 0);
  EXPECT_EQ(cat.out, slurp(host_work.path + "/result.txt"));
  RunResult fsck = w.psx({"store", "fsck"});
  EXPECT_EQ(fsck.status, 0) << fsck.out << fsck.err;
}

void sqlite_workload(const std::string& arch, const std::string& trap = "") {
  World w;
  w.populate(arch);
  std::string sql = slurp(std::string(PSX_SOURCE_DIR) + "/tests/apps/sqlite/workload.sql");
  ASSERT_FALSE(sql.empty());
  TempDir host_work;
  RunResult nat = native({app("x86_64", "sqlite3"), host_work.path + "/test.db"}, sql);
  ASSERT_EQ(nat.status, 0) << nat.err;
  RunResult got = w.psx(run_args(trap, {"sqlite3", "/tmp/test.db"}), sql);
  expect_same(got, nat);
  RunResult fsck = w.psx({"store", "fsck"});
  EXPECT_EQ(fsck.status, 0) << fsck.out << fsck.err;
  // The database file is the same bytes as the native one.
  RunResult db = w.psx({"store", "cat", "/tmp/test.db"});
  EXPECT_TRUE(db.out == slurp(host_work.path + "/test.db")) << "database files differ";
}

TEST(Apps, LuaFilesX86_64) { lua_files("x86_64"); }
TEST(Apps, SqliteX86_64) { sqlite_workload("x86_64"); }
TEST(Apps, LuaFilesX86_64Sud) { lua_files("x86_64", "--trap=sud"); }
TEST(Apps, SqliteX86_64Sud) { sqlite_workload("x86_64", "--trap=sud"); }
TEST(Apps, LuaFilesRiscv32) { lua_files("riscv32"); }

}  // namespace
}  // namespace psx::test
