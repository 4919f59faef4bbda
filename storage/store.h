// Store: one psx record store = one LMDB environment in a single file
// (MDB_NOSUBDIR; LMDB adds FILE-lock beside it).
//
// Caveats first:
//  * One writer. A writable open takes an exclusive flock on the store file;
//    a second writable open fails with StoreErrc::busy. Read-only opens may
//    coexist with the writer (LMDB readers).
//  * Transactions are not tied to threads (MDB_NOTLS): a ReadTxn can run in any
//    thread while the commit queue's worker writes. Keep read transactions
//    short: the map cannot grow while one is live in this process.
//  * Growing the map (after MDB_MAP_FULL) needs every transaction of this
//    process to be finished — LMDB's rule for mdb_env_set_mapsize. That is the
//    one lock in storage: each transaction holds `resize_` shared, the resize
//    holds it exclusively. Do not begin a transaction while holding another one
//    in the same thread if a resize could happen in between (the commit queue
//    never does).
//  * Pointers into LMDB pages (values, names) are valid until their
//    transaction ends; see schema.h.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "storage/error.h"
#include "storage/schema.h"

struct MDB_env;
struct MDB_txn;
typedef unsigned int MDB_dbi;

namespace psx::storage {

// When commits reach the disk.
enum class Durability : uint8_t {
  strict,  // every commit is synced before it is acknowledged
  group,   // commits are not synced; an explicit sync and a timer (100 ms) flush them
  none,    // never synced, not even on request (like eatmydata): tests and benchmarks
};
const char* durability_name(Durability d);
std::optional<Durability> parse_durability(std::string_view s);

struct StoreOptions {
  bool create = false;       // create a new store if the file does not exist
  bool read_only = false;    // LMDB reader only; writes fail with read_only
  bool reclaim_orphans = true;  // writable open: delete orphaned inodes (O1)
  Durability durability = Durability::group;
  size_t initial_map_size = size_t{64} << 20;  // grows on demand
};

enum class Table : uint8_t { inodes, dirents, dirseq, data, meta, txlog, orphans };
inline constexpr int kTableCount = 7;
const char* table_name(Table t);
std::optional<Table> parse_table(std::string_view name);

// The format stamp, read at open.
struct StoreInfo {
  std::string path;
  uint32_t format = 0;
  std::array<uint8_t, 16> uuid{};
  int64_t created_ns = 0;
  uint32_t block_size = 0;
  std::string uuid_string() const;
};

class ReadTxn;
class WriteTxn;

class Store {
 public:
  // Opens (or with options.create, creates) the store at `path`. A file that is
  // not an LMDB environment, or an LMDB environment without the psx stamp, or
  // one written by a newer format, is refused with one clear message and
  // nothing is written to it.
  static StoreResult<std::unique_ptr<Store>> open(const std::string& path, const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  StoreResult<ReadTxn> begin_read();
  StoreResult<WriteTxn> begin_write();

  // Runs `body` in a write transaction on the calling thread; commits if it
  // returns true, aborts otherwise. On MDB_MAP_FULL the map grows and `body`
  // runs again from scratch, so it must only act through the transaction.
  // For single-threaded users (tools, tests); servers use CommitQueue.
  StoreResult<void> update(const std::function<bool(WriteTxn&)>& body);

  StoreResult<void> sync();       // flush committed data to the disk now
  StoreResult<void> grow_map();   // bigger map; no transaction of this process may be live
  const StoreInfo& info() const { return info_; }
  Durability durability() const { return options_.durability; }
  bool read_only() const { return options_.read_only; }
  size_t map_size() const;
  uint64_t used_bytes() const;    // pages in use × page size
  uint64_t map_grows() const { return map_grows_; }

  MDB_env* env() const { return env_; }
  MDB_dbi dbi(Table t) const { return dbis_[static_cast<int>(t)]; }

 private:
  friend class ReadTxn;
  friend class WriteTxn;
  Store() = default;
  StoreResult<void> open_env(bool read_only, bool nolock);
  StoreResult<void> open_tables(bool create);
  StoreResult<void> read_stamp();
  StoreResult<void> write_stamp();

  StoreOptions options_;
  StoreInfo info_;
  MDB_env* env_ = nullptr;
  MDB_dbi dbis_[kTableCount] = {};
  int lock_fd_ = -1;         // flock held by a writable open
  uint64_t map_grows_ = 0;
  std::shared_mutex resize_;  // see the caveats above
};

// A live LMDB transaction (read or write).
class Txn {
 public:
  Store& store() const { return *store_; }
  MDB_txn* raw() const { return txn_; }  // innermost (nested) LMDB transaction
  bool writable() const { return writable_; }
  uint32_t block_size() const { return store_->info().block_size; }

 protected:
  Txn() = default;
  Store* store_ = nullptr;
  MDB_txn* txn_ = nullptr;
  bool writable_ = false;
};

// A read transaction; aborted (released) when destroyed. Sees one consistent
// snapshot of the store.
class ReadTxn : public Txn {
 public:
  ReadTxn(ReadTxn&& o) noexcept;
  ReadTxn& operator=(ReadTxn&&) = delete;
  ~ReadTxn();

 private:
  friend class Store;
  ReadTxn(Store* s, MDB_txn* t, std::shared_lock<std::shared_mutex> lock);
  std::shared_lock<std::shared_mutex> lock_;
};

// A write transaction with optional nesting. Destroying a live one aborts it.
// In-memory state that must follow the transaction's fate (open counts in vfs)
// registers an undo action with on_rollback(): it runs if the level that
// registered it (or any level above) aborts.
class WriteTxn : public Txn {
 public:
  WriteTxn(WriteTxn&& o) noexcept;
  WriteTxn& operator=(WriteTxn&&) = delete;
  ~WriteTxn();

  StoreResult<void> commit();   // commits the outer transaction (no nested one may be open)
  void abort();                 // aborts everything, running undo actions

  StoreResult<void> begin_nested();
  StoreResult<void> commit_nested();
  void abort_nested();
  int depth() const { return static_cast<int>(stack_.size()); }

  void on_rollback(std::function<void()> undo);

  // Every failing LMDB call made through storage reports here, so that the
  // commit queue knows to grow the map or split a batch after an operation
  // that failed (and was aborted) because of it.
  void note(int lmdb_rc);
  bool saw_map_full() const { return map_full_; }
  bool saw_txn_full() const { return txn_full_; }

 private:
  friend class Store;
  WriteTxn(Store* s, MDB_txn* t, std::shared_lock<std::shared_mutex> lock);
  void rollback_to(size_t mark);
  std::vector<MDB_txn*> stack_;
  std::vector<std::function<void()>> undo_;
  std::vector<size_t> undo_marks_;  // undo_.size() when each nested level began
  bool map_full_ = false;
  bool txn_full_ = false;
  std::shared_lock<std::shared_mutex> lock_;
};

}  // namespace psx::storage
