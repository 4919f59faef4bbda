#include "storage/store.h"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "storage/file_check.h"
#include "storage/tables.h"

namespace psx::storage {

namespace {

constexpr const char* kTableNames[kTableCount] = {"inodes", "dirents", "dirseq", "data",
                                                  "meta",   "txlog",   "orphans"};

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

std::string quoted(const std::string& p) { return "'" + p + "'"; }

}  // namespace

const char* durability_name(Durability d) {
  switch (d) {
    case Durability::strict: return "strict";
    case Durability::group: return "group";
    case Durability::none: return "none";
  }
  return "?";
}

std::optional<Durability> parse_durability(std::string_view s) {
  if (s == "strict") return Durability::strict;
  if (s == "group") return Durability::group;
  if (s == "none") return Durability::none;
  return std::nullopt;
}

const char* table_name(Table t) { return kTableNames[static_cast<int>(t)]; }

std::optional<Table> parse_table(std::string_view name) {
  for (int i = 0; i < kTableCount; ++i)
    if (name == kTableNames[i]) return static_cast<Table>(i);
  return std::nullopt;
}

const char* type_name(InodeType t) {
  switch (t) {
    case InodeType::regular: return "file";
    case InodeType::directory: return "dir";
    case InodeType::symlink: return "symlink";
    case InodeType::fifo: return "fifo";
    case InodeType::char_device: return "chardev";
    case InodeType::block_device: return "blockdev";
    case InodeType::socket: return "socket";
  }
  return "?";
}

std::string StoreInfo::uuid_string() const {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hex[uuid[i] >> 4];
    s += hex[uuid[i] & 15];
  }
  return s;
}

// ---------------------------------------------------------------- Store

StoreResult<std::unique_ptr<Store>> Store::open(const std::string& path, const StoreOptions& options) {
  std::unique_ptr<Store> s(new Store);
  s->options_ = options;
  s->info_.path = path;

  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return store_fail(StoreErrc::io, quoted(path) + ": " + strerror(errno), errno);
    if (!options.create || options.read_only)
      return store_fail(StoreErrc::not_found, "no store at " + quoted(path) + " (psx store init creates one)");
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return store_fail(StoreErrc::io, "cannot create " + quoted(path) + ": " + strerror(errno), errno);
    s->lock_fd_ = fd;
    flock(fd, LOCK_EX | LOCK_NB);  // nobody else can know this file yet
    PSX_TRY_VOID(s->open_env(false, false));
    PSX_TRY_VOID(s->open_tables(true));
    PSX_TRY_VOID(s->write_stamp());
    PSX_TRY_VOID(s->read_stamp());
    return s;
  }
  if (!S_ISREG(st.st_mode))
    return store_fail(StoreErrc::foreign, quoted(path) + " is not a regular file, so not a psx store");

  // Refuse foreign or damaged files before LMDB maps them, and look at the
  // stamp through a lock-less reader, so that a refused file gets no lock file
  // and no byte written.
  PSX_TRY_VOID(check_lmdb_file(path));
  PSX_TRY_VOID(s->open_env(true, true));
  PSX_TRY_VOID(s->open_tables(false));
  PSX_TRY_VOID(s->read_stamp());
  mdb_env_close(s->env_);
  s->env_ = nullptr;

  if (!options.read_only) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
      return store_fail(errno == EACCES ? StoreErrc::read_only : StoreErrc::io,
                        "cannot open " + quoted(path) + " for writing: " + strerror(errno), errno);
    s->lock_fd_ = fd;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0)
      return store_fail(StoreErrc::busy, quoted(path) +
                                             " is open for writing by another process (a running psx "
                                             "serves it); open it read-only or go through that psx");
  }
  PSX_TRY_VOID(s->open_env(options.read_only, false));
  PSX_TRY_VOID(s->open_tables(false));
  PSX_TRY_VOID(s->read_stamp());
  if (!options.read_only && options.reclaim_orphans)
    PSX_TRY_VOID(s->update([](WriteTxn& t) { return reclaim_orphans(t).ok(); }));
  return s;
}

Store::~Store() {
  if (env_) mdb_env_close(env_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

StoreResult<void> Store::open_env(bool read_only, bool nolock) {
  int rc = mdb_env_create(&env_);
  if (rc) return lmdb_fail(rc, "mdb_env_create");
  mdb_env_set_maxdbs(env_, kTableCount + 1);
  mdb_env_set_maxreaders(env_, 1024);
  mdb_env_set_mapsize(env_, options_.initial_map_size);
  unsigned flags = MDB_NOSUBDIR | MDB_NOTLS;
  if (read_only) flags |= MDB_RDONLY;
  if (nolock) flags |= MDB_NOLOCK;
  if (!read_only && options_.durability != Durability::strict) flags |= MDB_NOSYNC;
  rc = mdb_env_open(env_, info_.path.c_str(), flags, 0644);
  if (rc) {
    mdb_env_close(env_);
    env_ = nullptr;
    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
      return store_fail(StoreErrc::foreign, quoted(info_.path) + " is not a psx store (not an LMDB environment)", rc);
    return lmdb_fail(rc, "opening " + quoted(info_.path));
  }
  return {};
}

StoreResult<void> Store::open_tables(bool create) {
  MDB_txn* t = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, create ? 0 : MDB_RDONLY, &t);
  if (rc) return lmdb_fail(rc, "opening " + quoted(info_.path));
  for (int i = 0; i < kTableCount; ++i) {
    rc = mdb_dbi_open(t, kTableNames[i], create ? MDB_CREATE : 0, &dbis_[i]);
    if (rc) {
      mdb_txn_abort(t);
      if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)
        return store_fail(StoreErrc::foreign, quoted(info_.path) + " is an LMDB environment but not a psx store (no '" +
                                                  kTableNames[i] + "' table)", rc);
      return lmdb_fail(rc, std::string("opening table ") + kTableNames[i]);
    }
  }
  rc = mdb_txn_commit(t);  // keeps the table handles in the environment
  if (rc) return lmdb_fail(rc, "opening tables");
  return {};
}

StoreResult<void> Store::write_stamp() {
  std::array<uint8_t, 16> uuid{};
  if (getrandom(uuid.data(), uuid.size(), 0) != 16) return store_fail(StoreErrc::io, "getrandom failed", errno);
  uuid[6] = (uuid[6] & 0x0f) | 0x40;  // RFC 4122 version 4
  uuid[8] = (uuid[8] & 0x3f) | 0x80;
  return update([&](WriteTxn& t) {
    auto ok = put_meta_u64(t, meta_key::format, kFormatVersion).ok() &&
              put_meta_bytes(t, meta_key::uuid, {uuid.data(), uuid.size()}).ok() &&
              put_meta_u64(t, meta_key::created_ns, static_cast<uint64_t>(now_ns())).ok() &&
              put_meta_u64(t, meta_key::block_size, kDefaultBlockSize).ok() &&
              put_meta_u64(t, meta_key::next_ino, kRootIno + 1).ok() &&
              put_meta_u64(t, meta_key::next_txid, 1).ok();
    if (!ok) return false;
    InodeRecord root;
    root.type = static_cast<uint8_t>(InodeType::directory);
    root.perm = 0755;
    root.nlink = 2;
    root.next_seq = kFirstSeq;
    root.parent = kRootIno;
    root.atime_ns = root.mtime_ns = root.ctime_ns = root.btime_ns = now_ns();
    return put_inode(t, kRootIno, root).ok();
  });
}

StoreResult<void> Store::read_stamp() {
  MDB_txn* raw = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &raw);
  if (rc) return lmdb_fail(rc, "reading the format stamp");
  auto get = [&](std::string_view key, std::string_view& out) {
    MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
    if (mdb_get(raw, dbis_[static_cast<int>(Table::meta)], &k, &v) != 0) return false;
    out = {static_cast<const char*>(v.mv_data), v.mv_size};
    return true;
  };
  auto u64 = [](std::string_view v) {
    uint64_t x = 0;
    std::memcpy(&x, v.data(), v.size() < 8 ? v.size() : 8);
    return x;
  };
  std::string_view v;
  const std::string& p = info_.path;
  StoreResult<void> result;
  if (!get(meta_key::format, v)) {
    result = store_fail(StoreErrc::foreign, quoted(p) + " is an LMDB environment without a psx format stamp; not a psx store");
  } else if (v.size() != 8 || u64(v) == 0) {
    result = store_fail(StoreErrc::corrupt, quoted(p) + ": the format stamp is damaged");
  } else if (u64(v) > kFormatVersion) {
    result = store_fail(StoreErrc::too_new, quoted(p) + " has store format " + std::to_string(u64(v)) +
                                                ", newer than this psx understands (" +
                                                std::to_string(kFormatVersion) + "); use a newer psx");
  } else {
    info_.format = static_cast<uint32_t>(u64(v));
    std::string_view uuid, created, bs;
    if (!get(meta_key::uuid, uuid) || uuid.size() != 16 || !get(meta_key::created_ns, created) ||
        !get(meta_key::block_size, bs) || u64(bs) < 512 || u64(bs) > 65536) {
      result = store_fail(StoreErrc::corrupt, quoted(p) + ": the format stamp is incomplete or damaged");
    } else {
      std::memcpy(info_.uuid.data(), uuid.data(), 16);
      info_.created_ns = static_cast<int64_t>(u64(created));
      info_.block_size = static_cast<uint32_t>(u64(bs));
    }
  }
  mdb_txn_abort(raw);
  return result;
}

StoreResult<ReadTxn> Store::begin_read() {
  for (;;) {
    std::shared_lock lock(resize_);
    MDB_txn* t = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &t);
    if (rc == 0) return ReadTxn(this, t, std::move(lock));
    if (rc != MDB_MAP_RESIZED) return lmdb_fail(rc, "beginning a read transaction");
    lock.unlock();
    std::unique_lock grow(resize_);  // another process grew the map: adopt its size
    mdb_env_set_mapsize(env_, 0);
  }
}

StoreResult<WriteTxn> Store::begin_write() {
  if (options_.read_only) return store_fail(StoreErrc::read_only, quoted(info_.path) + " is open read-only");
  for (;;) {
    std::shared_lock lock(resize_);
    MDB_txn* t = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &t);
    if (rc == 0) return WriteTxn(this, t, std::move(lock));
    if (rc != MDB_MAP_RESIZED) return lmdb_fail(rc, "beginning a write transaction");
    lock.unlock();
    std::unique_lock grow(resize_);
    mdb_env_set_mapsize(env_, 0);
  }
}

StoreResult<void> Store::update(const std::function<bool(WriteTxn&)>& body) {
  for (;;) {
    bool grow = false;
    {
      auto t = PSX_TRY(begin_write());
      bool keep = body(t);
      if (t.saw_map_full()) {
        t.abort();
        grow = true;
      } else if (!keep) {
        t.abort();
        return {};
      } else {
        auto c = t.commit();
        if (c.ok()) return {};
        if (c.error().code != StoreErrc::map_full) return c;
        grow = true;
      }
    }
    if (grow) PSX_TRY_VOID(grow_map());
  }
}

StoreResult<void> Store::sync() {
  if (options_.read_only) return {};
  int rc = mdb_env_sync(env_, 1);
  if (rc) return lmdb_fail(rc, "syncing the store");
  return {};
}

StoreResult<void> Store::grow_map() {
  std::unique_lock lock(resize_);
  MDB_envinfo ei;
  mdb_env_info(env_, &ei);
  size_t cur = ei.me_mapsize;
  size_t next = cur < (size_t{1} << 30) ? cur * 2 : cur + (size_t{1} << 30);
  int rc = mdb_env_set_mapsize(env_, next);
  if (rc) return lmdb_fail(rc, "growing the map to " + std::to_string(next >> 20) + " MiB");
  ++map_grows_;
  return {};
}

size_t Store::map_size() const {
  MDB_envinfo ei;
  mdb_env_info(env_, &ei);
  return ei.me_mapsize;
}

uint64_t Store::used_bytes() const {
  MDB_envinfo ei;
  MDB_stat st;
  mdb_env_info(env_, &ei);
  mdb_env_stat(env_, &st);
  return (ei.me_last_pgno + 1) * uint64_t{st.ms_psize};
}

// ---------------------------------------------------------------- transactions

ReadTxn::ReadTxn(Store* s, MDB_txn* t, std::shared_lock<std::shared_mutex> lock) : lock_(std::move(lock)) {
  store_ = s;
  txn_ = t;
  writable_ = false;
}

ReadTxn::ReadTxn(ReadTxn&& o) noexcept : lock_(std::move(o.lock_)) {
  store_ = o.store_;
  txn_ = o.txn_;
  o.txn_ = nullptr;
}

ReadTxn::~ReadTxn() {
  if (txn_) mdb_txn_abort(txn_);
}

WriteTxn::WriteTxn(Store* s, MDB_txn* t, std::shared_lock<std::shared_mutex> lock) : lock_(std::move(lock)) {
  store_ = s;
  txn_ = t;
  writable_ = true;
  stack_.push_back(t);
}

WriteTxn::WriteTxn(WriteTxn&& o) noexcept
    : stack_(std::move(o.stack_)),
      undo_(std::move(o.undo_)),
      undo_marks_(std::move(o.undo_marks_)),
      map_full_(o.map_full_),
      txn_full_(o.txn_full_),
      lock_(std::move(o.lock_)) {
  store_ = o.store_;
  txn_ = o.txn_;
  writable_ = true;
  o.txn_ = nullptr;
  o.stack_.clear();
}

WriteTxn::~WriteTxn() { abort(); }

void WriteTxn::rollback_to(size_t mark) {
  while (undo_.size() > mark) {
    auto fn = std::move(undo_.back());
    undo_.pop_back();
    fn();
  }
}

StoreResult<void> WriteTxn::commit() {
  if (stack_.size() != 1) return store_fail(StoreErrc::invalid, "commit with a nested transaction open");
  int rc = mdb_txn_commit(stack_[0]);  // frees the transaction even when it fails
  stack_.clear();
  txn_ = nullptr;
  if (lock_.owns_lock()) lock_.unlock();
  if (rc) {
    note(rc);
    rollback_to(0);
    return lmdb_fail(rc, "committing");
  }
  undo_.clear();
  return {};
}

void WriteTxn::abort() {
  if (!stack_.empty()) mdb_txn_abort(stack_[0]);  // also aborts nested children
  stack_.clear();
  undo_marks_.clear();
  txn_ = nullptr;
  rollback_to(0);
  if (lock_.owns_lock()) lock_.unlock();
}

StoreResult<void> WriteTxn::begin_nested() {
  MDB_txn* child = nullptr;
  int rc = mdb_txn_begin(store_->env(), stack_.back(), 0, &child);
  if (rc) {
    note(rc);
    return lmdb_fail(rc, "beginning a nested transaction");
  }
  stack_.push_back(child);
  undo_marks_.push_back(undo_.size());
  txn_ = child;
  return {};
}

StoreResult<void> WriteTxn::commit_nested() {
  if (stack_.size() < 2) return store_fail(StoreErrc::invalid, "no nested transaction to commit");
  int rc = mdb_txn_commit(stack_.back());
  stack_.pop_back();
  txn_ = stack_.back();
  size_t mark = undo_marks_.back();
  undo_marks_.pop_back();
  if (rc) {
    note(rc);
    rollback_to(mark);
    return lmdb_fail(rc, "committing a nested transaction");
  }
  return {};
}

void WriteTxn::abort_nested() {
  if (stack_.size() < 2) return;
  mdb_txn_abort(stack_.back());
  stack_.pop_back();
  txn_ = stack_.back();
  rollback_to(undo_marks_.back());
  undo_marks_.pop_back();
}

void WriteTxn::on_rollback(std::function<void()> undo) { undo_.push_back(std::move(undo)); }

void WriteTxn::note(int rc) {
  if (rc == MDB_MAP_FULL) map_full_ = true;
  if (rc == MDB_TXN_FULL || rc == MDB_CURSOR_FULL) txn_full_ = true;
}

}  // namespace psx::storage
