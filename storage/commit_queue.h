// CommitQueue: the one thread that writes a store (group commit).
//
// Caveats first:
//  * Callers submit operations: a body that runs inside the worker's write
//    transaction, and a completion that runs after the LMDB commit carrying it
//    — so an acknowledged operation survives a SIGKILL of the process. Bodies
//    and completions run on the worker thread: a completion should hand its
//    result over (post a message) and return; it must not block or submit and
//    wait.
//  * Every operation queued when the worker wakes shares one LMDB commit (up
//    to max_batch). Each still applies all or nothing: it runs in a nested
//    transaction that is committed into the batch if its body returns true and
//    aborted otherwise, so a failed operation leaves no trace and does not
//    disturb its neighbours. (The alternative, run each and redo the batch
//    without the failed one, would run bodies twice in the common case.)
//  * A body may run more than once: when LMDB's map fills (MDB_MAP_FULL) the
//    whole batch is aborted, the map grown and the batch run again; when one
//    commit would dirty too many pages (MDB_TXN_FULL) the batch is split. A
//    body must act only through the transaction, and register an undo with
//    WriteTxn::on_rollback() for any in-memory change.
//  * Durability (Store's setting): strict syncs in every commit; group commits
//    without syncing and syncs on sync() and within sync_interval of any
//    commit; none never syncs, not even on sync().
//  * Reads do not come here: they use Store::begin_read() in the caller's thread.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "storage/store.h"

namespace psx::storage {

class CommitQueue {
 public:
  struct Options {
    std::chrono::milliseconds sync_interval{100};  // group mode: longest a commit stays unsynced
    size_t max_batch = 512;                        // operations per LMDB commit
  };
  // Returns true to keep its changes, false to have them rolled back.
  using Body = std::function<bool(WriteTxn&)>;
  // Called once per operation after the commit that carries it (ok), or with
  // the error that stopped the commit (then the operation did not happen).
  using Done = std::function<void(const StoreResult<void>& commit)>;

  struct Stats {
    uint64_t ops = 0;            // operations completed
    uint64_t commits = 0;        // LMDB commits made
    uint64_t syncs = 0;          // mdb_env_sync calls
    uint64_t map_grows = 0;      // MDB_MAP_FULL retries
    uint64_t largest_batch = 0;  // most operations in one commit
  };

  CommitQueue(Store& store, Options options);
  explicit CommitQueue(Store& store) : CommitQueue(store, Options{}) {}
  // Finishes everything queued (and syncs in group mode), then stops.
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  void submit(Body body, Done done);
  // `done` runs when everything committed before it is on the disk.
  void sync(Done done);

  // Blocking conveniences for tools and tests (not for a kernel process).
  StoreResult<void> sync_wait();
  StoreResult<void> run_wait(Body body);

  Stats stats() const;
  Store& store() const { return store_; }

 private:
  struct Item {
    Body body;  // empty for a sync request
    Done done;
  };
  void worker();
  void commit_batch(std::vector<Item*>& ops, std::vector<StoreResult<void>>& results, size_t first, size_t last);

  Store& store_;
  Options options_;
  std::mutex mu_;  // guards queue_ and stop_: the hand-over between callers and the worker
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stop_ = false;
  std::atomic<uint64_t> ops_{0}, commits_{0}, syncs_{0}, grows_{0}, largest_{0};
  std::thread thread_;
};

// Typed submission: `body(WriteTxn&)` returns a Result-like R (anything with
// ok()); the operation keeps its changes iff r.ok(). `done(R)` receives the
// body's result after the commit, or an error made by on_commit_error(StoreError)
// commit failed.
template <class Body, class Done, class OnCommitError>
void submit_op(CommitQueue& q, Body body, Done done, OnCommitError on_commit_error) {
  using R = std::invoke_result_t<Body&, WriteTxn&>;
  auto slot = std::make_shared<std::optional<R>>();
  q.submit(
      [slot, body = std::move(body)](WriteTxn& t) mutable {
        slot->reset();
        slot->emplace(body(t));
        return (*slot)->ok();
      },
      [slot, done = std::move(done), on_commit_error = std::move(on_commit_error)](const StoreResult<void>& c) mutable {
        if (!c.ok()) done(R(Err{on_commit_error(c.error())}));
        else done(std::move(**slot));
      });
}

}  // namespace psx::storage
