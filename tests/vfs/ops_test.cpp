// vfs operation by operation, with the errno Linux gives for each failure.
#include <fcntl.h>

#include "storage/fsck.h"
#include "storage/tables.h"
#include "tests/vfs/vfs_fixture.h"

namespace psx::vfs {
namespace {

using namespace open_flag;
class vfs_ops : public VfsFixture {
 protected:
  SysResult<OpenResult> open(const std::string& p, uint32_t flags, uint32_t mode = 0644, const Caller* who = nullptr) {
    const Caller& c = who ? *who : root_;
    return W([&](storage::WriteTxn& t) -> SysResult<OpenResult> {
      auto o = PSX_TRY(fs_->open(t, c, kRootIno, p, flags, mode));
      PSX_TRY_VOID(fs_->release(t, c, o.ino));
      return o;
    });
  }
  void expect_clean() {
    auto t = store_->begin_read();
    auto f = storage::fsck(*t, {true});
    ASSERT_TRUE(f.ok());
    std::string s;
    for (auto& x : *f) s += x.to_string() + "\n";
    EXPECT_TRUE(f->empty()) << s;
  }
  void TearDown() override { expect_clean(); }
};

TEST_F(vfs_ops, CreateWriteReadStat) {
  ASSERT_TRUE(put("f", "hello").ok());
  EXPECT_EQ(get("f"), "hello");
  auto st = stat("f");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->mode, kRegular | 0644);
  EXPECT_EQ(st->size, 5u);
  EXPECT_EQ(st->nlink, 1u);
  EXPECT_EQ(st->blocks, 1u);
}

TEST_F(vfs_ops, OpenFlags) {
  ASSERT_TRUE(put("f", "data").ok());
  EXPECT_EQ(err(open("f", kWrite | kCreate | kExcl)), EEXIST);
  EXPECT_EQ(err(open("missing", kRead)), ENOENT);
  EXPECT_EQ(err(open("f", kRead | kDirectoryOnly)), ENOTDIR);
  EXPECT_EQ(err(open("f/", kRead)), ENOTDIR);
  EXPECT_EQ(err(open("new/", kWrite | kCreate)), EISDIR);
  EXPECT_EQ(err(open(".", kWrite | kCreate)), EISDIR);
  EXPECT_EQ(err(open("/", kWrite)), EISDIR);
  EXPECT_EQ(err(open("/", kRead | kTrunc)), EISDIR);
  EXPECT_EQ(err(open("x", kCreate | kDirectoryOnly)), EINVAL);
  EXPECT_EQ(err(open("f/x", kRead)), ENOTDIR);
  EXPECT_EQ(err(open("nodir/x", kWrite | kCreate)), ENOENT);
  auto o = open("f", kWrite | kTrunc);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->created);
  EXPECT_EQ(get("f"), "");
  auto c = open("g", kWrite | kCreate, 0600);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->created);
  EXPECT_EQ(c->stat.mode, kRegular | 0600);
}

TEST_F(vfs_ops, AppendWritesAtTheEnd) {
  auto ino = *put("f", "abc");
  auto r = W([&](storage::WriteTxn& t) {
    return fs_->write(t, root_, ino, 0, {reinterpret_cast<const uint8_t*>("de"), 2}, true);
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->end, 5u);
  EXPECT_EQ(get("f"), "abcde");
}

TEST_F(vfs_ops, SparseFilesReadZerosAndTruncateBothWays) {
  auto ino = *put("f");
  std::string tail = "tail";
  ASSERT_TRUE(W([&](storage::WriteTxn& t) {
    return fs_->write(t, root_, ino, 100000, {reinterpret_cast<const uint8_t*>(tail.data()), 4}, false);
  }).ok());
  std::string content = get("f");
  ASSERT_EQ(content.size(), 100004u);
  EXPECT_EQ(content.substr(0, 100000), std::string(100000, '\0'));
  EXPECT_EQ(content.substr(100000), "tail");
  EXPECT_LT(stat("f")->blocks, 100000u / 512);  // the hole is not stored
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->truncate(t, root_, kRootIno, "f", 100002); }).ok());
  EXPECT_EQ(get("f").substr(100000), "ta");
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->truncate(t, root_, kRootIno, "f", 200000); }).ok());
  content = get("f");
  EXPECT_EQ(content.size(), 200000u);
  EXPECT_EQ(content.substr(100000, 4), std::string("ta\0\0", 4));
  EXPECT_EQ(err(W([&](storage::WriteTxn& t) { return fs_->truncate(t, root_, kRootIno, "f", -1); })), EINVAL);
  ASSERT_TRUE(mkdir("d").ok());
  EXPECT_EQ(err(W([&](storage::WriteTxn& t) { return fs_->truncate(t, root_, kRootIno, "d", 0); })), EISDIR);
}

TEST_F(vfs_ops, FallocateStoresZeros) {
  auto ino = *put("f", "xy");
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->fallocate(t, root_, ino, 0, 0, 50000); }).ok());
  auto st = stat("f");
  EXPECT_EQ(st->size, 50000u);
  EXPECT_GE(st->blocks * 512, 50000u);
  EXPECT_EQ(get("f").substr(0, 3), std::string("xy\0", 3));
  EXPECT_EQ(err(W([&](storage::WriteTxn& t) { return fs_->fallocate(t, root_, ino, 1, 0, 10); })), EOPNOTSUPP);
  EXPECT_EQ(err(W([&](storage::WriteTxn& t) { return fs_->fallocate(t, root_, ino, 0, 0, 0); })), EINVAL);
}

TEST_F(vfs_ops, MkdirRmdir) {
  ASSERT_TRUE(mkdir("d").ok());
  EXPECT_EQ(stat("/")->nlink, 3u);
  EXPECT_EQ(stat("d")->nlink, 2u);
  EXPECT_EQ(err(mkdir("d")), EEXIST);
  EXPECT_EQ(err(mkdir(".")), EEXIST);
  EXPECT_EQ(err(mkdir("/")), EEXIST);
  EXPECT_EQ(err(mkdir("x/y")), ENOENT);
  EXPECT_TRUE(mkdir("d/e/").ok());  // a trailing slash is fine for mkdir
  auto rmdir = [&](const std::string& p) {
    return W([&](storage::WriteTxn& t) { return fs_->rmdir(t, root_, kRootIno, p); });
  };
  EXPECT_EQ(err(rmdir("d")), ENOTEMPTY);
  EXPECT_EQ(err(rmdir("/")), EBUSY);
  EXPECT_EQ(err(rmdir("d/.")), EINVAL);
  EXPECT_EQ(err(rmdir("d/..")), ENOTEMPTY);
  ASSERT_TRUE(put("f").ok());
  EXPECT_EQ(err(rmdir("f")), ENOTDIR);
  EXPECT_EQ(err(rmdir("nope")), ENOENT);
  EXPECT_TRUE(rmdir("d/e").ok());
  EXPECT_TRUE(rmdir("d").ok());
  EXPECT_EQ(stat("/")->nlink, 2u);
}

TEST_F(vfs_ops, UnlinkKeepsOpenFilesUntilLastRelease) {
  ASSERT_TRUE(put("f", "still here").ok());
  Ino ino = 0;
  ASSERT_TRUE(W([&](storage::WriteTxn& t) -> SysResult<void> {
    ino = PSX_TRY(fs_->open(t, root_, kRootIno, "f", kRead, 0)).ino;
    return fs_->unlink(t, root_, kRootIno, "f");
  }).ok());
  EXPECT_EQ(err(stat("f")), ENOENT);
  std::string buf(10, '\0');
  auto n = R([&](storage::Txn& t) { return fs_->read(t, ino, 0, {reinterpret_cast<uint8_t*>(buf.data()), 10}); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(buf, "still here");
  EXPECT_TRUE(R([&](storage::Txn& t) { return storage::is_orphan(t, ino); }).value());
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->release(t, root_, ino); }).ok());
  EXPECT_FALSE(R([&](storage::Txn& t) { return storage::get_inode(t, ino); }).value().has_value());
  EXPECT_EQ(err(W([&](storage::WriteTxn& t) { return fs_->release(t, root_, ino); })), EBADF);
}

TEST_F(vfs_ops, UnlinkErrors) {
  ASSERT_TRUE(mkdir("d").ok());
  ASSERT_TRUE(put("f").ok());
  auto unlink = [&](const std::string& p, const Caller* who = nullptr) {
    return W([&](storage::WriteTxn& t) { return fs_->unlink(t, who ? *who : root_, kRootIno, p); });
  };
  EXPECT_EQ(err(unlink("d")), EISDIR);
  EXPECT_EQ(err(unlink("d/")), EISDIR);
  EXPECT_EQ(err(unlink("f/")), ENOTDIR);
  EXPECT_EQ(err(unlink("nope")), ENOENT);
  EXPECT_EQ(err(unlink(".")), EISDIR);
  EXPECT_EQ(err(unlink("f", &user_)), EACCES);  // root's directory
  EXPECT_TRUE(unlink("f").ok());
}

TEST_F(vfs_ops, StickyDirectoryProtectsOthersFiles) {
  ASSERT_TRUE(mkdir("tmp", 01777).ok());
  ASSERT_TRUE(put("tmp/mine", "", &user_).ok());
  auto unlink = [&](const std::string& p, const Caller& who) {
    return W([&](storage::WriteTxn& t) { return fs_->unlink(t, who, kRootIno, p); });
  };
  EXPECT_EQ(err(unlink("tmp/mine", other_)), EPERM);
  EXPECT_TRUE(unlink("tmp/mine", user_).ok());
}

TEST_F(vfs_ops, SymlinksFollowNofollowAndLoops) {
  ASSERT_TRUE(mkdir("d").ok());
  ASSERT_TRUE(put("d/f", "target").ok());
  auto sym = [&](const std::string& target, const std::string& p) {
    return W([&](storage::WriteTxn& t) { return fs_->symlink(t, root_, target, kRootIno, p); });
  };
  ASSERT_TRUE(sym("d/f", "l").ok());
  ASSERT_TRUE(sym("d", "ld").ok());
  ASSERT_TRUE(sym("/d/f", "abs").ok());
  EXPECT_EQ(get("l"), "target");
  EXPECT_EQ(get("ld/f"), "target");
  EXPECT_EQ(get("abs"), "target");
  EXPECT_TRUE(stat("l", false)->is_symlink());
  EXPECT_EQ(stat("l", false)->size, 3u);
  EXPECT_TRUE(stat("ld/", false)->is_dir());  // a trailing slash follows
  EXPECT_EQ(err(open("l", kRead | kNoFollow)), ELOOP);
  char buf[16];
  auto n = R([&](storage::Txn& t) { return fs_->readlink(t, root_, kRootIno, "l", buf); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "d/f");
  EXPECT_EQ(err(R([&](storage::Txn& t) { return fs_->readlink(t, root_, kRootIno, "d", buf); })), EINVAL);
  ASSERT_TRUE(sym("loop2", "loop1").ok());
  ASSERT_TRUE(sym("loop1", "loop2").ok());
  EXPECT_EQ(err(stat("loop1")), ELOOP);
  EXPECT_EQ(err(sym("", "e")), ENOENT);
  EXPECT_EQ(err(sym("x", "l")), EEXIST);
  // O_CREAT through a dangling symlink creates its target; with O_EXCL it does not.
  ASSERT_TRUE(sym("d/made", "dangling").ok());
  EXPECT_EQ(err(open("dangling", kWrite | kCreate | kExcl)), EEXIST);
  EXPECT_TRUE(open("dangling", kWrite | kCreate).ok());
  EXPECT_TRUE(stat("d/made").ok());
}

TEST_F(vfs_ops, FortySymlinksAreTheLimit) {
  ASSERT_TRUE(put("f", "end").ok());
  for (int i = 1; i <= 41; ++i) {
    std::string target = i == 1 ? "f" : "s" + std::to_string(i - 1);
    ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->symlink(t, root_, target, kRootIno, "s" + std::to_string(i)); }).ok());
  }
  EXPECT_EQ(get("s40"), "end");
  EXPECT_EQ(err(stat("s41")), ELOOP);
}

TEST_F(vfs_ops, NameAndPathLimits) {
  EXPECT_EQ(err(put(std::string(256, 'n'))), ENAMETOOLONG);
  EXPECT_TRUE(put(std::string(255, 'n')).ok());
  std::string deep;
  while (deep.size() < 4096) deep += "a/";
  EXPECT_EQ(err(stat(deep)), ENAMETOOLONG);
  EXPECT_EQ(err(stat("")), ENOENT);
}

TEST_F(vfs_ops, DotAndDotDot) {
  ASSERT_TRUE(mkdir("a").ok());
  ASSERT_TRUE(mkdir("a/b").ok());
  ASSERT_TRUE(put("a/f", "x").ok());
  EXPECT_EQ(get("a/b/../f"), "x");
  EXPECT_EQ(get("a/./b/./../f"), "x");
  EXPECT_EQ(stat("/..")->ino, kRootIno);
  EXPECT_EQ(stat("a/b/..")->ino, stat("a")->ino);
}

TEST_F(vfs_ops, PermissionsAndRootBypass) {
  ASSERT_TRUE(mkdir("home", 0755).ok());
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->chown(t, root_, kRootIno, "home", 1000, 1000, true); }).ok());
  ASSERT_TRUE(put("home/secret", "s", &user_, 0600).ok());
  EXPECT_EQ(err(open("home/secret", kRead, 0, &other_)), EACCES);
  EXPECT_TRUE(open("home/secret", kRead, 0, &user_).ok());
  EXPECT_TRUE(open("home/secret", kRead | kWrite).ok());  // root reads and writes anything
  EXPECT_EQ(err(put("home/x", "", &other_)), EACCES);
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->chmod(t, user_, kRootIno, "home", 0700, true); }).ok());
  EXPECT_EQ(err(stat("home/secret")), 0);  // root searches without x bits
  auto other_stat = R([&](storage::Txn& t) { return fs_->stat(t, other_, kRootIno, "home/secret", true); });
  EXPECT_EQ(err(other_stat), EACCES);
  // exec: root needs at least one x bit on a file.
  auto acc = [&](const Caller& c, const std::string& p, int m) {
    return R([&](storage::Txn& t) { return fs_->access(t, c, kRootIno, p, m, true); });
  };
  EXPECT_EQ(err(acc(root_, "home/secret", kMayExec)), EACCES);
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->chmod(t, root_, kRootIno, "home/secret", 0610, true); }).ok());
  EXPECT_EQ(err(acc(root_, "home/secret", kMayExec)), 0);
  EXPECT_EQ(err(acc(user_, "home/secret", kMayExec)), EACCES);
  // Group membership via supplementary groups.
  Caller member{Cred{3000, 3000, {1000}}, 0};
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->chmod(t, root_, kRootIno, "home", 0750, true); }).ok());
  EXPECT_EQ(err(acc(member, "home/secret", kMayExec)), 0);
}

TEST_F(vfs_ops, ChmodChownRules) {
  ASSERT_TRUE(mkdir("pub", 0777).ok());
  ASSERT_TRUE(put("pub/f", "", &user_).ok());
  auto chmod = [&](const Caller& c, uint32_t m) {
    return W([&](storage::WriteTxn& t) { return fs_->chmod(t, c, kRootIno, "pub/f", m, true); });
  };
  auto chown = [&](const Caller& c, uint32_t u, uint32_t g) {
    return W([&](storage::WriteTxn& t) { return fs_->chown(t, c, kRootIno, "pub/f", u, g, true); });
  };
  EXPECT_EQ(err(chmod(other_, 0777)), EPERM);
  EXPECT_TRUE(chmod(user_, 06755).ok());
  EXPECT_EQ(stat("pub/f")->mode & 07777, 06755u);
  EXPECT_EQ(err(chown(user_, 2000, kNoId)), EPERM);
  EXPECT_EQ(err(chown(user_, kNoId, 2000)), EPERM);  // not a member of 2000
  EXPECT_TRUE(chown(user_, 1000, 1000).ok());        // "changing" to itself is allowed
  EXPECT_EQ(stat("pub/f")->mode & 07777, 0755u);         // and clears setuid/setgid
  EXPECT_TRUE(chmod(root_, 06755).ok());
  EXPECT_TRUE(chown(root_, 2000, 2000).ok());
  EXPECT_EQ(stat("pub/f")->mode & 07777, 0755u);
  EXPECT_EQ(stat("pub/f")->uid, 2000u);
  // A non-member cannot set setgid: the bit is dropped silently.
  ASSERT_TRUE(chown(root_, 1000, 5000).ok());
  EXPECT_TRUE(chmod(user_, 02755).ok());
  EXPECT_EQ(stat("pub/f")->mode & 07777, 0755u);
}

TEST_F(vfs_ops, WriteByNonOwnerClearsSetuid) {
  ASSERT_TRUE(mkdir("pub", 0777).ok());
  auto ino = *put("pub/f", "x", &user_, 0666);
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->chmod(t, user_, kRootIno, "pub/f", 04777, true); }).ok());
  ASSERT_TRUE(W([&](storage::WriteTxn& t) {
    return fs_->write(t, other_, ino, 0, {reinterpret_cast<const uint8_t*>("y"), 1}, false);
  }).ok());
  EXPECT_EQ(stat("pub/f")->mode & 07777, 0777u);
}

TEST_F(vfs_ops, UtimensRules) {
  ASSERT_TRUE(mkdir("pub", 0777).ok());
  ASSERT_TRUE(put("pub/f", "", &user_, 0666).ok());
  fs_->set_clock([] { return int64_t{5000000000}; });
  TimeSpec set[2] = {{1, 2}, {3, 4}};
  TimeSpec omit_now[2] = {{0, kUtimeOmit}, {0, kUtimeNow}};
  TimeSpec bad[2] = {{0, 1000000000}, {0, 0}};
  auto ut = [&](const Caller& c, const TimeSpec* ts) {
    return W([&](storage::WriteTxn& t) { return fs_->utimens(t, c, kRootIno, "pub/f", ts, true); });
  };
  EXPECT_EQ(err(ut(other_, set)), EPERM);
  EXPECT_TRUE(ut(other_, nullptr).ok());  // "now" needs only write permission
  EXPECT_TRUE(ut(user_, set).ok());
  auto st = stat("pub/f");
  EXPECT_EQ(st->atime_ns, 1000000002);
  EXPECT_EQ(st->mtime_ns, 3000000004);
  EXPECT_EQ(st->ctime_ns, 5000000000);
  EXPECT_TRUE(ut(user_, omit_now).ok());
  EXPECT_EQ(stat("pub/f")->atime_ns, 1000000002);
  EXPECT_EQ(stat("pub/f")->mtime_ns, 5000000000);
  EXPECT_EQ(err(ut(user_, bad)), EINVAL);
}

TEST_F(vfs_ops, TimestampsFollowLinux) {
  int64_t clock = 1000;
  fs_->set_clock([&] { return clock; });
  ASSERT_TRUE(mkdir("d").ok());
  clock = 2000;
  auto ino = *put("d/f", "abc");
  EXPECT_EQ(stat("d")->mtime_ns, 2000);
  clock = 3000;
  ASSERT_TRUE(W([&](storage::WriteTxn& t) {
    return fs_->write(t, root_, ino, 0, {reinterpret_cast<const uint8_t*>("z"), 1}, false);
  }).ok());
  EXPECT_EQ(stat("d/f")->mtime_ns, 3000);
  EXPECT_EQ(stat("d")->mtime_ns, 2000);  // writing a file leaves its directory alone
  clock = 4000;
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->chmod(t, root_, kRootIno, "d/f", 0600, true); }).ok());
  EXPECT_EQ(stat("d/f")->ctime_ns, 4000);
  EXPECT_EQ(stat("d/f")->mtime_ns, 3000);
  clock = 5000;
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->link(t, root_, kRootIno, "d/f", kRootIno, "d/g", false); }).ok());
  EXPECT_EQ(stat("d/f")->ctime_ns, 5000);
  EXPECT_EQ(stat("d")->mtime_ns, 5000);
  EXPECT_EQ(stat("d/f")->atime_ns, 2000);  // atime relaxed: reads do not touch it
}

TEST_F(vfs_ops, HardLinks) {
  ASSERT_TRUE(put("f", "shared").ok());
  ASSERT_TRUE(mkdir("d").ok());
  auto link = [&](const std::string& a, const std::string& b, const Caller* who = nullptr) {
    return W([&](storage::WriteTxn& t) { return fs_->link(t, who ? *who : root_, kRootIno, a, kRootIno, b, false); });
  };
  EXPECT_TRUE(link("f", "d/g").ok());
  EXPECT_EQ(stat("f")->nlink, 2u);
  EXPECT_EQ(stat("d/g")->ino, stat("f")->ino);
  EXPECT_EQ(err(link("d", "d2")), EPERM);
  EXPECT_EQ(err(link("f", "d/g")), EEXIST);
  EXPECT_EQ(err(link("nope", "x")), ENOENT);
  EXPECT_EQ(err(link("f", "x/")), ENOENT);
  EXPECT_EQ(err(link("f", "f2", &user_)), EPERM);  // protected_hardlinks: not the owner, no rw access
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->unlink(t, root_, kRootIno, "f"); }).ok());
  EXPECT_EQ(get("d/g"), "shared");
  EXPECT_EQ(stat("d/g")->nlink, 1u);
}

TEST_F(vfs_ops, RenameRules) {
  ASSERT_TRUE(mkdir("a").ok());
  ASSERT_TRUE(mkdir("a/sub").ok());
  ASSERT_TRUE(mkdir("b").ok());
  ASSERT_TRUE(mkdir("full").ok());
  ASSERT_TRUE(put("full/x").ok());
  ASSERT_TRUE(put("f", "F").ok());
  ASSERT_TRUE(put("g", "G").ok());
  auto mv = [&](const std::string& a, const std::string& b, uint32_t flags = 0) {
    return W([&](storage::WriteTxn& t) { return fs_->rename(t, root_, kRootIno, a, kRootIno, b, flags); });
  };
  EXPECT_EQ(err(mv("a", "a/sub/inside")), EINVAL);
  EXPECT_EQ(err(mv("a", "a/new")), EINVAL);
  EXPECT_EQ(err(mv("a/sub", "a")), ENOTEMPTY);  // target is an ancestor of the source
  EXPECT_EQ(err(mv("a", "full")), ENOTEMPTY);
  EXPECT_EQ(err(mv("a", "f")), ENOTDIR);
  EXPECT_EQ(err(mv("f", "b")), EISDIR);
  EXPECT_EQ(err(mv("nope", "x")), ENOENT);
  EXPECT_EQ(err(mv("f/", "x")), ENOTDIR);
  EXPECT_EQ(err(mv("f", "x/")), ENOTDIR);
  EXPECT_EQ(err(mv(".", "x")), EBUSY);
  EXPECT_EQ(err(mv("f", "g", kRenameNoReplace)), EEXIST);
  EXPECT_EQ(err(mv("f", "g", kRenameNoReplace | kRenameExchange)), EINVAL);
  EXPECT_TRUE(mv("f", "g").ok());  // atomic replacement
  EXPECT_EQ(get("g"), "F");
  EXPECT_EQ(err(stat("f")), ENOENT);
  EXPECT_TRUE(mv("g", "g").ok());
  EXPECT_TRUE(mv("a", "b/a").ok());  // directory moves; ".." and link counts follow
  EXPECT_EQ(stat("b")->nlink, 3u);
  EXPECT_EQ(stat("/")->nlink, 4u);  // b, full, and root's own two
  EXPECT_EQ(stat("b/a/sub/../..")->ino, stat("b")->ino);
  ASSERT_TRUE(mkdir("empty").ok());
  EXPECT_TRUE(mv("b/a", "empty").ok());  // directory over an empty directory
  EXPECT_TRUE(stat("empty/sub").ok());
  ASSERT_TRUE(put("h", "H").ok());
  EXPECT_TRUE(mv("h", "empty/sub", kRenameExchange).ok());
  EXPECT_EQ(get("empty/sub"), "H");
  EXPECT_TRUE(stat("h")->is_dir());
  EXPECT_EQ(stat("h/..")->ino, kRootIno);
}

TEST_F(vfs_ops, MknodMakesRecordsOnly) {
  auto mk = [&](const Caller& c, const std::string& p, uint32_t mode, uint64_t dev) {
    return W([&](storage::WriteTxn& t) { return fs_->mknod(t, c, kRootIno, p, mode, dev); });
  };
  ASSERT_TRUE(mk(root_, "null", kCharDevice | 0666, 0x103).ok());
  ASSERT_TRUE(mk(user_, "fifo", kFifo | 0644, 0).ok() == false);  // root's directory: EACCES
  EXPECT_EQ(err(mk(user_, "fifo", kFifo | 0644, 0)), EACCES);
  ASSERT_TRUE(mk(root_, "fifo", kFifo | 0644, 0).ok());
  EXPECT_EQ(stat("null")->rdev, 0x103u);
  EXPECT_EQ(stat("null")->mode, kCharDevice | 0666);
  auto o = open("null", kRead | kWrite);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->stat.mode & kTypeMask, kCharDevice);  // the device's owner does the I/O
  ASSERT_TRUE(mkdir("pub", 0777).ok());
  EXPECT_EQ(err(mk(user_, "pub/dev", kBlockDevice | 0600, 1)), EPERM);
}

TEST_F(vfs_ops, ReaddirCursorSurvivesChanges) {
  ASSERT_TRUE(mkdir("d").ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(put("d/f" + std::to_string(i)).ok());
  Ino d = stat("d")->ino;
  // Read ".", "..", f0..f3, then change the directory, then resume.
  std::vector<std::string> seen;
  uint32_t pos = 0;
  ASSERT_TRUE(R([&](storage::Txn& t) {
    return fs_->readdir(t, d, 0, [&](const DirEntry& e) {
      if (seen.size() == 6) return false;
      seen.emplace_back(e.name);
      pos = e.d_off;
      return true;
    });
  }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{".", "..", "f0", "f1", "f2", "f3"}));
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->unlink(t, root_, kRootIno, "d/f1"); }).ok());  // before the cursor
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->unlink(t, root_, kRootIno, "d/f5"); }).ok());  // after it
  ASSERT_TRUE(put("d/new").ok());
  ASSERT_TRUE(R([&](storage::Txn& t) {
    return fs_->readdir(t, d, pos, [&](const DirEntry& e) {
      EXPECT_LT(e.d_off, 1u << 31);
      seen.emplace_back(e.name);
      return true;
    });
  }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{".", "..", "f0", "f1", "f2", "f3", "f4", "f6", "f7", "f8", "f9", "new"}));
}

TEST_F(vfs_ops, TxlogRecordsEveryMutation) {
  Caller guest{Cred{}, 77};
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->mkdir(t, guest, kRootIno, "d", 0755); }).ok());
  ASSERT_TRUE(W([&](storage::WriteTxn& t) { return fs_->rmdir(t, guest, kRootIno, "d"); }).ok());
  std::vector<storage::TxlogEntry> log;
  ASSERT_TRUE(R([&](storage::Txn& t) {
    return storage::scan_txlog(t, 0, [&](const storage::TxlogEntry& e) { log.push_back(e); return true; });
  }).ok());
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].op, "mkdir");
  EXPECT_EQ(log[0].pid, 77);
  EXPECT_EQ(log[0].path, "d");
  EXPECT_EQ(log[1].op, "rmdir");
}

TEST_F(vfs_ops, FailedMutationChangesNothing) {
  ASSERT_TRUE(put("f", "x").ok());
  auto before = R([&](storage::Txn& t) { return storage::count_entries(t, storage::Table::txlog); }).value();
  // A chain that fails half-way: the earlier steps roll back with it.
  auto r = W([&](storage::WriteTxn& t) -> SysResult<void> {
    PSX_TRY(fs_->mkdir(t, root_, kRootIno, "made", 0755));
    return fs_->rmdir(t, root_, kRootIno, "f");
  });
  EXPECT_EQ(err(r), ENOTDIR);
  EXPECT_EQ(err(stat("made")), ENOENT);
  EXPECT_EQ(R([&](storage::Txn& t) { return storage::count_entries(t, storage::Table::txlog); }).value(), before);
}

TEST_F(vfs_ops, StatfsReportsSomething) {
  auto s = R([&](storage::Txn& t) { return fs_->statfs(t); });
  ASSERT_TRUE(s.ok());
  EXPECT_GT(s->blocks, 0u);
  EXPECT_EQ(s->namelen, 255u);
}

}  // namespace
}  // namespace psx::vfs
