// A store with an Fs on it, and one-line helpers that run each vfs call in
// its own transaction, for the vfs unit tests.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/store.h"
#include "tests/storage/temp_dir.h"
#include "vfs/fs.h"

namespace psx::vfs {

inline int err(const SysResult<void>& r) { return r.ok() ? 0 : r.error().value; }
template <class T>
int err(const SysResult<T>& r) {
  return r.ok() ? 0 : r.error().value;
}

class VfsFixture : public ::testing::Test {
 protected:
  VfsFixture() {
    storage::StoreOptions o;
    o.create = true;
    o.durability = storage::Durability::none;
    store_ = std::move(storage::Store::open(dir_ / "s.psx", o).value());
    fs_ = std::make_unique<Fs>(*store_);
    user_.cred = Cred{1000, 1000, {}};
    other_.cred = Cred{2000, 2000, {}};
  }
  template <class F>
  auto W(F&& f) {
    return run_update(*store_, [&](storage::WriteTxn& t) { return f(t); });
  }
  template <class F>
  auto R(F&& f) {
    auto t = store_->begin_read();
    return f(*t);
  }
  // Creates (or truncates) `path` with `data`, closing it again.
  SysResult<Ino> put(const std::string& path, const std::string& data = "", const Caller* who = nullptr,
                     uint32_t mode = 0644) {
    const Caller& c = who ? *who : root_;
    return W([&](storage::WriteTxn& t) -> SysResult<Ino> {
      auto o = PSX_TRY(fs_->open(t, c, kRootIno, path, open_flag::kWrite | open_flag::kCreate | open_flag::kTrunc, mode));
      PSX_TRY(fs_->write(t, c, o.ino, 0, {reinterpret_cast<const uint8_t*>(data.data()), data.size()}, false));
      PSX_TRY_VOID(fs_->release(t, c, o.ino));
      return o.ino;
    });
  }
  std::string get(const std::string& path) {
    auto st = R([&](storage::Txn& t) { return fs_->stat(t, root_, kRootIno, path, true); });
    if (!st.ok()) return "<" + std::string(errno_name(st.error().value)) + ">";
    std::string out(st->size, '\0');
    auto n = R([&](storage::Txn& t) {
      return fs_->read(t, st->ino, 0, {reinterpret_cast<uint8_t*>(out.data()), out.size()});
    });
    if (!n.ok()) return "<" + std::string(errno_name(n.error().value)) + ">";
    out.resize(*n);
    return out;
  }
  SysResult<Stat> stat(const std::string& path, bool follow = true) {
    return R([&](storage::Txn& t) { return fs_->stat(t, root_, kRootIno, path, follow); });
  }
  SysResult<Ino> mkdir(const std::string& path, uint32_t mode = 0755, const Caller* who = nullptr) {
    return W([&](storage::WriteTxn& t) { return fs_->mkdir(t, who ? *who : root_, kRootIno, path, mode); });
  }
  std::vector<std::string> list(const std::string& path) {
    std::vector<std::string> names;
    auto ino = R([&](storage::Txn& t) { return fs_->lookup(t, root_, kRootIno, path, true); });
    if (!ino.ok()) return {"<error>"};
    auto r = R([&](storage::Txn& t) {
      return fs_->readdir(t, *ino, 0, [&](const DirEntry& e) { names.emplace_back(e.name); return true; });
    });
    if (!r.ok()) return {"<error>"};
    return names;
  }

  psx::testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Fs> fs_;
  Caller root_;
  Caller user_;
  Caller other_;
};

}  // namespace psx::vfs
