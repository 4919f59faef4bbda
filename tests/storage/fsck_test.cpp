// fsck: a clean store has no findings; each planted violation of a schema
// invariant is found and named by its rule.
#include "storage/fsck.h"

#include <gtest/gtest.h>
#include <lmdb.h>

#include "storage/tables.h"
#include "tests/storage/temp_dir.h"
#include "vfs/fs.h"

namespace psx::storage {
namespace {

using psx::testing::TempDir;

class storage_fsck : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions o;
    o.create = true;
    o.durability = Durability::none;
    store_ = std::move(Store::open(dir_ / "s.psx", o).value());
    vfs::Fs fs(*store_);
    vfs::Caller root;
    std::vector<uint8_t> data(20000, 'd');
    auto r = vfs::run_update(*store_, [&](WriteTxn& t) -> SysResult<void> {
      file_ = PSX_TRY(fs.open(t, root, kRootIno, "file", vfs::open_flag::kWrite | vfs::open_flag::kCreate, 0644)).ino;
      PSX_TRY(fs.write(t, root, file_, 0, data, false));
      PSX_TRY_VOID(fs.release(t, root, file_));
      sub_ = PSX_TRY(fs.mkdir(t, root, kRootIno, "sub", 0755));
      PSX_TRY(fs.mkdir(t, root, kRootIno, "sub/inner", 0755));
      PSX_TRY_VOID(fs.link(t, root, kRootIno, "file", kRootIno, "sub/hard", false));
      PSX_TRY(fs.symlink(t, root, "file", kRootIno, "sym"));
      return {};
    });
    ASSERT_TRUE(r.ok());
  }

  std::vector<Finding> check() {
    auto t = store_->begin_read();
    auto f = fsck(*t);
    EXPECT_TRUE(f.ok());
    return f.ok() ? *f : std::vector<Finding>{};
  }
  // Plants a violation with raw table writes.
  void plant(const std::function<bool(WriteTxn&)>& fn) { ASSERT_TRUE(store_->update(fn).ok()); }
  InodeRecord inode(Ino ino) {
    auto t = store_->begin_read();
    return **get_inode(*t, ino);
  }
  static bool has(const std::vector<Finding>& fs, const std::string& rule) {
    for (auto& f : fs)
      if (f.rule == rule) return true;
    return false;
  }
  static std::string dump(const std::vector<Finding>& fs) {
    std::string s;
    for (auto& f : fs) s += f.to_string() + "\n";
    return s;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  Ino file_ = 0, sub_ = 0;
};

TEST_F(storage_fsck, CleanStoreHasNoFindings) {
  auto f = check();
  EXPECT_TRUE(f.empty()) << dump(f);
}

TEST_F(storage_fsck, DirentNamingMissingInode) {
  plant([&](WriteTxn& t) { return put_dirent(t, kRootIno, "ghost", DirentRecord{9999, 900, 1, {}}).ok(); });
  auto f = check();
  EXPECT_TRUE(has(f, "D2")) << dump(f);
}

TEST_F(storage_fsck, DirentStatingWrongType) {
  plant([&](WriteTxn& t) {
    auto d = **get_dirent(t, kRootIno, "file");
    d.type = static_cast<uint8_t>(InodeType::directory);
    return put_dirent(t, kRootIno, "file", d).ok();
  });
  auto f = check();
  EXPECT_TRUE(has(f, "D2")) << dump(f);
}

TEST_F(storage_fsck, WrongLinkCount) {
  plant([&](WriteTxn& t) {
    auto r = inode(file_);
    r.nlink = 5;
    return put_inode(t, file_, r).ok();
  });
  auto f = check();
  ASSERT_TRUE(has(f, "L1")) << dump(f);
  EXPECT_NE(dump(f).find("nlink 5 but 2 dirents"), std::string::npos) << dump(f);
}

TEST_F(storage_fsck, WrongDirectoryLinkCountAndParent) {
  plant([&](WriteTxn& t) {
    auto r = inode(sub_);
    r.nlink = 7;
    r.parent = 12345;
    return put_inode(t, sub_, r).ok();
  });
  auto f = check();
  EXPECT_TRUE(has(f, "L2")) << dump(f);
  EXPECT_NE(dump(f).find("parent"), std::string::npos) << dump(f);
}

TEST_F(storage_fsck, BlockBeyondSizeAndSizeMismatch) {
  plant([&](WriteTxn& t) {
    auto r = inode(file_);
    r.size = 100;  // blocks hold 20000 bytes
    return put_inode(t, file_, r).ok();
  });
  auto f = check();
  EXPECT_TRUE(has(f, "F1")) << dump(f);
}

TEST_F(storage_fsck, BlockWithoutInodeAndStoredBytes) {
  std::vector<uint8_t> junk(10, 1);
  plant([&](WriteTxn& t) { return write_data(t, 4242, 0, junk).ok(); });
  plant([&](WriteTxn& t) {
    auto r = inode(file_);
    r.stored_bytes = 1;
    return put_inode(t, file_, r).ok();
  });
  auto f = check();
  EXPECT_TRUE(has(f, "F1")) << dump(f);
  EXPECT_TRUE(has(f, "F2")) << dump(f);
}

TEST_F(storage_fsck, OrphanListMismatch) {
  plant([&](WriteTxn& t) { return add_orphan(t, file_, 1).ok(); });  // has links
  plant([&](WriteTxn& t) {
    InodeRecord r;
    r.type = static_cast<uint8_t>(InodeType::regular);
    r.nlink = 0;  // unlinked but not listed
    return put_inode(t, 3000, r).ok() && put_meta_u64(t, meta_key::next_ino, 4000).ok();
  });
  auto f = check();
  size_t o1 = 0;
  for (auto& x : f) o1 += x.rule == "O1";
  EXPECT_EQ(o1, 2u) << dump(f);
}

TEST_F(storage_fsck, IndexOutOfStepWithDirents) {
  plant([&](WriteTxn& t) {
    auto d = **get_dirent(t, kRootIno, "sym");
    Key k = dirseq_key(kRootIno, d.seq);
    MDB_val kv{k.len, k.bytes};
    return mdb_del(t.raw(), t.store().dbi(Table::dirseq), &kv, nullptr) == 0;
  });
  auto f = check();
  EXPECT_TRUE(has(f, "D3")) << dump(f);
}

TEST_F(storage_fsck, DetachedDirectoryCycle) {
  plant([&](WriteTxn& t) {
    // inner's dirent moves into inner itself: a loop cut off from the root.
    auto inner = **get_dirent(t, sub_, "inner");
    auto r = inode(inner.ino);
    r.parent = inner.ino;
    auto s = inode(sub_);
    s.nlink = 2;
    return del_dirent(t, sub_, "inner").ok() && put_dirent(t, inner.ino, "self", inner).ok() &&
           put_inode(t, inner.ino, r).ok() && put_inode(t, sub_, s).ok();
  });
  auto f = check();
  EXPECT_TRUE(has(f, "L3") || has(f, "L2")) << dump(f);
}

TEST_F(storage_fsck, MissingRoot) {
  plant([&](WriteTxn& t) { return del_inode(t, kRootIno).ok(); });
  auto f = check();
  EXPECT_TRUE(has(f, "I1")) << dump(f);
}

}  // namespace
}  // namespace psx::storage
