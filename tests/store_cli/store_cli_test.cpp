// psx store as people use it: the real psx binary on stores in a scratch
// directory. The acceptance round trip (import a host tree, export it,
// compare), the inspection commands' output, and the refusals: bad store
// files, a store whose writer lock is taken, bad paths and bad usage.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "storage/store.h"
#include "storage/tables.h"
#include "tests/guest/run_capture.h"
#include "tests/storage/temp_dir.h"
#include "tests/store_cli/tree_compare.h"

namespace psx::test {
namespace {

using psx::testing::TempDir;

bool is_root() { return geteuid() == 0; }

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_file(const std::string& path, const std::string& bytes, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(write(fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
  close(fd);
  ASSERT_EQ(chmod(path.c_str(), mode), 0);
}

void set_mtime(const std::string& path, int64_t sec, long nsec) {
  timespec t[2] = {{sec - 100, 0}, {sec, nsec}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW), 0) << path;
}

int count_lines(const std::string& s) { return int(std::count(s.begin(), s.end(), '\n')); }

// The tree of the acceptance test: contents, modes, symlinks, hard links,
// empty directories, holes, a FIFO, and (as root) a device node and owners.
void build_tree(const std::string& t) {
  ASSERT_EQ(mkdir(t.c_str(), 0755), 0);
  for (const char* d : {"docs", "docs/deep", "docs/deep/er", "empty", "empty/inner", "locked", "bin"})
    ASSERT_EQ(mkdir((t + "/" + d).c_str(), 0755), 0);
  write_file(t + "/hello.txt", "hello, store\n", 0644);
  write_file(t + "/empty.txt", "", 0600);
  write_file(t + "/docs/readme", std::string(20000, 'r') + "end", 0444);
  std::mt19937 rng(42);
  std::string random(300000, '\0');
  for (char& c : random) c = char(rng());
  write_file(t + "/bin/tool", random, 04755);
  write_file(t + "/docs/deep/er/leaf", "leaf\n", 0640);
  write_file(t + "/locked/secret", "inside a 0500 directory\n", 0400);
  // Holes: 10 MiB with data only at both ends.
  {
    int fd = open((t + "/sparse").c_str(), O_WRONLY | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    std::string head(5000, 'H'), tail(3000, 'T');
    ASSERT_EQ(pwrite(fd, head.data(), head.size(), 0), ssize_t(head.size()));
    ASSERT_EQ(pwrite(fd, tail.data(), tail.size(), (10 << 20) - 3000), ssize_t(tail.size()));
    close(fd);
  }
  // Hard links: three names of one file in two directories, and a pair.
  ASSERT_EQ(link((t + "/hello.txt").c_str(), (t + "/docs/hello-again").c_str()), 0);
  ASSERT_EQ(link((t + "/hello.txt").c_str(), (t + "/docs/deep/third").c_str()), 0);
  ASSERT_EQ(link((t + "/bin/tool").c_str(), (t + "/bin/tool2").c_str()), 0);
  // Symlinks: relative, absolute, dangling, to a directory.
  ASSERT_EQ(symlink("../hello.txt", (t + "/docs/link").c_str()), 0);
  ASSERT_EQ(symlink("/etc/passwd", (t + "/abs").c_str()), 0);
  ASSERT_EQ(symlink("nowhere", (t + "/dangling").c_str()), 0);
  ASSERT_EQ(symlink("docs/deep", (t + "/deeplink").c_str()), 0);
  ASSERT_EQ(mkfifo((t + "/fifo").c_str(), 0620), 0);
  ASSERT_EQ(chmod((t + "/fifo").c_str(), 0620), 0);  // past the umask
  if (is_root()) {
    ASSERT_EQ(mknod((t + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
    ASSERT_EQ(chmod((t + "/null").c_str(), 0666), 0);
    ASSERT_EQ(lchown((t + "/docs/readme").c_str(), 1234, 567), 0);
    ASSERT_EQ(lchown((t + "/abs").c_str(), 99, 98), 0);
  }
  // Times last, directories after their entries (adding entries moves mtime).
  int64_t base = 1600000000;
  int i = 0;
  for (const char* f : {"hello.txt", "empty.txt", "docs/readme", "bin/tool", "docs/deep/er/leaf", "locked/secret",
                        "sparse", "docs/link", "abs", "dangling", "deeplink", "fifo"})
    set_mtime(t + "/" + f, base + 1000 * i++, 123456789);
  for (const char* d : {"docs/deep/er", "docs/deep", "docs", "empty/inner", "empty", "locked", "bin", ""})
    set_mtime(t + "/" + d, base - 1000 * i++, 987654321);
  ASSERT_EQ(chmod((t + "/locked").c_str(), 0500), 0);
  ASSERT_EQ(chmod((t + "/empty/inner").c_str(), 0700), 0);
}

class StoreCli : public ::testing::Test {
 protected:
  // The environment of every run: a HOME and XDG_DATA_HOME inside the scratch
  // directory, so the default store is never the user's.
  std::vector<std::string> env(bool with_store = true) const {
    std::vector<std::string> e = {"PATH=/usr/bin:/bin", "HOME=" + dir_.path(), "XDG_DATA_HOME=" + dir_ / "xdg",
                                  "TZ=UTC"};
    if (with_store) e.push_back("PSX_STORE=" + store_);
    return e;
  }
  RunResult psx(std::vector<std::string> args, bool with_store = true) const {
    RunSpec s;
    s.argv = {PSX_BIN, "store"};
    s.argv.insert(s.argv.end(), args.begin(), args.end());
    s.env = env(with_store);
    s.stdin_kind = Stdin::kDevNull;
    s.timeout_s = 300;
    return run_capture(s);
  }
  static int code(const RunResult& r) { return WIFEXITED(r.status) ? WEXITSTATUS(r.status) : 128 + WTERMSIG(r.status); }

  // Imports the acceptance tree into /t once per test that needs it.
  void import_tree() {
    build_tree(tree_);
    RunResult r = psx({"import", tree_, "/t"});
    ASSERT_EQ(code(r), 0) << r.err;
    ASSERT_NE(r.out.find("imported"), std::string::npos) << r.out;
  }

  TempDir dir_;
  std::string store_ = dir_ / "s.psx";
  std::string tree_ = dir_ / "tree";
};

// ---------------------------------------------------------------- acceptance

TEST_F(StoreCli, ImportThenExportReproducesTheTreeExactly) {
  import_tree();
  std::string out = dir_ / "out";
  RunResult r = psx({"export", "/t", out});
  ASSERT_EQ(code(r), 0) << r.err;
  std::map<std::string, NodeInfo> want, got;
  ASSERT_EQ(snapshot(tree_, want), "");
  ASSERT_EQ(snapshot(out, got), "");
  EXPECT_EQ(compare(want, got, is_root()), "");
  // Still sparse after the round trip: 8 KiB of data in a 10 MiB file.
  EXPECT_EQ(got["sparse"].size, 10u << 20);
  EXPECT_LT(got["sparse"].blocks * 512, 256u * 1024) << "export did not write holes";
  EXPECT_EQ(got["hello.txt"].nlink, 3u);
  EXPECT_EQ(got["bin/tool"].nlink, 2u);

  RunResult f = psx({"fsck"});
  EXPECT_EQ(code(f), 0) << f.out << f.err;
  EXPECT_NE(f.out.find("clean"), std::string::npos) << f.out;
}

TEST_F(StoreCli, StoreOptionAndEnvironmentChooseTheSameStore) {
  build_tree(tree_);
  std::string other = dir_ / "other.psx";
  // --store after the subcommand, before it, and as --store=FILE.
  ASSERT_EQ(code(psx({"import", "--store", other, tree_, "/t"}, false)), 0);
  RunResult by_env = psx({"ls", "-l", "/t"});  // PSX_STORE: s.psx, not created yet
  EXPECT_EQ(code(by_env), 1);
  EXPECT_NE(by_env.err.find("no store"), std::string::npos) << by_env.err;
  ASSERT_EQ(code(psx({"import", tree_, "/t"})), 0);

  RunResult a = psx({"--store", other, "ls", "-l", "/t"}, false);
  RunResult b = psx({"ls", "-l", "/t", "--store=" + other}, false);
  std::vector<std::string> e = env(false);
  RunResult c = psx({"ls", "-l", "/t"});
  EXPECT_EQ(code(a), 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  // The two stores were filled by the same import: same listing, except that
  // ctime-free ls -l shows nothing that differs.
  EXPECT_EQ(a.out, c.out);

  std::string out1 = dir_ / "out1", out2 = dir_ / "out2";
  ASSERT_EQ(code(psx({"export", "--store", other, "/t", out1}, false)), 0);
  ASSERT_EQ(code(psx({"export", "/t", out2})), 0);
  std::map<std::string, NodeInfo> t1, t2;
  ASSERT_EQ(snapshot(out1, t1), "");
  ASSERT_EQ(snapshot(out2, t2), "");
  EXPECT_EQ(compare(t1, t2, true), "");
}

TEST_F(StoreCli, TheDefaultStoreLivesUnderXdgDataHome) {
  build_tree(tree_);
  RunResult r = psx({"import", tree_, "/t"}, false);
  ASSERT_EQ(code(r), 0) << r.err;
  struct stat st;
  EXPECT_EQ(stat((dir_ / "xdg/psx/default.psx").c_str(), &st), 0);
  RunResult i = psx({"info"}, false);
  EXPECT_NE(i.out.find(dir_ / "xdg/psx/default.psx"), std::string::npos) << i.out;
}

// ---------------------------------------------------------------- inspection

TEST_F(StoreCli, LsLongShowsModesLinksOwnersSizesAndTargets) {
  import_tree();
  RunResult r = psx({"ls", "-l", "/t"});
  ASSERT_EQ(code(r), 0) << r.err;
  // One line per entry, sorted by name.
  EXPECT_EQ(count_lines(r.out), is_root() ? 12 : 11) << r.out;
  EXPECT_NE(r.out.find("-rw-r--r-- 3 "), std::string::npos) << r.out;  // hello.txt, three names
  EXPECT_NE(r.out.find(" 13 2020-09-13 12:26 hello.txt\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 10485760 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lrwxrwxrwx"), std::string::npos);
  EXPECT_NE(r.out.find("dangling -> nowhere\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("prw--w----"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dr-x------"), std::string::npos) << r.out;  // locked
  if (is_root()) {
    EXPECT_NE(r.out.find("crw-rw-rw- 1 "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" 1, 3 "), std::string::npos) << r.out;  // major, minor where the size goes
    EXPECT_NE(r.out.find(" 99 98 "), std::string::npos) << r.out;  // abs
  }
  RunResult bin = psx({"ls", "-l", "/t/bin"});
  EXPECT_NE(bin.out.find("-rwsr-xr-x 2 "), std::string::npos) << bin.out;
  RunResult plain = psx({"ls", "/t/docs"});
  EXPECT_EQ(plain.out, "deep\nhello-again\nlink\nreadme\n");
  RunResult all = psx({"ls", "-a", "/t/docs"});
  EXPECT_EQ(all.out, ".\n..\ndeep\nhello-again\nlink\nreadme\n");
  RunResult root = psx({"ls", "/"});
  EXPECT_NE(root.out.find("dev\n"), std::string::npos);  // a new store is populated
  EXPECT_NE(root.out.find("t\n"), std::string::npos);
}

TEST_F(StoreCli, TreeStatCatDuRecordsLogInfo) {
  import_tree();
  RunResult tree = psx({"tree", "/t/docs"});
  EXPECT_EQ(code(tree), 0);
  EXPECT_EQ(tree.out,
            "/t/docs\n"
            "├── deep\n"
            "│   ├── er\n"
            "│   │   └── leaf\n"
            "│   └── third\n"
            "├── hello-again\n"
            "├── link -> ../hello.txt\n"
            "└── readme\n"
            "\n"
            "2 directories, 5 files\n");

  RunResult st = psx({"stat", "/t/docs/hello-again"});
  ASSERT_EQ(code(st), 0) << st.err;
  EXPECT_NE(st.out.find("-rw-r--r--"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("nlink         3"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("dirents naming it: 3"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("/t/hello.txt"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("/t/docs/deep/third"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("block 0  offset 0  13 bytes"), std::string::npos) << st.out;
  RunResult sp = psx({"stat", "/t/sparse"});
  EXPECT_NE(sp.out.find("holes: "), std::string::npos) << sp.out;

  RunResult cat = psx({"cat", "/t/hello.txt", "/t/docs/link"});
  EXPECT_EQ(cat.out, "hello, store\nhello, store\n");
  RunResult big = psx({"cat", "/t/sparse"});
  EXPECT_EQ(big.out.size(), 10u << 20);
  EXPECT_EQ(big.out.substr(0, 5000), std::string(5000, 'H'));
  EXPECT_EQ(big.out.substr((10 << 20) - 3000), std::string(3000, 'T'));
  EXPECT_EQ(big.out[6000], '\0');

  RunResult du = psx({"du", "/t"});
  EXPECT_EQ(code(du), 0);
  // Directories deepest first, the total last; bytes stored, holes free,
  // hard links once.
  EXPECT_NE(du.out.find("/t/docs/deep/er\n"), std::string::npos) << du.out;
  std::string last = du.out.substr(du.out.rfind('\n', du.out.size() - 2) + 1);
  EXPECT_NE(last.find(" /t\n"), std::string::npos) << du.out;
  uint64_t total = std::stoull(last);
  EXPECT_GT(total, 300000u + 20000u + 8000u);
  EXPECT_LT(total, 400000u);

  RunResult rec = psx({"records", "inodes"});
  EXPECT_EQ(code(rec), 0);
  EXPECT_EQ(rec.out.rfind("ino=1 -> type=dir perm=0755", 0), 0u) << rec.out;
  EXPECT_NE(rec.out.find("type=symlink"), std::string::npos);
  RunResult lim = psx({"records", "dirents", "--limit", "2"});
  EXPECT_EQ(count_lines(lim.out), 2) << lim.out;
  EXPECT_NE(lim.out.find("parent=1 name=\""), std::string::npos) << lim.out;
  RunResult meta = psx({"records", "meta"});
  EXPECT_NE(meta.out.find("name=format -> value=1"), std::string::npos) << meta.out;

  RunResult log = psx({"log"});
  EXPECT_EQ(code(log), 0);
  EXPECT_NE(log.out.find("mkdir      /t  (ino"), std::string::npos) << log.out.substr(0, 2000);
  EXPECT_NE(log.out.find("link       /t/docs/hello-again"), std::string::npos);
  EXPECT_NE(log.out.find("pid 0"), std::string::npos);
  RunResult tail = psx({"log", "--limit", "3"});
  EXPECT_EQ(count_lines(tail.out), 3) << tail.out;
  EXPECT_NE(tail.out.find("utimens    /t  "), std::string::npos) << tail.out;  // the import's last step

  RunResult info = psx({"info"});
  EXPECT_EQ(code(info), 0);
  for (const char* k : {"store:       " , "format:      1", "uuid:", "created:", "block size:  8176 bytes",
                        "durability:  group", "map size:", "used:", "inodes:", "dirents:", "data blocks:", "txlog:",
                        "orphans:     0", "writer:      none"})
    EXPECT_NE(info.out.find(k), std::string::npos) << k << "\n" << info.out;
}

TEST_F(StoreCli, JsonOutputsParseAsObjectsOrArraysWithTheirKeys) {
  import_tree();
  struct Case {
    std::vector<std::string> args;
    char first;
    std::vector<std::string> keys;
  };
  std::vector<Case> cases = {
      {{"info", "--json"}, '{', {"\"uuid\":", "\"block_size\":8176", "\"counts\":{\"inodes\":", "\"durability\":\"group\""}},
      {{"ls", "--json", "/t"}, '{', {"\"entries\":[", "\"name\":\"hello.txt\"", "\"mode_string\":\"-rw-r--r--\"", "\"nlink\":3"}},
      {{"stat", "--json", "/t/hello.txt"}, '{', {"\"inode\":{", "\"dirents\":[", "\"blocks\":[", "\"bytes\":13"}},
      {{"records", "txlog", "--json", "--limit", "5"}, '[', {"\"key\":{\"txid\":1}", "\"op\":\"mkdir\""}},
      {{"log", "--json", "--limit", "2"}, '[', {"\"txid\":", "\"op\":\"utimens\"", "\"path\":\"/t\""}},
      {{"du", "--json", "/t"}, '{', {"\"total_bytes\":", "\"path\":\"/t/docs\""}},
      {{"fsck", "--json"}, '{', {"\"clean\":true", "\"findings\":[]"}},
  };
  for (const Case& c : cases) {
    RunResult r = psx(c.args);
    ASSERT_EQ(code(r), 0) << c.args[0] << ": " << r.err;
    ASSERT_FALSE(r.out.empty()) << c.args[0];
    EXPECT_EQ(r.out[0], c.first) << c.args[0] << ": " << r.out.substr(0, 200);
    EXPECT_EQ(r.out.back(), '\n');
    EXPECT_EQ(count_lines(r.out), 1) << c.args[0];
    for (const std::string& k : c.keys) EXPECT_NE(r.out.find(k), std::string::npos) << c.args[0] << ": " << k;
  }
}

TEST_F(StoreCli, FsckReportsEachViolationAndExitsOne) {
  import_tree();
  {
    // Break L1: claim one more link than there are names.
    storage::StoreOptions opt;
    auto s = storage::Store::open(store_, opt);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto r = (*s)->update([&](storage::WriteTxn& t) {
      auto rec = storage::get_inode(t, 1);
      storage::InodeRecord root = **rec;
      root.nlink += 5;
      return storage::put_inode(t, 1, root).ok();
    });
    ASSERT_TRUE(r.ok());
  }
  RunResult f = psx({"fsck"});
  EXPECT_EQ(code(f), 1);
  EXPECT_NE(f.out.find("L2 inodes ino 1:"), std::string::npos) << f.out;
  RunResult j = psx({"fsck", "--json"});
  EXPECT_EQ(code(j), 1);
  EXPECT_NE(j.out.find("\"clean\":false"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"rule\":\"L2\""), std::string::npos) << j.out;
}

TEST_F(StoreCli, ProgressIsReportedOnRequest) {
  build_tree(tree_);
  RunResult r = psx({"import", "--progress", tree_, "/t"});
  ASSERT_EQ(code(r), 0) << r.err;
  // 7 directories, 7 files, 3 more names, 4 symlinks, a FIFO (and /dev/null's twin).
  std::string n = is_root() ? "23" : "22";
  EXPECT_NE(r.err.find("psx store import: " + n + "/" + n + " entries, 10.3 MiB/10.3 MiB\n"), std::string::npos)
      << r.err;
  RunResult q = psx({"import", tree_, "/t2"});  // not a terminal, not asked: quiet
  EXPECT_EQ(q.err, "");
  RunResult e = psx({"export", "--progress", "/t", dir_ / "out"});
  ASSERT_EQ(code(e), 0) << e.err;
  EXPECT_NE(e.err.find("psx store export: " + n + "/" + n + " entries, 10.3 MiB/10.3 MiB\n"), std::string::npos)
      << e.err;
}

TEST_F(StoreCli, ReimportReplacesFilesAndMergesDirectories) {
  import_tree();
  write_file(tree_ + "/hello.txt", "changed\n", 0644);  // all three names see it
  RunResult r = psx({"import", tree_, "/t"});
  ASSERT_EQ(code(r), 0) << r.err;
  EXPECT_EQ(psx({"cat", "/t/docs/deep/third"}).out, "changed\n");
  EXPECT_EQ(code(psx({"fsck"})), 0);
}

// ---------------------------------------------------------------- refusals

struct BadStore {
  std::string name;
  std::string words;
};

class BadStoreFile : public StoreCli, public ::testing::WithParamInterface<BadStore> {};

TEST_P(BadStoreFile, OneClearLineNonZeroExitNothingWritten) {
  std::string bytes;
  if (GetParam().name == "text") {
    bytes = "this is a text file, not a store\n";
  } else if (GetParam().name == "truncated") {
    // A real store cut short.
    build_tree(tree_);
    ASSERT_EQ(code(psx({"import", tree_, "/t"})), 0);
    bytes = slurp(store_).substr(0, 12288);
  }
  std::string bad = dir_ / ("bad-" + GetParam().name + ".psx");
  write_file(bad, bytes, 0644);
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"info"}, {"ls", "/"}, {"fsck"}, {"log"}, {"records", "inodes"}, {"import", dir_.path(), "/x"},
           {"export", "/", dir_ / "never"}, {"init"}}) {
    args.push_back("--store");
    args.push_back(bad);
    RunResult r = psx(args, false);
    EXPECT_EQ(code(r), 1) << args[0] << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << args[0] << ": " << r.err;
    EXPECT_EQ(r.err.rfind("psx store " + args[0] + ": ", 0), 0u) << r.err;
    if (args[0] != "init") EXPECT_NE(r.err.find(GetParam().words), std::string::npos) << args[0] << ": " << r.err;
    EXPECT_EQ(r.out, "") << args[0];
    EXPECT_EQ(slurp(bad), bytes) << args[0] << " changed the file";
    struct stat st;
    EXPECT_NE(stat((bad + "-lock").c_str(), &st), 0) << args[0] << " left a lock file";
  }
  struct stat st;
  EXPECT_NE(stat((dir_ / "never").c_str(), &st), 0);
}

INSTANTIATE_TEST_SUITE_P(Files, BadStoreFile,
                         ::testing::Values(BadStore{"text", "not a psx store"}, BadStore{"empty", "is empty"},
                                           BadStore{"truncated", "damaged"}),
                         [](const ::testing::TestParamInfo<BadStore>& i) { return i.param.name; });

TEST_F(StoreCli, ImportIsRefusedWhileAnotherProcessIsTheWriter) {
  build_tree(tree_);
  ASSERT_EQ(code(psx({"init"})), 0);
  // This process becomes the store's one writer, as a running psx would.
  storage::StoreOptions opt;
  auto writer = storage::Store::open(store_, opt);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  std::string before = slurp(store_);
  RunResult r = psx({"import", tree_, "/t"});
  EXPECT_EQ(code(r), 1);
  EXPECT_EQ(r.err, "psx store import: " + store_ + ": the store is in use by a running psx (pid " +
                       std::to_string(getpid()) + ")\n");
  EXPECT_EQ(slurp(store_), before);
  // Readers still work beside the writer.
  RunResult ls = psx({"ls", "/"});
  EXPECT_EQ(code(ls), 0) << ls.err;
  EXPECT_NE(ls.out.find("dev\n"), std::string::npos);
  EXPECT_EQ(code(psx({"fsck"})), 0);
  RunResult info = psx({"info"});
  EXPECT_NE(info.out.find("writer:      pid " + std::to_string(getpid())), std::string::npos) << info.out;
  EXPECT_EQ(code(psx({"init"})), 1);  // exists
  writer->reset();
  RunResult again = psx({"import", tree_, "/t"});
  EXPECT_EQ(code(again), 0) << again.err;
}

TEST_F(StoreCli, InitCreatesOnceAndNeverOverwrites) {
  RunResult r = psx({"init"});
  ASSERT_EQ(code(r), 0) << r.err;
  EXPECT_EQ(r.out.rfind("created store " + store_ + " (uuid ", 0), 0u) << r.out;
  std::string before = slurp(store_);
  RunResult again = psx({"init"});
  EXPECT_EQ(code(again), 1);
  EXPECT_EQ(count_lines(again.err), 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(slurp(store_), before);
  RunResult ls = psx({"ls", "-l", "/dev"});
  EXPECT_NE(ls.out.find("crw-rw-rw- 1 0 0 1, 3"), std::string::npos) << ls.out;
}

TEST_F(StoreCli, BadPathsGetTheErrnoText) {
  ASSERT_EQ(code(psx({"init"})), 0);
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  std::vector<Case> cases = {
      {{"cat", "/nope"}, "psx store cat /nope: No such file or directory\n"},
      {{"cat", "/dev"}, "psx store cat /dev: Is a directory\n"},
      {{"ls", "/nope/x"}, "psx store ls /nope/x: No such file or directory\n"},
      {{"stat", "/dev/null/x"}, "psx store stat /dev/null/x: Not a directory\n"},
      {{"tree", "/missing"}, "psx store tree /missing: No such file or directory\n"},
      {{"du", "/missing"}, "psx store du /missing: No such file or directory\n"},
      {{"export", "/missing", dir_ / "o"}, "psx store export /missing: No such file or directory\n"},
      {{"import", dir_ / "no-such-dir", "/x"}, "psx store import: " + dir_ / "no-such-dir" + ": No such file or directory\n"},
  };
  for (const Case& c : cases) {
    RunResult r = psx(c.args);
    EXPECT_EQ(code(r), 1) << c.args[0];
    EXPECT_EQ(r.err, c.err);
  }
  RunResult dev = psx({"cat", "/dev/null"});
  EXPECT_EQ(code(dev), 1);
  EXPECT_NE(dev.err.find("not a regular file"), std::string::npos) << dev.err;
}

TEST_F(StoreCli, UsageErrorsExitTwoAndEverySubcommandHasHelp) {
  RunResult top = psx({"--help"});
  EXPECT_EQ(code(top), 0);
  const char* subs[] = {"init", "info", "ls", "tree", "stat", "cat", "du", "records", "log", "fsck", "import", "export"};
  for (const char* s : subs) {
    EXPECT_NE(top.out.find(std::string("  ") + s + " "), std::string::npos) << s << " missing from\n" << top.out;
    RunResult h = psx({s, "--help"});
    EXPECT_EQ(code(h), 0) << s;
    EXPECT_EQ(h.out.rfind(std::string("usage: psx store ") + s, 0), 0u) << h.out;
    EXPECT_NE(h.out.find("--store FILE"), std::string::npos) << s;
  }
  EXPECT_EQ(code(psx({})), 2);
  EXPECT_EQ(code(psx({"frobnicate"})), 2);
  RunResult unknown = psx({"ls", "-z"});
  EXPECT_EQ(code(unknown), 2);
  EXPECT_EQ(unknown.err, "psx store ls: unknown option '-z' (see psx store ls --help)\n");
  EXPECT_EQ(code(psx({"stat"})), 2);
  EXPECT_EQ(code(psx({"import", "onlyone"})), 2);
  EXPECT_EQ(code(psx({"records", "inodes", "--limit", "many"})), 2);
  EXPECT_EQ(code(psx({"records", "nosuchtable"})), 2);
}

}  // namespace
}  // namespace psx::test
