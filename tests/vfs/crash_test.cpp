// Crash test: a child process mutates a store through the commit queue (up to
// four operations in flight, so commits are grouped) and appends a line to a
// host file when each is acknowledged; the parent SIGKILLs it at a random
// moment. After every kill the store must open, fsck clean, show every
// acknowledged operation, and be exactly the state after some prefix of the
// submitted operations — never a half-applied one.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>

#include "storage/commit_queue.h"
#include "storage/fsck.h"
#include "tests/storage/temp_dir.h"
#include "vfs/fs.h"

namespace psx::vfs {
namespace {

// ---- a model of the tree: paths name nodes (hard links share one)
struct Model {
  struct Node {
    bool dir = false;
    std::string content;
  };
  std::map<std::string, uint64_t> paths;  // "" is the root
  std::map<uint64_t, Node> nodes;
  uint64_t next_id = 1ull << 40;
};

struct Op {
  std::string kind, a, b;
  uint64_t seed = 0, len = 0;
  std::string line() const {
    return kind + " " + a + " " + (b.empty() ? "-" : b) + " " + std::to_string(seed) + " " + std::to_string(len);
  }
  static Op parse(const std::string& s) {
    Op o;
    std::istringstream in(s);
    in >> o.kind >> o.a >> o.b >> o.seed >> o.len;
    if (o.b == "-") o.b.clear();
    return o;
  }
};

std::string pattern(uint64_t seed, uint64_t len) {
  std::string s(len, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& c : s) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

void apply(Model& m, const Op& op) {
  if (op.kind == "mkdir") {
    uint64_t id = m.next_id++;
    m.nodes[id].dir = true;
    m.paths[op.a] = id;
  } else if (op.kind == "put") {
    uint64_t id;
    if (m.paths.count(op.a)) id = m.paths[op.a];
    else m.paths[op.a] = id = m.next_id++;
    m.nodes[id].content = pattern(op.seed, op.len);
  } else if (op.kind == "append") {
    m.nodes[m.paths[op.a]].content += pattern(op.seed, op.len);
  } else if (op.kind == "truncate") {
    m.nodes[m.paths[op.a]].content.resize(op.len, '\0');
  } else if (op.kind == "rename") {
    uint64_t id = m.paths[op.a];
    if (m.paths.count(op.b) && m.paths[op.b] == id) return;  // two names of one file
    m.paths.erase(op.a);
    m.paths[op.b] = id;
  } else if (op.kind == "unlink" || op.kind == "rmdir") {
    m.paths.erase(op.a);
  } else if (op.kind == "link") {
    m.paths[op.b] = m.paths[op.a];
  }
}

// Canonical form: path -> type, content and the first path of its link group.
std::map<std::string, std::string> canon(const Model& m) {
  std::map<uint64_t, std::string> first;
  for (auto& [p, id] : m.paths)
    if (!first.count(id)) first[id] = p;
  std::map<std::string, std::string> out;
  for (auto& [p, id] : m.paths) {
    if (p.empty()) continue;
    const auto& n = m.nodes.at(id);
    out[p] = n.dir ? "dir" : "file " + std::to_string(n.content.size()) + " " +
                                 std::to_string(std::hash<std::string>{}(n.content)) + " group " + first[id];
  }
  return out;
}

// Reads the store's tree into a Model (ids are inode numbers).
Model scan(storage::Store& store, Fs& fs) {
  Model m;
  Caller root;
  auto t = store.begin_read();
  std::function<void(const std::string&, Ino)> walk = [&](const std::string& dir, Ino ino) {
    m.paths[dir] = ino;
    m.nodes[ino].dir = true;
    std::vector<std::pair<std::string, Ino>> kids;
    EXPECT_TRUE(fs.readdir(*t, ino, 0, [&](const DirEntry& e) {
      if (e.name != "." && e.name != "..") kids.emplace_back(std::string(e.name), e.ino);
      return true;
    }).ok());
    for (auto& [name, kid] : kids) {
      std::string p = dir.empty() ? name : dir + "/" + name;
      auto st = fs.fstat(*t, kid);
      EXPECT_TRUE(st.ok());
      if (st->is_dir()) {
        walk(p, kid);
        continue;
      }
      m.paths[p] = kid;
      std::string content(st->size, '\0');
      EXPECT_TRUE(fs.read(*t, kid, 0, {reinterpret_cast<uint8_t*>(content.data()), content.size()}).ok());
      m.nodes[kid].content = std::move(content);
    }
  };
  walk("", kRootIno);
  return m;
}

// Picks an operation that is valid on `m`.
Op choose(const Model& m, std::mt19937_64& rng, int round, int idx) {
  auto pick = [&](size_t n) { return static_cast<size_t>(std::uniform_int_distribution<uint64_t>(0, n - 1)(rng)); };
  std::vector<std::string> files, dirs{""}, empty_dirs;
  for (auto& [p, id] : m.paths) {
    if (p.empty()) continue;
    if (m.nodes.at(id).dir) {
      dirs.push_back(p);
      bool empty = true;
      for (auto& [q, _] : m.paths)
        if (q.size() > p.size() && q.compare(0, p.size() + 1, p + "/") == 0) empty = false;
      if (empty) empty_dirs.push_back(p);
    } else {
      files.push_back(p);
    }
  }
  auto fresh = [&](const char* prefix) {
    std::string dir = dirs[pick(dirs.size())];
    std::string name = std::string(prefix) + std::to_string(round) + "_" + std::to_string(idx);
    return dir.empty() ? name : dir + "/" + name;
  };
  Op op;
  op.seed = rng();
  for (;;) {
    size_t k = pick(100);
    if (files.size() > 40) k = 60;  // keep the tree small: unlink
    if (k < 10 && dirs.size() < 8) {
      op.kind = "mkdir", op.a = fresh("d");
    } else if (k < 35) {
      op.kind = "put", op.a = fresh("f"), op.len = pick(30000);
    } else if (k < 45 && !files.empty()) {
      op.kind = "append", op.a = files[pick(files.size())], op.len = pick(10000);
    } else if (k < 55 && !files.empty()) {
      op.kind = "truncate", op.a = files[pick(files.size())], op.len = pick(20000);
    } else if (k < 65 && !files.empty()) {
      op.kind = "unlink", op.a = files[pick(files.size())];
    } else if (k < 80 && !files.empty()) {
      op.kind = "rename", op.a = files[pick(files.size())];
      op.b = pick(3) == 0 ? files[pick(files.size())] : fresh("r");
    } else if (k < 88 && !files.empty()) {
      op.kind = "link", op.a = files[pick(files.size())], op.b = fresh("h");
    } else if (k < 95 && !empty_dirs.empty()) {
      op.kind = "rmdir", op.a = empty_dirs[pick(empty_dirs.size())];
    } else {
      continue;
    }
    return op;
  }
}

// The vfs calls for one operation, inside the commit queue's transaction.
SysResult<void> perform(Fs& fs, storage::WriteTxn& t, const Op& op) {
  Caller who{Cred{}, 4242};
  if (op.kind == "mkdir") return fs.mkdir(t, who, kRootIno, op.a, 0755).ok() ? SysResult<void>{} : fail(EIO);
  if (op.kind == "put" || op.kind == "append") {
    uint32_t flags = open_flag::kWrite | (op.kind == "put" ? open_flag::kCreate | open_flag::kTrunc : 0);
    auto o = PSX_TRY(fs.open(t, who, kRootIno, op.a, flags, 0644));
    std::string data = pattern(op.seed, op.len);
    PSX_TRY(fs.write(t, who, o.ino, 0, {reinterpret_cast<const uint8_t*>(data.data()), data.size()}, op.kind == "append"));
    return fs.release(t, who, o.ino);
  }
  if (op.kind == "truncate") return fs.truncate(t, who, kRootIno, op.a, static_cast<int64_t>(op.len));
  if (op.kind == "rename") return fs.rename(t, who, kRootIno, op.a, kRootIno, op.b, 0);
  if (op.kind == "unlink") return fs.unlink(t, who, kRootIno, op.a);
  if (op.kind == "rmdir") return fs.rmdir(t, who, kRootIno, op.a);
  if (op.kind == "link") return fs.link(t, who, kRootIno, op.a, kRootIno, op.b, false);
  return fail(EINVAL);
}

// The child: mutate until killed.
[[noreturn]] void child(const std::string& store_path, const std::string& log_path, int round, uint64_t seed) {
  auto opened = storage::Store::open(store_path, {});
  if (!opened.ok()) _exit(3);
  storage::Store& store = *opened.value();
  Fs fs(store);
  Model m = scan(store, fs);
  int log = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  std::mt19937_64 rng(seed);
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  storage::CommitQueue queue(store);
  for (int idx = 0;; ++idx) {
    Op op = choose(m, rng, round, idx);
    apply(m, op);  // as if it succeeds; the queue commits in order
    std::string intent = "I " + std::to_string(idx) + " " + op.line() + "\n";
    if (::write(log, intent.data(), intent.size()) < 0) _exit(4);
    {
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return in_flight < 4; });
      ++in_flight;
    }
    storage::submit_op(
        queue, [&fs, op](storage::WriteTxn& t) { return perform(fs, t, op); },
        [&, idx](SysResult<void> r) {
          std::string ack = "A " + std::to_string(idx) + " " + (r.ok() ? "ok" : errno_name(r.error().value)) + "\n";
          if (::write(log, ack.data(), ack.size()) < 0) _exit(4);
          std::lock_guard lk(mu);
          --in_flight;
          cv.notify_one();
        },
        [](const storage::StoreError& e) { return to_errno(e); });
  }
}

TEST(vfs_crash, SigkillAtRandomMomentsLosesNoAcknowledgedOperation) {
  psx::testing::TempDir dir;
  const std::string store_path = dir / "s.psx";
  {
    storage::StoreOptions o;
    o.create = true;
    ASSERT_TRUE(storage::Store::open(store_path, o).ok());
  }
  std::mt19937_64 rng(12345);
  int total_acked = 0, rounds_with_inflight = 0;
  for (int round = 0; round < 30; ++round) {
    const std::string log_path = dir / ("log" + std::to_string(round));
    Model base;
    {
      auto s = storage::Store::open(store_path, {});
      ASSERT_TRUE(s.ok()) << s.error().message;
      Fs fs(**s);
      base = scan(**s, fs);
    }
    fflush(nullptr);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) child(store_path, log_path, round, rng());
    usleep(static_cast<useconds_t>(5000 + rng() % 60000));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited on its own with " << status << " in round " << round;

    // What the child submitted and what it was told.
    std::vector<Op> ops;
    std::vector<std::string> acks;
    std::ifstream in(log_path);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line.back() == '\0') continue;
      std::istringstream ls(line);
      std::string tag;
      size_t idx;
      ls >> tag >> idx;
      std::string rest;
      std::getline(ls, rest);
      if (tag == "I" && idx == ops.size()) ops.push_back(Op::parse(rest));
      if (tag == "A") {
        ASSERT_EQ(idx, acks.size()) << "acknowledgements out of order in round " << round;
        acks.push_back(rest);
      }
    }
    for (size_t i = 0; i < acks.size(); ++i) ASSERT_EQ(acks[i], " ok") << "op " << ops[i].line() << " round " << round;
    total_acked += static_cast<int>(acks.size());
    rounds_with_inflight += ops.size() > acks.size();

    auto s = storage::Store::open(store_path, {});
    ASSERT_TRUE(s.ok()) << s.error().message;
    {
      auto t = (*s)->begin_read();
      auto f = storage::fsck(*t);
      ASSERT_TRUE(f.ok());
      std::string found;
      for (auto& x : *f) found += x.to_string() + "\n";
      ASSERT_TRUE(f->empty()) << "round " << round << ":\n" << found;
    }
    Fs fs(**s);
    auto got = canon(scan(**s, fs));
    // Acknowledged ops are all there; the rest form a prefix of what was submitted.
    Model m = base;
    for (size_t i = 0; i < acks.size(); ++i) apply(m, ops[i]);
    bool matched = canon(m) == got;
    for (size_t j = acks.size(); j < ops.size() && !matched; ++j) {
      apply(m, ops[j]);
      matched = canon(m) == got;
    }
    ASSERT_TRUE(matched) << "round " << round << ": store is not base + a prefix of " << ops.size()
                         << " submitted ops (" << acks.size() << " acknowledged)";
  }
  EXPECT_GT(total_acked, 100);
  RecordProperty("acknowledged", total_acked);
  RecordProperty("rounds_with_unacknowledged_ops", rounds_with_inflight);
}

}  // namespace
}  // namespace psx::vfs
