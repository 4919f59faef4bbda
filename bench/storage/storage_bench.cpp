// File operations through vfs on a store, and the same operations on the host
// (tmpfs under /dev/shm and the /work filesystem), in one run so that ratios
// are meaningful. Store variants: group durability (commit without sync) and
// strict (sync every commit), each operation one write transaction; and
// strict through the commit queue with 64 operations in flight (group commit).
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "storage/commit_queue.h"
#include "vfs/fs.h"

namespace {

using namespace psx;

class Target {
 public:
  virtual ~Target() = default;
  virtual void create(const std::string& p) = 0;
  virtual void write4k(const std::string& p, uint64_t off, const char* buf) = 0;
  virtual void read4k(const std::string& p, uint64_t off, char* buf) = 0;
  virtual void stat(const std::string& p) = 0;
  virtual size_t readdir(const std::string& p) = 0;
  virtual void unlink(const std::string& p) = 0;
  virtual void mkdir(const std::string& p) = 0;
};

std::string make_temp(const std::string& base) {
  std::string t = base + "/psx-bench-XXXXXX";
  if (!mkdtemp(t.data())) abort();
  return t;
}

class Host : public Target {
 public:
  explicit Host(const std::string& base) : dir_(make_temp(base)) {}
  ~Host() override { std::filesystem::remove_all(dir_); }
  std::string at(const std::string& p) const { return dir_ + "/" + p; }
  void create(const std::string& p) override { ::close(::open(at(p).c_str(), O_WRONLY | O_CREAT, 0644)); }
  void write4k(const std::string& p, uint64_t off, const char* buf) override {
    int fd = fd_for(p);
    if (pwrite(fd, buf, 4096, off) != 4096) abort();
  }
  void read4k(const std::string& p, uint64_t off, char* buf) override {
    if (pread(fd_for(p), buf, 4096, off) < 0) abort();
  }
  void stat(const std::string& p) override {
    struct stat st;
    ::stat(at(p).c_str(), &st);
  }
  size_t readdir(const std::string& p) override {
    DIR* d = opendir(at(p).c_str());
    size_t n = 0;
    while (::readdir(d)) ++n;
    closedir(d);
    return n;
  }
  void unlink(const std::string& p) override { ::unlink(at(p).c_str()); }
  void mkdir(const std::string& p) override { ::mkdir(at(p).c_str(), 0755); }

 private:
  // The file stays open: the benchmark measures the write/read, not open.
  int fd_for(const std::string& p) {
    if (fd_ < 0 || fd_path_ != p) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = ::open(at(p).c_str(), O_RDWR | O_CREAT, 0644);
      fd_path_ = p;
    }
    return fd_;
  }
  std::string dir_;
  int fd_ = -1;
  std::string fd_path_;
};

class StoreTarget : public Target {
 public:
  StoreTarget(const std::string& base, storage::Durability d) : dir_(make_temp(base)) {
    storage::StoreOptions o;
    o.create = true;
    o.durability = d;
    o.initial_map_size = size_t{1} << 30;
    store_ = std::move(storage::Store::open(dir_ + "/bench.psx", o).value());
    fs_ = std::make_unique<vfs::Fs>(*store_);
  }
  ~StoreTarget() override {
    fs_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  template <class F>
  void w(F&& f) {
    if (!vfs::run_update(*store_, [&](storage::WriteTxn& t) { return f(t); }).ok()) abort();
  }
  void create(const std::string& p) override {
    w([&](storage::WriteTxn& t) -> SysResult<void> {
      auto o = PSX_TRY(fs_->open(t, who_, vfs::kRootIno, p, vfs::open_flag::kWrite | vfs::open_flag::kCreate, 0644));
      return fs_->release(t, who_, o.ino);
    });
  }
  vfs::Ino ino_of(const std::string& p) {
    if (p != cached_path_) {
      auto t = store_->begin_read();
      cached_ino_ = fs_->lookup(*t, who_, vfs::kRootIno, p, true).value();
      cached_path_ = p;
    }
    return cached_ino_;
  }
  void write4k(const std::string& p, uint64_t off, const char* buf) override {
    vfs::Ino ino = ino_of(p);
    w([&](storage::WriteTxn& t) { return fs_->write(t, who_, ino, off, {reinterpret_cast<const uint8_t*>(buf), 4096}, false); });
  }
  void read4k(const std::string& p, uint64_t off, char* buf) override {
    vfs::Ino ino = ino_of(p);
    auto t = store_->begin_read();
    if (!fs_->read(*t, ino, off, {reinterpret_cast<uint8_t*>(buf), 4096}).ok()) abort();
  }
  void stat(const std::string& p) override {
    auto t = store_->begin_read();
    if (!fs_->stat(*t, who_, vfs::kRootIno, p, true).ok()) abort();
  }
  size_t readdir(const std::string& p) override {
    vfs::Ino ino = ino_of(p);
    auto t = store_->begin_read();
    size_t n = 0;
    if (!fs_->readdir(*t, ino, 0, [&](const vfs::DirEntry&) { ++n; return true; }).ok()) abort();
    return n;
  }
  void unlink(const std::string& p) override { w([&](storage::WriteTxn& t) { return fs_->unlink(t, who_, vfs::kRootIno, p); }); }
  void mkdir(const std::string& p) override { w([&](storage::WriteTxn& t) { return fs_->mkdir(t, who_, vfs::kRootIno, p, 0755); }); }

  storage::Store& store() { return *store_; }
  vfs::Fs& fs() { return *fs_; }

 private:
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<vfs::Fs> fs_;
  vfs::Caller who_;
  std::string cached_path_;
  vfs::Ino cached_ino_ = 0;
};

using Factory = std::function<std::unique_ptr<Target>()>;

void bm_create(benchmark::State& state, Factory make) {
  auto t = make();
  uint64_t i = 0;
  for (auto _ : state) t->create("c" + std::to_string(i++));
  state.SetItemsProcessed(state.iterations());
}

void bm_write4k(benchmark::State& state, Factory make) {
  auto t = make();
  t->create("w");
  std::vector<char> buf(4096, 'x');
  uint64_t i = 0;
  for (auto _ : state) t->write4k("w", (i++ % 256) * 4096, buf.data());
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 4096);
}

void bm_read4k(benchmark::State& state, Factory make) {
  auto t = make();
  t->create("r");
  std::vector<char> buf(4096, 'x');
  for (int i = 0; i < 256; ++i) t->write4k("r", i * 4096, buf.data());
  uint64_t i = 0;
  for (auto _ : state) t->read4k("r", (i++ % 256) * 4096, buf.data());
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 4096);
}

void bm_stat(benchmark::State& state, Factory make) {
  auto t = make();
  t->mkdir("d");
  t->create("d/s");
  for (auto _ : state) t->stat("d/s");
  state.SetItemsProcessed(state.iterations());
}

void bm_readdir10k(benchmark::State& state, Factory make) {
  auto t = make();
  t->mkdir("big");
  for (int i = 0; i < 10000; ++i) t->create("big/entry" + std::to_string(i));
  for (auto _ : state) benchmark::DoNotOptimize(t->readdir("big"));
  state.SetItemsProcessed(state.iterations() * 10002);  // entries per second
}

void bm_unlink(benchmark::State& state, Factory make) {
  auto t = make();
  uint64_t i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string name = "u" + std::to_string(i++);
    t->create(name);
    state.ResumeTiming();
    t->unlink(name);
  }
  state.SetItemsProcessed(state.iterations());
}

// Strict durability through the commit queue with 64 creates in flight: the
// queue groups them, so 64 operations share one synced commit.
void bm_create_queue(benchmark::State& state, storage::Durability d) {
  StoreTarget st("/work/main/build-storage", d);
  storage::CommitQueue q(st.store());
  vfs::Caller who;
  uint64_t n = 0;
  for (auto _ : state) {
    std::vector<std::promise<void>> done(64);
    for (int k = 0; k < 64; ++k) {
      std::string name = "q" + std::to_string(n++);
      storage::submit_op(
          q,
          [&st, name, who](storage::WriteTxn& t) -> SysResult<void> {
            auto o = PSX_TRY(st.fs().open(t, who, vfs::kRootIno, name, vfs::open_flag::kWrite | vfs::open_flag::kCreate, 0644));
            return st.fs().release(t, who, o.ino);
          },
          [&done, k](SysResult<void>) { done[k].set_value(); }, [](const storage::StoreError& e) { return vfs::to_errno(e); });
    }
    for (auto& p : done) p.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations() * 64);
  state.counters["ops_per_commit"] = double(q.stats().ops) / double(std::max<uint64_t>(1, q.stats().commits));
}

void register_all() {
  const std::string work = "/work/main/build-storage";
  std::vector<std::pair<std::string, Factory>> targets = {
      {"host_shm", [] { return std::make_unique<Host>("/dev/shm"); }},
      {"host_work", [work] { return std::make_unique<Host>(work); }},
      {"store_group", [work] { return std::make_unique<StoreTarget>(work, storage::Durability::group); }},
      {"store_strict", [work] { return std::make_unique<StoreTarget>(work, storage::Durability::strict); }},
  };
  using Fn = void (*)(benchmark::State&, Factory);
  std::vector<std::pair<std::string, Fn>> ops = {{"create", bm_create},   {"write4k", bm_write4k},
                                                 {"read4k", bm_read4k},   {"stat", bm_stat},
                                                 {"readdir10k", bm_readdir10k}, {"unlink", bm_unlink}};
  for (auto& [op, fn] : ops)
    for (auto& [name, make] : targets) {
      // Durability changes only commits: reads are measured on store_group.
      if (name == "store_strict" && (op == "read4k" || op == "stat" || op == "readdir10k")) continue;
      auto* b = benchmark::RegisterBenchmark((op + "/" + name).c_str(), fn, make);
      b->MinTime(0.2)->UseRealTime();  // rates from wall time: I/O waits count
      if (op == "readdir10k") b->Iterations(20);
    }
  benchmark::RegisterBenchmark("create64_queue/store_strict", bm_create_queue, storage::Durability::strict)->MinTime(0.3)->UseRealTime();
  benchmark::RegisterBenchmark("create64_queue/store_group", bm_create_queue, storage::Durability::group)->MinTime(0.3)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
