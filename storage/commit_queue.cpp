#include "storage/commit_queue.h"

#include <future>

namespace psx::storage {

CommitQueue::CommitQueue(Store& store, Options options) : store_(store), options_(options) {
  thread_ = std::thread([this] { worker(); });
}

CommitQueue::~CommitQueue() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void CommitQueue::submit(Body body, Done done) {
  {
    std::lock_guard lk(mu_);
    queue_.push_back(Item{std::move(body), std::move(done)});
  }
  cv_.notify_one();
}

void CommitQueue::sync(Done done) { submit(Body{}, std::move(done)); }

StoreResult<void> CommitQueue::sync_wait() {
  std::promise<StoreResult<void>> p;
  auto f = p.get_future();
  sync([&p](const StoreResult<void>& r) { p.set_value(r); });
  return f.get();
}

StoreResult<void> CommitQueue::run_wait(Body body) {
  std::promise<StoreResult<void>> p;
  auto f = p.get_future();
  submit(std::move(body), [&p](const StoreResult<void>& r) { p.set_value(r); });
  return f.get();
}

CommitQueue::Stats CommitQueue::stats() const {
  return Stats{ops_.load(), commits_.load(), syncs_.load(), grows_.load(), largest_.load()};
}

void CommitQueue::worker() {
  using Clock = std::chrono::steady_clock;
  const Durability mode = store_.durability();
  bool unsynced = false;  // group mode: commits since the last sync
  Clock::time_point unsynced_since{};
  for (;;) {
    std::deque<Item> batch;
    bool stopping = false;
    {
      std::unique_lock lk(mu_);
      auto ready = [&] { return !queue_.empty() || stop_; };
      if (unsynced) cv_.wait_until(lk, unsynced_since + options_.sync_interval, ready);
      else cv_.wait(lk, ready);
      size_t n = std::min(queue_.size(), options_.max_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stopping = stop_ && queue_.empty();
    }

    std::vector<Item*> ops;
    std::vector<Item*> syncs;
    for (auto& it : batch) (it.body ? ops : syncs).push_back(&it);
    if (!ops.empty()) {
      std::vector<StoreResult<void>> results(ops.size());
      commit_batch(ops, results, 0, ops.size());
      if (mode == Durability::group && !unsynced) {
        unsynced = true;
        unsynced_since = Clock::now();
      }
      for (size_t i = 0; i < ops.size(); ++i) ops[i]->done(results[i]);
      ops_ += ops.size();
      if (ops.size() > largest_) largest_ = ops.size();
    }
    bool due = unsynced && Clock::now() - unsynced_since >= options_.sync_interval;
    if ((!syncs.empty() || due || (stopping && unsynced)) && mode != Durability::none) {
      StoreResult<void> r;
      if (mode == Durability::group && unsynced) {  // strict commits are already on the disk
        r = store_.sync();
        ++syncs_;
        unsynced = false;
      }
      for (Item* s : syncs) s->done(r);
    } else {
      for (Item* s : syncs) s->done(StoreResult<void>{});
    }
    if (stopping) return;
  }
}

// Runs ops[first, last) in one write transaction, each in a nested one, and
// commits. Grows the map and retries on MDB_MAP_FULL; splits on MDB_TXN_FULL.
void CommitQueue::commit_batch(std::vector<Item*>& ops, std::vector<StoreResult<void>>& results, size_t first,
                               size_t last) {
  auto fail_all = [&](const StoreError& e) {
    for (size_t i = first; i < last; ++i) results[i] = Err{e};
  };
  for (;;) {
    enum { done, grow, split } next = done;
    {
      auto tr = store_.begin_write();
      if (!tr.ok()) return fail_all(tr.error());
      WriteTxn& t = tr.value();
      for (size_t i = first; i < last && next == done; ++i) {
        results[i] = StoreResult<void>{};
        auto nb = t.begin_nested();
        bool keep = nb.ok() && ops[i]->body(t);
        if (t.saw_map_full()) next = grow;
        else if (t.saw_txn_full()) next = split;
        else if (!nb.ok()) results[i] = Err{nb.error()};
        else if (keep) {
          auto c = t.commit_nested();
          if (!c.ok()) results[i] = c;
        } else {
          t.abort_nested();
        }
      }
      if (next == done) {
        auto c = t.commit();
        ++commits_;
        if (c.ok()) return;
        if (c.error().code == StoreErrc::map_full) next = grow;
        else return fail_all(c.error());
      } else {
        t.abort();
      }
    }
    if (next == grow) {
      auto g = store_.grow_map();
      ++grows_;
      if (!g.ok()) return fail_all(g.error());
    } else if (next == split) {
      if (last - first == 1) {
        return fail_all(StoreError{StoreErrc::txn_full, 0, "one operation changes more than a transaction can hold"});
      }
      size_t mid = first + (last - first) / 2;
      commit_batch(ops, results, first, mid);
      commit_batch(ops, results, mid, last);
      return;
    }
  }
}

}  // namespace psx::storage
