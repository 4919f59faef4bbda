// Differential property test: seeded random sequences of file operations run
// against a vfs store and against a real host directory; after every step the
// results (errno or data), the stat of the touched paths, and every 50 steps
// the whole tree (listings, stat fields, contents) must agree. Part of it runs
// as uid/gid 65534 in a child process, so permission errors are exercised
// (root bypasses them). A failure prints the seed and the step; rerun one seed
// with PSX_DIFF_SEED=n.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <cstdio>
#include <random>
#include <set>

#include "storage/fsck.h"
#include "tests/storage/temp_dir.h"
#include "vfs/fs.h"

namespace psx::vfs {
namespace {

// What one operation observably did: 0 or an errno, and data to compare.
struct Outcome {
  int err = 0;
  std::string data;
  bool operator==(const Outcome&) const = default;
};
std::string show(const Outcome& o) { return o.err ? errno_name(o.err) : "ok " + o.data.substr(0, 200); }

std::string stat_line(uint32_t mode, uint64_t nlink, uint64_t size, uint32_t uid, uint32_t gid) {
  char buf[128];
  bool dir = (mode & S_IFMT) == S_IFDIR;
  snprintf(buf, sizeof buf, "mode=%o nlink=%llu size=%lld uid=%u gid=%u", mode, (unsigned long long)nlink,
           dir ? -1LL : (long long)size, uid, gid);
  return buf;
}

// The operations, implemented once per side.
class Side {
 public:
  virtual ~Side() = default;
  virtual Outcome create(const std::string& p, bool excl, bool trunc, uint32_t mode) = 0;
  virtual Outcome write(const std::string& p, bool append, uint64_t off, const std::string& data) = 0;
  virtual Outcome read(const std::string& p, uint64_t off, uint64_t len) = 0;
  virtual Outcome truncate(const std::string& p, int64_t len) = 0;
  virtual Outcome rename(const std::string& a, const std::string& b, uint32_t flags) = 0;
  virtual Outcome link(const std::string& a, const std::string& b) = 0;
  virtual Outcome unlink(const std::string& p) = 0;
  virtual Outcome mkdir(const std::string& p, uint32_t mode) = 0;
  virtual Outcome rmdir(const std::string& p) = 0;
  virtual Outcome symlink(const std::string& target, const std::string& p) = 0;
  virtual Outcome chmod(const std::string& p, uint32_t mode) = 0;
  virtual Outcome readdir(const std::string& p) = 0;  // sorted names, "." and ".." included
  virtual Outcome stat(const std::string& p, bool follow) = 0;
  virtual Outcome readlink(const std::string& p) = 0;
};

Outcome from_errno() { return Outcome{errno, ""}; }

// The host: paths relative to the current directory (the test's temp dir).
class HostSide : public Side {
 public:
  Outcome create(const std::string& p, bool excl, bool trunc, uint32_t mode) override {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | (excl ? O_EXCL : 0) | (trunc ? O_TRUNC : 0), mode);
    if (fd < 0) return from_errno();
    ::close(fd);
    return {};
  }
  Outcome write(const std::string& p, bool append, uint64_t off, const std::string& data) override {
    int fd = ::open(p.c_str(), O_WRONLY | (append ? O_APPEND : 0));
    if (fd < 0) return from_errno();
    ssize_t n = append ? ::write(fd, data.data(), data.size()) : ::pwrite(fd, data.data(), data.size(), off);
    Outcome o = n < 0 ? from_errno() : Outcome{0, std::to_string(n)};
    ::close(fd);
    return o;
  }
  Outcome read(const std::string& p, uint64_t off, uint64_t len) override {
    int fd = ::open(p.c_str(), O_RDONLY);
    if (fd < 0) return from_errno();
    std::string buf(len, '\0');
    ssize_t n = ::pread(fd, buf.data(), len, off);
    Outcome o = n < 0 ? from_errno() : Outcome{0, buf.substr(0, n)};
    ::close(fd);
    return o;
  }
  Outcome truncate(const std::string& p, int64_t len) override { return ::truncate(p.c_str(), len) ? from_errno() : Outcome{}; }
  Outcome rename(const std::string& a, const std::string& b, uint32_t flags) override {
    return syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), flags) ? from_errno() : Outcome{};
  }
  Outcome link(const std::string& a, const std::string& b) override { return ::link(a.c_str(), b.c_str()) ? from_errno() : Outcome{}; }
  Outcome unlink(const std::string& p) override { return ::unlink(p.c_str()) ? from_errno() : Outcome{}; }
  Outcome mkdir(const std::string& p, uint32_t mode) override { return ::mkdir(p.c_str(), mode) ? from_errno() : Outcome{}; }
  Outcome rmdir(const std::string& p) override { return ::rmdir(p.c_str()) ? from_errno() : Outcome{}; }
  Outcome symlink(const std::string& t, const std::string& p) override { return ::symlink(t.c_str(), p.c_str()) ? from_errno() : Outcome{}; }
  Outcome chmod(const std::string& p, uint32_t mode) override { return ::chmod(p.c_str(), mode) ? from_errno() : Outcome{}; }
  Outcome readdir(const std::string& p) override {
    DIR* d = opendir(p.c_str());
    if (!d) return from_errno();
    std::set<std::string> names;
    while (dirent* e = ::readdir(d)) names.insert(e->d_name);
    closedir(d);
    std::string s;
    for (auto& n : names) s += n + "\n";
    return {0, s};
  }
  Outcome stat(const std::string& p, bool follow) override {
    struct stat st;
    if ((follow ? ::stat(p.c_str(), &st) : ::lstat(p.c_str(), &st)) != 0) return from_errno();
    return {0, stat_line(st.st_mode, st.st_nlink, st.st_size, st.st_uid, st.st_gid)};
  }
  Outcome readlink(const std::string& p) override {
    char buf[4096];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
    return n < 0 ? from_errno() : Outcome{0, std::string(buf, n)};
  }
};

// The store: each operation is one write (or read) transaction, as the
// storage kernel process would run it.
class StoreSide : public Side {
 public:
  StoreSide(storage::Store& s, Fs& fs, Caller who) : store_(s), fs_(fs), who_(who) {}

  template <class R>
  static Outcome outcome(const R& r) {
    if (!r.ok()) return Outcome{r.error().value, ""};
    if constexpr (requires { to_data(r.value()); }) return Outcome{0, to_data(r.value())};
    else return Outcome{};
  }
  template <class F>
  Outcome w(F&& f) {
    return outcome(run_update(store_, [&](storage::WriteTxn& t) { return f(t); }));
  }
  template <class F>
  Outcome r(F&& f) {
    auto t = store_.begin_read();
    return outcome(f(*t));
  }
  static std::string to_data(const std::string& s) { return s; }
  static std::string to_data(const Stat& st) { return stat_line(st.mode, st.nlink, st.size, st.uid, st.gid); }

  Outcome create(const std::string& p, bool excl, bool trunc, uint32_t mode) override {
    uint32_t fl = open_flag::kWrite | open_flag::kCreate | (excl ? open_flag::kExcl : 0) | (trunc ? open_flag::kTrunc : 0);
    return w([&](storage::WriteTxn& t) -> SysResult<void> {
      auto o = PSX_TRY(fs_.open(t, who_, kRootIno, p, fl, mode));
      return fs_.release(t, who_, o.ino);
    });
  }
  Outcome write(const std::string& p, bool append, uint64_t off, const std::string& data) override {
    return w([&](storage::WriteTxn& t) -> SysResult<std::string> {
      auto o = PSX_TRY(fs_.open(t, who_, kRootIno, p, open_flag::kWrite | (append ? open_flag::kAppend : 0), 0));
      auto n = PSX_TRY(fs_.write(t, who_, o.ino, off, {reinterpret_cast<const uint8_t*>(data.data()), data.size()}, append));
      PSX_TRY_VOID(fs_.release(t, who_, o.ino));
      return std::to_string(n.bytes);
    });
  }
  Outcome read(const std::string& p, uint64_t off, uint64_t len) override {
    // open() retains, so it is a write transaction; the read itself needs none.
    Ino ino = 0;
    Outcome o = w([&](storage::WriteTxn& t) -> SysResult<void> {
      ino = PSX_TRY(fs_.open(t, who_, kRootIno, p, open_flag::kRead, 0)).ino;
      return {};
    });
    if (o.err) return o;
    std::string buf(len, '\0');
    Outcome res = r([&](storage::Txn& t) -> SysResult<std::string> {
      auto n = PSX_TRY(fs_.read(t, ino, off, {reinterpret_cast<uint8_t*>(buf.data()), buf.size()}));
      return buf.substr(0, n);
    });
    w([&](storage::WriteTxn& t) { return fs_.release(t, who_, ino); });
    return res;
  }
  Outcome truncate(const std::string& p, int64_t len) override {
    return w([&](storage::WriteTxn& t) { return fs_.truncate(t, who_, kRootIno, p, len); });
  }
  Outcome rename(const std::string& a, const std::string& b, uint32_t flags) override {
    return w([&](storage::WriteTxn& t) { return fs_.rename(t, who_, kRootIno, a, kRootIno, b, flags); });
  }
  Outcome link(const std::string& a, const std::string& b) override {
    return w([&](storage::WriteTxn& t) { return fs_.link(t, who_, kRootIno, a, kRootIno, b, false); });
  }
  Outcome unlink(const std::string& p) override {
    return w([&](storage::WriteTxn& t) { return fs_.unlink(t, who_, kRootIno, p); });
  }
  Outcome mkdir(const std::string& p, uint32_t mode) override {
    return w([&](storage::WriteTxn& t) { return fs_.mkdir(t, who_, kRootIno, p, mode); });
  }
  Outcome rmdir(const std::string& p) override {
    return w([&](storage::WriteTxn& t) { return fs_.rmdir(t, who_, kRootIno, p); });
  }
  Outcome symlink(const std::string& target, const std::string& p) override {
    return w([&](storage::WriteTxn& t) { return fs_.symlink(t, who_, target, kRootIno, p); });
  }
  Outcome chmod(const std::string& p, uint32_t mode) override {
    return w([&](storage::WriteTxn& t) { return fs_.chmod(t, who_, kRootIno, p, mode, true); });
  }
  Outcome readdir(const std::string& p) override {
    Ino ino = 0;
    Outcome o = w([&](storage::WriteTxn& t) -> SysResult<void> {
      ino = PSX_TRY(fs_.open(t, who_, kRootIno, p, open_flag::kRead | open_flag::kDirectoryOnly, 0)).ino;
      return {};
    });
    if (o.err) return o;
    std::set<std::string> names;
    Outcome res = r([&](storage::Txn& t) -> SysResult<std::string> {
      PSX_TRY_VOID(fs_.readdir(t, ino, 0, [&](const DirEntry& e) { names.emplace(e.name); return true; }));
      std::string s;
      for (auto& n : names) s += n + "\n";
      return s;
    });
    w([&](storage::WriteTxn& t) { return fs_.release(t, who_, ino); });
    return res;
  }
  Outcome stat(const std::string& p, bool follow) override {
    return r([&](storage::Txn& t) { return fs_.stat(t, who_, kRootIno, p, follow); });
  }
  Outcome readlink(const std::string& p) override {
    return r([&](storage::Txn& t) -> SysResult<std::string> {
      char buf[4096];
      auto n = PSX_TRY(fs_.readlink(t, who_, kRootIno, p, buf));
      return std::string(buf, n);
    });
  }

 private:
  storage::Store& store_;
  Fs& fs_;
  Caller who_;
};

// The whole tree as one string, walked through a Side's own operations.
std::string dump(Side& s, const std::string& dir, int depth = 0) {
  std::string out;
  Outcome ls = s.readdir(dir);
  out += dir + ": " + show(ls) + "\n";
  if (ls.err || depth > 6) return out;
  size_t pos = 0;
  while (pos < ls.data.size()) {
    size_t nl = ls.data.find('\n', pos);
    std::string name = ls.data.substr(pos, nl - pos);
    pos = nl + 1;
    if (name == "." || name == "..") continue;
    std::string p = dir == "." ? name : dir + "/" + name;
    Outcome st = s.stat(p, false);
    out += p + " " + show(st) + "\n";
    if (st.err) continue;
    if (st.data.rfind("mode=4", 0) == 0) out += dump(s, p, depth + 1);       // directory
    else if (st.data.rfind("mode=12", 0) == 0) out += "-> " + show(s.readlink(p)) + "\n";
    else out += "= " + std::to_string(std::hash<std::string>{}(s.read(p, 0, 1 << 20).data)) + "\n";
  }
  return out;
}

// Random operations over a small namespace so that names collide often.
class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < percent; }

  // Directories are named d/e, files f/g/h, links l; an operation mostly
  // names the kind it works on, sometimes the wrong one (for the errors).
  enum Kind { kFile, kDir, kLink };
  std::string path(Kind kind) {
    static const char* dirs[] = {"d", "e"};
    static const char* files[] = {"f", "g", "h"};
    int roll = pick(100);
    int depth = roll < 40 ? 0 : roll < 80 ? 1 : 2;
    std::string p;
    for (int i = 0; i < depth; ++i) {
      p += dirs[pick(2)];
      p += chance(3) ? "/./" : chance(3) ? "/../" + std::string(dirs[pick(2)]) + "/" : "/";
    }
    if (chance(12)) kind = static_cast<Kind>(pick(3));
    if (kind == kDir) p += dirs[pick(2)];
    else if (kind == kFile) p += files[pick(3)];
    else p += chance(70) ? "l" : files[pick(3)];
    if (chance(4)) p += '/';
    return p;
  }
  std::string data(size_t len) {
    std::string s(len, '\0');
    uint8_t c = static_cast<uint8_t>(pick(256));
    for (auto& ch : s) ch = static_cast<char>(c += 37);
    return s;
  }
  uint32_t mode() {
    static const uint32_t modes[] = {0755, 0644, 0600, 0700, 0500, 0000, 0777, 0555, 0711, 0640, 02755, 01777};
    return modes[pick(12)];
  }
  uint64_t offset() {
    static const uint64_t offs[] = {0, 1, 100, 4095, 4096, 8175, 8176, 8177, 16352, 30000, 70000};
    return offs[pick(11)] + (chance(30) ? pick(50) : 0);
  }

 private:
  std::mt19937_64 rng_;
};

struct Step {
  std::string what;
  Outcome host, store;
};

// Runs `n` operations; returns an empty string or the description of the first mismatch.
std::string run(uint64_t seed, int n, Side& host, Side& store) {
  Generator g(seed);
  std::map<std::string, std::pair<int, int>> tally;  // op -> (succeeded, failed), for PSX_DIFF_VERBOSE
  auto both = [&](const std::string& what, auto&& op) -> std::string {
    Outcome h = op(host), s = op(store);
    auto& t = tally[what.substr(0, what.find(' '))];
    (h.err ? t.second : t.first)++;
    if (h == s) return "";
    return what + "\n    host:  " + show(h) + "\n    store: " + show(s);
  };
  for (int i = 0; i < n; ++i) {
    using K = Generator::Kind;
    int kind = g.pick(100);
    // The kind of name each operation mostly works on.
    K ka = (kind >= 63 && kind < 79) || kind >= 90 ? K::kDir : (kind >= 79 && kind < 84) ? K::kLink : K::kFile;
    if (kind >= 43 && kind < 51 && g.chance(40)) ka = K::kDir;  // rename directories too
    K kb = (kind >= 79 && kind < 84) ? static_cast<K>(g.pick(2)) : ka;
    std::string a = g.path(ka), b = g.path(kb), what;
    std::string diff;
    if (kind < 12) {
      bool excl = g.chance(20), trunc = g.chance(20);
      uint32_t mode = g.mode() & 0777;
      what = "create " + a + (excl ? " O_EXCL" : "") + (trunc ? " O_TRUNC" : "");
      diff = both(what, [&](Side& s) { return s.create(a, excl, trunc, mode); });
    } else if (kind < 27) {
      bool append = g.chance(15);
      uint64_t off = g.offset();
      std::string d = g.data(g.chance(50) ? g.pick(100) : g.pick(20000));
      what = "write " + a + " at " + std::to_string(off) + " len " + std::to_string(d.size()) + (append ? " O_APPEND" : "");
      diff = both(what, [&](Side& s) { return s.write(a, append, off, d); });
    } else if (kind < 37) {
      uint64_t off = g.offset(), len = g.pick(20000);
      what = "read " + a + " at " + std::to_string(off) + " len " + std::to_string(len);
      diff = both(what, [&](Side& s) { return s.read(a, off, len); });
    } else if (kind < 43) {
      int64_t len = g.chance(5) ? -1 : static_cast<int64_t>(g.offset());
      what = "truncate " + a + " " + std::to_string(len);
      diff = both(what, [&](Side& s) { return s.truncate(a, len); });
    } else if (kind < 51) {
      uint32_t flags = g.chance(10) ? kRenameNoReplace : g.chance(6) ? kRenameExchange : 0;
      what = "rename " + a + " " + b + " flags " + std::to_string(flags);
      diff = both(what, [&](Side& s) { return s.rename(a, b, flags); });
    } else if (kind < 55) {
      what = "link " + a + " " + b;
      diff = both(what, [&](Side& s) { return s.link(a, b); });
    } else if (kind < 63) {
      what = "unlink " + a;
      diff = both(what, [&](Side& s) { return s.unlink(a); });
    } else if (kind < 73) {
      uint32_t mode = g.mode() & 01777;
      what = "mkdir " + a;
      diff = both(what, [&](Side& s) { return s.mkdir(a, mode); });
    } else if (kind < 79) {
      what = "rmdir " + a;
      diff = both(what, [&](Side& s) { return s.rmdir(a); });
    } else if (kind < 84) {
      if (b.back() == '/' && g.chance(50)) b.pop_back();
      what = "symlink " + b + " " + a;
      diff = both(what, [&](Side& s) { return s.symlink(b, a); });
    } else if (kind < 90) {
      uint32_t mode = g.mode();
      what = "chmod " + a + " " + std::to_string(mode);
      diff = both(what, [&](Side& s) { return s.chmod(a, mode); });
    } else if (kind < 95) {
      what = "readdir " + a;
      diff = both(what, [&](Side& s) { return s.readdir(a); });
    } else {
      bool follow = g.chance(50);
      what = std::string(follow ? "stat " : "lstat ") + a;
      diff = both(what, [&](Side& s) { return s.stat(a, follow); });
    }
    // The touched paths afterwards.
    if (diff.empty()) diff = both("lstat " + a + " after " + what, [&](Side& s) { return s.stat(a, false); });
    if (diff.empty()) diff = both("lstat " + b + " after " + what, [&](Side& s) { return s.stat(b, false); });
    if (diff.empty() && (i % 50 == 49 || i == n - 1)) {
      std::string h = dump(host, "."), s = dump(store, ".");
      if (h != s) diff = "tree after " + what + "\n--- host\n" + h + "--- store\n" + s;
    }
    if (!diff.empty()) return "seed " + std::to_string(seed) + " step " + std::to_string(i) + ": " + diff;
  }
  if (getenv("PSX_DIFF_VERBOSE"))
    for (auto& [op, t] : tally) fprintf(stderr, "seed %llu %-8s ok %5d  errno %5d\n", (unsigned long long)seed, op.c_str(), t.first, t.second);
  return "";
}

uint64_t seed_for(uint64_t fallback) {
  const char* s = getenv("PSX_DIFF_SEED");
  return s ? std::strtoull(s, nullptr, 10) : fallback;
}

// Opens a fresh store and runs `n` operations of `seed` as `who` against it
// and the (empty) host directory. Returns the first mismatch or fsck
// finding, or "".
std::string session(const std::string& host_dir, const std::string& store_path, const Caller& who, uint64_t seed,
                    int n) {
  storage::StoreOptions o;
  o.create = true;
  o.durability = storage::Durability::none;
  auto opened = storage::Store::open(store_path, o);
  if (!opened.ok()) return "open: " + opened.error().message;
  auto& store = *opened.value();
  Fs fs(store);
  Caller root;
  // The store's root looks like the host directory: mode 0755, owned by `who`.
  auto own = run_update(store, [&](storage::WriteTxn& t) {
    return fs.chown(t, root, kRootIno, "/", who.cred.uid, who.cred.gid, true);
  });
  if (!own.ok()) return "chown of the store's root failed";
  char old[4096];
  if (!getcwd(old, sizeof old) || chdir(host_dir.c_str()) != 0) return "chdir failed";
  mode_t mask = umask(0);
  HostSide host;
  StoreSide side(store, fs, who);
  std::string result = run(seed, n, host, side);
  if (result.empty()) {
    auto t = store.begin_read();
    auto f = storage::fsck(*t, {true});
    if (!f.ok()) result = "fsck: " + f.error().message;
    else if (!f->empty()) result = "seed " + std::to_string(seed) + ": fsck: " + f->front().to_string();
  }
  umask(mask);
  if (chdir(old) != 0 && result.empty()) result = "chdir back failed";
  return result;
}

constexpr int kOpsPerSeed = 1750;

TEST(vfs_differential, RootMatchesHost) {
  const uint64_t base = seed_for(1000);
  for (uint64_t seed = base; seed < base + 4; ++seed) {
    psx::testing::TempDir host_dir, store_dir;
    ::chmod(host_dir.path().c_str(), 0755);
    std::string r = session(host_dir.path(), store_dir / "s.psx", Caller{}, seed, kOpsPerSeed);
    ASSERT_EQ(r, "") << "reproduce with PSX_DIFF_SEED=" << seed;
  }
}

// uid/gid 65534 in a child process, both sides as that user.
TEST(vfs_differential, UnprivilegedMatchesHost) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch to uid 65534";
  const uint64_t base = seed_for(2000);
  for (uint64_t seed = base; seed < base + 3; ++seed) {
    psx::testing::TempDir host_dir, store_dir;
    ASSERT_EQ(::chown(host_dir.path().c_str(), 65534, 65534), 0);
    ::chmod(host_dir.path().c_str(), 0755);
    ::chmod(store_dir.path().c_str(), 0777);
    fflush(nullptr);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (setgroups(0, nullptr) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)) _exit(3);
      Caller nobody{Cred{65534, 65534, {}}, 0};
      std::string r = session(host_dir.path(), store_dir / "s.psx", nobody, seed, kOpsPerSeed);
      if (!r.empty()) fprintf(stderr, "%s\nreproduce with PSX_DIFF_SEED=%llu\n", r.c_str(), (unsigned long long)seed);
      _exit(r.empty() ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status << ", seed " << seed;
  }
}

}  // namespace
}  // namespace psx::vfs
