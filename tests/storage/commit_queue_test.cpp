// The commit queue: group commit, per-operation atomicity, completion after
// commit, durability modes, and map growth on the worker.
#include "storage/commit_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "storage/tables.h"
#include "tests/storage/temp_dir.h"

namespace psx::storage {
namespace {

using psx::testing::TempDir;

std::unique_ptr<Store> make(const std::string& path, Durability d, size_t map = size_t{64} << 20) {
  StoreOptions o;
  o.create = true;
  o.durability = d;
  o.initial_map_size = map;
  auto s = Store::open(path, o);
  EXPECT_TRUE(s.ok());
  return std::move(s.value());
}

bool has_meta(Store& s, const std::string& key) {
  auto t = s.begin_read();
  return t.ok() && get_meta_u64(*t, key).ok() && get_meta_u64(*t, key)->has_value();
}

TEST(storage_commit_queue, GroupsQueuedOperationsIntoOneCommit) {
  TempDir d;
  auto s = make(d / "s.psx", Durability::group);
  CommitQueue q(*s);
  std::promise<void> first_running;
  std::promise<void> release_first;
  auto release = release_first.get_future().share();
  // The first operation holds the worker until the others are queued.
  q.submit([&, release](WriteTxn& t) {
    first_running.set_value();
    release.wait();
    return put_meta_u64(t, "k0", 0).ok();
  }, [](const StoreResult<void>&) {});
  first_running.get_future().wait();
  std::atomic<int> acked{0};
  std::atomic<int> visible_at_ack{0};
  const int n = 100;
  for (int i = 1; i <= n; ++i) {
    std::string key = "k" + std::to_string(i);
    q.submit([key, i](WriteTxn& t) { return put_meta_u64(t, key, i).ok(); },
             [&, key](const StoreResult<void>& r) {
               EXPECT_TRUE(r.ok());
               // Completion comes after the commit: a fresh reader sees it.
               if (has_meta(*s, key)) ++visible_at_ack;
               ++acked;
             });
  }
  release_first.set_value();
  ASSERT_TRUE(q.sync_wait().ok());
  EXPECT_EQ(acked.load(), n);
  EXPECT_EQ(visible_at_ack.load(), n);
  auto st = q.stats();
  EXPECT_EQ(st.ops, uint64_t(n + 1));
  EXPECT_LE(st.commits, 3u);
  EXPECT_GE(st.largest_batch, uint64_t(n));
}

TEST(storage_commit_queue, FailedOperationLeavesNoTraceNeighboursCommit) {
  TempDir d;
  auto s = make(d / "s.psx", Durability::none);
  CommitQueue q(*s);
  int undone = 0;
  std::promise<void> done;
  q.submit([](WriteTxn& t) { return put_meta_u64(t, "before", 1).ok(); }, [](const StoreResult<void>&) {});
  q.submit([&](WriteTxn& t) {
    put_meta_u64(t, "half", 1).value();
    t.on_rollback([&] { ++undone; });
    return false;  // fails after writing: everything it wrote goes
  }, [](const StoreResult<void>& r) { EXPECT_TRUE(r.ok()); });
  q.submit([](WriteTxn& t) { return put_meta_u64(t, "after", 1).ok(); },
           [&](const StoreResult<void>&) { done.set_value(); });
  done.get_future().wait();
  EXPECT_TRUE(has_meta(*s, "before"));
  EXPECT_FALSE(has_meta(*s, "half"));
  EXPECT_TRUE(has_meta(*s, "after"));
  EXPECT_EQ(undone, 1);
}

TEST(storage_commit_queue, TypedSubmissionDeliversTheBodyResult) {
  TempDir d;
  auto s = make(d / "s.psx", Durability::group);
  CommitQueue q(*s);
  std::promise<StoreResult<Ino>> p;
  submit_op(q, [](WriteTxn& t) { return alloc_ino(t); },
            [&](StoreResult<Ino> r) { p.set_value(std::move(r)); },
            [](const StoreError& e) { return e; });
  auto r = p.get_future().get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, kRootIno + 1);
}

TEST(storage_commit_queue, GroupModeSyncsOnRequestAndOnTimer) {
  TempDir d;
  auto s = make(d / "s.psx", Durability::group);
  CommitQueue::Options o;
  o.sync_interval = std::chrono::milliseconds(30);
  CommitQueue q(*s, o);
  ASSERT_TRUE(q.run_wait([](WriteTxn& t) { return put_meta_u64(t, "x", 1).ok(); }).ok());
  ASSERT_TRUE(q.sync_wait().ok());
  EXPECT_EQ(q.stats().syncs, 1u);
  ASSERT_TRUE(q.run_wait([](WriteTxn& t) { return put_meta_u64(t, "y", 1).ok(); }).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(q.stats().syncs, 2u);  // the timer flushed the second commit
}

TEST(storage_commit_queue, StrictAndNoneModesNeedNoExtraSync) {
  for (Durability mode : {Durability::strict, Durability::none}) {
    TempDir d;
    auto s = make(d / "s.psx", mode);
    CommitQueue q(*s);
    ASSERT_TRUE(q.run_wait([](WriteTxn& t) { return put_meta_u64(t, "x", 1).ok(); }).ok());
    ASSERT_TRUE(q.sync_wait().ok());
    EXPECT_EQ(q.stats().syncs, 0u) << durability_name(mode);  // strict: synced by the commit; none: never
    EXPECT_TRUE(has_meta(*s, "x"));
  }
}

TEST(storage_commit_queue, GrowsTheMapAndRerunsTheBatch) {
  TempDir d;
  auto s = make(d / "s.psx", Durability::none, 1 << 20);
  CommitQueue q(*s);
  std::vector<uint8_t> chunk(512 << 10, 3);
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i)
    q.submit([&, i](WriteTxn& t) { return write_data(t, 9, uint64_t(i) * chunk.size(), chunk).ok(); },
             [&](const StoreResult<void>& r) { ok += r.ok(); });
  ASSERT_TRUE(q.sync_wait().ok());
  EXPECT_EQ(ok.load(), 16);
  EXPECT_GT(q.stats().map_grows, 0u);
  auto t = s->begin_read();
  uint64_t sum = 0;
  ASSERT_TRUE(scan_blocks(*t, 9, [&](uint64_t, size_t len) { sum += len; return true; }).ok());
  EXPECT_EQ(sum, 16 * chunk.size());
}

TEST(storage_commit_queue, DestructorFinishesQueuedWork) {
  TempDir d;
  auto s = make(d / "s.psx", Durability::group);
  std::atomic<int> acked{0};
  {
    CommitQueue q(*s);
    for (int i = 0; i < 50; ++i)
      q.submit([i](WriteTxn& t) { return put_meta_u64(t, "d" + std::to_string(i), i).ok(); },
               [&](const StoreResult<void>& r) { acked += r.ok(); });
  }
  EXPECT_EQ(acked.load(), 50);
  EXPECT_TRUE(has_meta(*s, "d49"));
}

}  // namespace
}  // namespace psx::storage
