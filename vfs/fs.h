// Fs: POSIX file semantics over a record store.
//
// Caveats first:
//  * Synchronous functions that take a transaction; callers pick the thread.
//    Reads take any storage::Txn (a ReadTxn in the caller's thread). Every
//    mutating function takes a storage::WriteTxn, changes nothing outside it
//    (in-memory open counts register undo actions), writes its txlog record,
//    and leaves the store unchanged when it fails — so run one per nested
//    transaction of storage::CommitQueue and each call is atomic.
//  * Paths: `dir` is the directory a relative path starts from (the
//    process's cwd or an *at() directory handle); absolute paths start at the
//    store's root. Permissions are checked against the Caller's credentials
//    (root bypasses read/write and search; exec needs one x bit); the caller
//    has applied its umask to `mode` already.
//  * Open counts: open() retains the inode; the owner of the open file
//    description calls release() when its last reference closes. An inode
//    unlinked while open goes to the orphans table and is deleted at the last
//    release (or when the store is next opened, after a crash). Open counts
//    live in memory and are touched only inside write transactions, i.e. on
//    the commit worker; reads never touch them.
//  * Device nodes and FIFOs are records only: open() returns their type and
//    rdev so the subsystem can hand the I/O to their owner; read/write here
//    refuse them (EINVAL).
//  * atime is relaxed like `noatime`: set at creation and by utimensat, not by
//    reads (reads run in read transactions and never write).
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/store.h"
#include "vfs/errno.h"
#include "vfs/types.h"

namespace psx::vfs {

class Fs {
 public:
  struct Options {
    // fs.protected_hardlinks = 1 (Linux's default): only the owner, or a user
    // who may read and write a regular file, may hard-link it.
    bool protected_hardlinks = true;
  };
  Fs(storage::Store& store, Options options);
  explicit Fs(storage::Store& store) : Fs(store, Options{}) {}

  // The clock used for timestamps, ns since the epoch (tests replace it).
  void set_clock(std::function<int64_t()> clock) { clock_ = std::move(clock); }
  storage::Store& store() const { return store_; }

  // ---- lookups and reads (any transaction)
  SysResult<Ino> lookup(storage::Txn& t, const Caller& who, Ino dir, std::string_view path, bool follow) const;
  SysResult<Stat> stat(storage::Txn& t, const Caller& who, Ino dir, std::string_view path, bool follow) const;
  SysResult<Stat> fstat(storage::Txn& t, Ino ino) const;
  // access()/faccessat(): `mode` is a mask of kMay* (0 = exists).
  SysResult<void> access(storage::Txn& t, const Caller& who, Ino dir, std::string_view path, int mode, bool follow) const;
  // Copies file bytes at `off` straight from the store into `out` (the
  // guest's buffer); zeros for holes. Returns bytes read, 0 at end of file.
  SysResult<size_t> read(storage::Txn& t, Ino ino, uint64_t off, std::span<uint8_t> out) const;
  // readlink(): copies up to out.size() bytes of the target (no NUL).
  SysResult<size_t> readlink(storage::Txn& t, const Caller& who, Ino dir, std::string_view path, std::span<char> out) const;
  // Directory reading. `pos` is 0 to start, else the d_off of the last entry
  // consumed. Entries come in position order: "." (d_off 1), ".." (d_off 2),
  // then each entry with its sequence number as d_off (below 2^31). An entry
  // added while reading appears later (it gets a higher number); a removed one
  // is not returned; no entry is returned twice. `emit` returns false when the
  // caller's buffer is full; that entry counts as not consumed.
  SysResult<void> readdir(storage::Txn& t, Ino dir, uint64_t pos,
                          const std::function<bool(const DirEntry&)>& emit) const;
  SysResult<StatFs> statfs(storage::Txn& t) const;

  // ---- mutations (write transaction; each writes a txlog record)
  SysResult<OpenResult> open(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path,
                             uint32_t flags, uint32_t mode);
  void retain(storage::WriteTxn& t, Ino ino);  // one more open reference
  SysResult<void> release(storage::WriteTxn& t, const Caller& who, Ino ino);  // last close of a reference
  uint32_t open_count(Ino ino) const;

  // Writes `in` at `off` (at the end of the file if `append`): the bytes go
  // straight from `in` (the guest's buffer) into space reserved in the store.
  SysResult<WriteResult> write(storage::WriteTxn& t, const Caller& who, Ino ino, uint64_t off,
                               std::span<const uint8_t> in, bool append);
  SysResult<void> truncate(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path, int64_t length);
  SysResult<void> ftruncate(storage::WriteTxn& t, const Caller& who, Ino ino, int64_t length);
  SysResult<void> fallocate(storage::WriteTxn& t, const Caller& who, Ino ino, int mode, int64_t off, int64_t len);

  SysResult<Ino> mkdir(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path, uint32_t mode);
  // mknod(): `mode` carries the type (regular, FIFO, char/block device, socket).
  SysResult<Ino> mknod(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path, uint32_t mode,
                       uint64_t rdev);
  SysResult<Ino> symlink(storage::WriteTxn& t, const Caller& who, std::string_view target, Ino dir,
                         std::string_view path);
  SysResult<void> link(storage::WriteTxn& t, const Caller& who, Ino old_dir, std::string_view old_path,
                       Ino new_dir, std::string_view new_path, bool follow);
  SysResult<void> unlink(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path);
  SysResult<void> rmdir(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path);
  // renameat2(): flags 0, kRenameNoReplace or kRenameExchange.
  SysResult<void> rename(storage::WriteTxn& t, const Caller& who, Ino old_dir, std::string_view old_path,
                         Ino new_dir, std::string_view new_path, uint32_t flags);
  SysResult<void> chmod(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path, uint32_t mode,
                        bool follow);
  SysResult<void> fchmod(storage::WriteTxn& t, const Caller& who, Ino ino, uint32_t mode);
  // kNoId leaves an id unchanged.
  SysResult<void> chown(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path, uint32_t uid,
                        uint32_t gid, bool follow);
  SysResult<void> fchown(storage::WriteTxn& t, const Caller& who, Ino ino, uint32_t uid, uint32_t gid);
  // utimensat(): times[0] atime, times[1] mtime; nullptr means both now.
  SysResult<void> utimens(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path,
                          const TimeSpec* times, bool follow);
  SysResult<void> futimens(storage::WriteTxn& t, const Caller& who, Ino ino, const TimeSpec* times);

 private:
  struct Node;
  struct Parent;
  int64_t now() const { return clock_(); }
  SysResult<Node> load(storage::Txn& t, Ino ino) const;
  SysResult<void> save(storage::WriteTxn& t, const Node& n) const;
  SysResult<Parent> walk_parent(storage::Txn& t, const Caller& who, Ino start, std::string_view path, int& links) const;
  SysResult<Node> resolve(storage::Txn& t, const Caller& who, Ino start, std::string_view path, bool follow) const;
  SysResult<Node> last_of(storage::Txn& t, const Parent& p) const;
  SysResult<std::string> symlink_target(storage::Txn& t, const Node& n) const;
  SysResult<bool> is_ancestor(storage::Txn& t, Ino ancestor, Ino ino) const;
  SysResult<Node> make_node(storage::WriteTxn& t, const Caller& who, Node& dir, std::string_view name,
                            uint32_t mode, uint64_t rdev);
  SysResult<void> add_entry(storage::WriteTxn& t, Node& dir, std::string_view name, const Node& child);
  SysResult<void> drop_if_unused(storage::WriteTxn& t, Node& n);
  SysResult<void> may_create(const Caller& who, const Node& dir) const;
  SysResult<void> may_delete(const Caller& who, const Node& dir, const Node& victim, bool want_dir) const;
  SysResult<void> do_truncate(storage::WriteTxn& t, const Caller& who, Node& n, uint64_t length);
  SysResult<void> set_mode(storage::WriteTxn& t, const Caller& who, Node& n, uint32_t mode);
  SysResult<void> set_owner(storage::WriteTxn& t, const Caller& who, Node& n, uint32_t uid, uint32_t gid);
  SysResult<void> set_times(storage::WriteTxn& t, const Caller& who, Node& n, const TimeSpec* times);
  SysResult<void> log(storage::WriteTxn& t, const Caller& who, std::string_view op, Ino ino, Ino ino2,
                      std::string_view path);

  storage::Store& store_;
  Options options_;
  std::function<int64_t()> clock_;
  std::unordered_map<Ino, uint32_t> open_;  // open references; touched only in write transactions
};

// Runs one vfs mutation in its own write transaction on the calling thread
// (tools, tests): commits if it succeeded, rolls back if not.
template <class F>
auto run_update(storage::Store& store, F&& fn) -> std::invoke_result_t<F&, storage::WriteTxn&>;

}  // namespace psx::vfs

#include "vfs/run_update.h"
