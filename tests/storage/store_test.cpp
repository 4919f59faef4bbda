// The store file: creation, the format stamp, refusal of foreign, damaged and
// newer stores (with nothing written), the writer lock, map growth, and the
// typed tables.
#include <gtest/gtest.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "storage/store.h"
#include "storage/tables.h"
#include "tests/storage/temp_dir.h"

namespace psx::storage {
namespace {

using psx::testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}
bool exists(const std::string& p) { return access(p.c_str(), F_OK) == 0; }

std::unique_ptr<Store> make(const std::string& path, StoreOptions o = {}) {
  o.create = true;
  auto s = Store::open(path, o);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(s.value()) : nullptr;
}

TEST(storage_store, CreatesStampsAndReopens) {
  TempDir d;
  std::string p = d / "s.psx";
  std::string uuid;
  {
    auto s = make(p);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->info().format, kFormatVersion);
    EXPECT_EQ(s->info().block_size, kDefaultBlockSize);
    uuid = s->info().uuid_string();
    EXPECT_EQ(uuid.size(), 36u);
    auto t = s->begin_read();
    ASSERT_TRUE(t.ok());
    auto root = get_inode(*t, kRootIno);
    ASSERT_TRUE(root.ok() && root->has_value());
    EXPECT_TRUE((*root)->is_dir());
    EXPECT_EQ((*root)->parent, kRootIno);
  }
  EXPECT_TRUE(exists(p + "-lock"));  // MDB_NOSUBDIR: one file plus its lock file
  auto s = Store::open(p, {});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->info().uuid_string(), uuid);
}

TEST(storage_store, MissingFileIsNotCreatedWithoutAsking) {
  TempDir d;
  auto s = Store::open(d / "none.psx", {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, StoreErrc::not_found);
  EXPECT_FALSE(exists(d / "none.psx"));
}

TEST(storage_store, RefusesNewerFormat) {
  TempDir d;
  std::string p = d / "s.psx";
  {
    auto s = make(p);
    ASSERT_TRUE(s->update([](WriteTxn& t) { return put_meta_u64(t, meta_key::format, kFormatVersion + 1).ok(); }).ok());
  }
  std::string before = slurp(p);
  auto s = Store::open(p, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, StoreErrc::too_new);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
  EXPECT_EQ(slurp(p), before);
}

TEST(storage_store, RefusesForeignFilesWritingNothing) {
  TempDir d;
  std::string text = d / "notes.txt";
  std::ofstream(text) << std::string(20000, 'x');
  std::string empty = d / "empty";
  std::ofstream(empty).flush();
  for (const std::string& p : {text, empty}) {
    std::string before = slurp(p);
    auto s = Store::open(p, {});
    ASSERT_FALSE(s.ok()) << p;
    EXPECT_EQ(s.error().code, StoreErrc::foreign) << s.error().message;
    EXPECT_EQ(slurp(p), before);
    EXPECT_FALSE(exists(p + "-lock"));
  }
  auto dir = Store::open(d.path(), {});
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().code, StoreErrc::foreign);
}

TEST(storage_store, RefusesLmdbWithoutStamp) {
  TempDir d;
  std::string p = d / "plain.mdb";
  {
    MDB_env* env;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 10);
    ASSERT_EQ(mdb_env_open(env, p.c_str(), MDB_NOSUBDIR, 0644), 0);
    MDB_txn* t;
    MDB_dbi dbi;
    mdb_txn_begin(env, nullptr, 0, &t);
    mdb_dbi_open(t, "something", MDB_CREATE, &dbi);
    MDB_val k{3, (void*)"key"}, v{5, (void*)"value"};
    mdb_put(t, dbi, &k, &v, 0);
    mdb_txn_commit(t);
    mdb_env_close(env);
  }
  std::string before = slurp(p);
  auto s = Store::open(p, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, StoreErrc::foreign);
  EXPECT_NE(s.error().message.find("not a psx store"), std::string::npos) << s.error().message;
  EXPECT_EQ(slurp(p), before);
}

TEST(storage_store, RefusesTruncatedStoreWithoutCrashing) {
  TempDir d;
  std::string p = d / "s.psx";
  {
    auto s = make(p);
    std::vector<uint8_t> big(200000, 7);
    ASSERT_TRUE(s->update([&](WriteTxn& t) { return write_data(t, 99, 0, big).ok(); }).ok());
  }
  struct stat st;
  ::stat(p.c_str(), &st);
  ASSERT_EQ(truncate(p.c_str(), st.st_size / 2), 0);
  auto s = Store::open(p, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, StoreErrc::corrupt) << s.error().message;
  EXPECT_NE(s.error().message.find("damaged"), std::string::npos);
}

TEST(storage_store, SecondWriterIsRefusedReadersAreNot) {
  TempDir d;
  std::string p = d / "s.psx";
  auto a = make(p);
  auto b = Store::open(p, {});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, StoreErrc::busy);
  StoreOptions ro;
  ro.read_only = true;
  auto r = Store::open(p, ro);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto w = (*r)->begin_write();
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, StoreErrc::read_only);
}

TEST(storage_store, MapGrowsWhenFull) {
  TempDir d;
  StoreOptions o;
  o.initial_map_size = 1 << 20;
  auto s = make(d / "s.psx", o);
  std::vector<uint8_t> chunk(1 << 20);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>(i * 7);
  for (int i = 0; i < 8; ++i)
    ASSERT_TRUE(s->update([&](WriteTxn& t) { return write_data(t, 50, uint64_t(i) << 20, chunk).ok(); }).ok());
  EXPECT_GT(s->map_grows(), 0u);
  EXPECT_GT(s->map_size(), size_t{8} << 20);
  auto t = s->begin_read();
  std::vector<uint8_t> back(chunk.size());
  auto n = read_data(*t, 50, 8 << 20, 7 << 20, back);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, back.size());
  EXPECT_EQ(back, chunk);
}

TEST(storage_tables, DataHolesBlocksAndTruncation) {
  TempDir d;
  auto s = make(d / "s.psx");
  const uint32_t bs = s->info().block_size;
  const Ino ino = 77;
  std::vector<uint8_t> a(5000, 'a'), b(3 * bs, 'b');
  int64_t stored = 0;
  ASSERT_TRUE(s->update([&](WriteTxn& t) {
    stored += *write_data(t, ino, 100, a);           // block 0, bytes 100..5100
    stored += *write_data(t, ino, 2 * bs - 10, b);   // straddles blocks 1..4
    return true;
  }).ok());
  const uint64_t size = 2 * bs - 10 + b.size();
  auto t = s->begin_read();
  std::vector<uint8_t> out(size + 50, 0xee);
  ASSERT_EQ(*read_data(*t, ino, size, 0, out), size);
  for (uint64_t i = 0; i < size; ++i) {
    uint8_t want = (i >= 100 && i < 5100) ? 'a' : (i >= 2 * bs - 10) ? 'b' : 0;
    ASSERT_EQ(out[i], want) << "byte " << i;
  }
  uint64_t sum = 0, blocks = 0;
  ASSERT_TRUE(scan_blocks(*t, ino, [&](uint64_t, size_t len) { sum += len; ++blocks; return true; }).ok());
  EXPECT_EQ(sum, static_cast<uint64_t>(stored));
  EXPECT_LT(sum, size);  // block 1 before the write is a hole... partly
  EXPECT_EQ(*read_data(*t, ino, size, size, out), 0u);
}

TEST(storage_tables, TruncateDropsAndTrimsBlocks) {
  TempDir d;
  auto s = make(d / "s.psx");
  const uint32_t bs = s->info().block_size;
  std::vector<uint8_t> data(5 * bs, 'z');
  int64_t stored = 0;
  ASSERT_TRUE(s->update([&](WriteTxn& t) { stored = *write_data(t, 5, 0, data); return true; }).ok());
  EXPECT_EQ(stored, int64_t(5 * bs));
  int64_t delta = 0;
  ASSERT_TRUE(s->update([&](WriteTxn& t) { delta = *truncate_data(t, 5, bs + 10); return true; }).ok());
  EXPECT_EQ(delta, -int64_t(5 * bs - (bs + 10)));
  std::vector<std::pair<uint64_t, size_t>> blocks;
  auto t = s->begin_read();
  ASSERT_TRUE(scan_blocks(*t, 5, [&](uint64_t b, size_t len) { blocks.emplace_back(b, len); return true; }).ok());
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[1], std::make_pair(uint64_t{1}, size_t{10}));
}

TEST(storage_tables, DirentsScanInSequenceOrderAndRenumber) {
  TempDir d;
  auto s = make(d / "s.psx");
  const Ino dir = 40;
  InodeRecord rec;
  rec.type = static_cast<uint8_t>(InodeType::directory);
  ASSERT_TRUE(s->update([&](WriteTxn& t) {
    for (const char* name : {"zeta", "alpha", "mid"}) {
      DirentRecord e{100, *take_dir_seq(t, dir, rec), 1, {}};
      if (!put_dirent(t, dir, name, e).ok()) return false;
    }
    return true;
  }).ok());
  std::vector<std::string> order;
  {
    auto t = s->begin_read();
    ASSERT_TRUE(scan_dir(*t, dir, 0, [&](std::string_view n, const DirentRecord&) { order.emplace_back(n); return true; }).ok());
    EXPECT_EQ(order, (std::vector<std::string>{"zeta", "alpha", "mid"}));
    order.clear();
    ASSERT_TRUE(scan_dir(*t, dir, kFirstSeq, [&](std::string_view n, const DirentRecord&) { order.emplace_back(n); return true; }).ok());
    EXPECT_EQ(order, (std::vector<std::string>{"alpha", "mid"}));
  }
  // Sequence numbers ran out: the directory is renumbered below 2^31.
  rec.next_seq = kSeqLimit;
  uint32_t seq = 0;
  ASSERT_TRUE(s->update([&](WriteTxn& t) { seq = *take_dir_seq(t, dir, rec); return true; }).ok());
  EXPECT_EQ(seq, kFirstSeq + 3);
  EXPECT_EQ(rec.next_seq, kFirstSeq + 4);
}

TEST(storage_tables, TxlogAppendsScansAndTrims) {
  TempDir d;
  auto s = make(d / "s.psx");
  ASSERT_TRUE(s->update([&](WriteTxn& t) {
    for (int i = 0; i < 10; ++i)
      if (!append_txlog(t, "write", 42, 7, 0, "/a/b", 1000 + i).ok()) return false;
    return true;
  }).ok());
  std::vector<TxlogEntry> seen;
  {
    auto t = s->begin_read();
    ASSERT_TRUE(scan_txlog(*t, 0, [&](const TxlogEntry& e) { seen.push_back(e); return true; }).ok());
  }
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen[0].txid, 1u);
  EXPECT_EQ(seen[3].op, "write");
  EXPECT_EQ(seen[3].path, "/a/b");
  EXPECT_EQ(seen[3].pid, 42);
  ASSERT_TRUE(s->update([&](WriteTxn& t) { return trim_txlog(t, 4).ok(); }).ok());
  auto t = s->begin_read();
  EXPECT_EQ(*count_entries(*t, Table::txlog), 4u);
}

TEST(storage_tables, OrphansAreReclaimedOnOpen) {
  TempDir d;
  std::string p = d / "s.psx";
  {
    auto s = make(p);
    InodeRecord r;
    r.type = static_cast<uint8_t>(InodeType::regular);
    std::vector<uint8_t> data(100, 1);
    ASSERT_TRUE(s->update([&](WriteTxn& t) {
      r.size = 100;
      r.stored_bytes = 100;
      return put_inode(t, 9, r).ok() && write_data(t, 9, 0, data).ok() && add_orphan(t, 9, 5).ok();
    }).ok());
  }
  auto s = Store::open(p, {});
  ASSERT_TRUE(s.ok());
  auto t = (*s)->begin_read();
  EXPECT_FALSE(get_inode(*t, 9)->has_value());
  EXPECT_EQ(*count_entries(*t, Table::orphans), 0u);
  EXPECT_EQ(*count_entries(*t, Table::data), 0u);
}

TEST(storage_tables, NestedTransactionRollsBackOnlyItself) {
  TempDir d;
  auto s = make(d / "s.psx");
  int undone = 0;
  ASSERT_TRUE(s->update([&](WriteTxn& t) {
    put_meta_u64(t, "a", 1).value();
    t.begin_nested().value();
    put_meta_u64(t, "b", 2).value();
    t.on_rollback([&] { ++undone; });
    t.abort_nested();
    t.begin_nested().value();
    put_meta_u64(t, "c", 3).value();
    t.commit_nested().value();
    return true;
  }).ok());
  EXPECT_EQ(undone, 1);
  auto t = s->begin_read();
  EXPECT_TRUE(get_meta_u64(*t, "a")->has_value());
  EXPECT_FALSE(get_meta_u64(*t, "b")->has_value());
  EXPECT_TRUE(get_meta_u64(*t, "c")->has_value());
}

}  // namespace
}  // namespace psx::storage
