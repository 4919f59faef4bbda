// The storage kernel process: hosts vfs over the record store. Reads (read,
// stat, readdir, readlink) run on the kernel thread in LMDB read transactions
// and copy straight between the store's pages and the guest's buffer.
// Mutations go to the commit queue's worker thread, grouped into LMDB
// commits; each is answered only after the commit that carries it (the
// worker hands the reply back with Kernel::post). `open` answers with the
// object's owner: storage for files and directories, device for /dev nodes.
#pragma once
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "kernelprocs/kernel.h"
#include "kernelprocs/lock_table.h"
#include "kernelprocs/storage_protocol.h"
#include "storage/commit_queue.h"
#include "storage/store.h"
#include "vfs/fs.h"

namespace psx {

class StorageProcess : public KernelProcess {
 public:
  static constexpr Address kAddress = kStorageAddress;
  StorageProcess(std::unique_ptr<storage::Store> store, Kernel& k);
  ~StorageProcess() override;
  void on_message(Kernel& k, const Message& m) override;
  const char* name() const override { return "storage"; }

  storage::Store& store() { return *store_; }
  vfs::Fs& fs() { return fs_; }
  // Reads a whole regular file the caller may execute (a program to load); used at launch.
  SysResult<std::vector<uint8_t>> read_whole(const vfs::Caller& who, vfs::Ino dir, const std::string& path);
  uint64_t bytes_copied() const { return copied_; }

 private:
  void request(Kernel& k, const Message& m);
  void mutate(Kernel& k, const Message& m, std::function<SysResult<int64_t>(storage::WriteTxn&)> body);
  // Advisory locks (storage_locks.cpp).
  void lock(Kernel& k, const Message& m);
  void lock_close(Kernel& k, const Message& m);
  bool try_lock(const LockRequest& r);  // grants r if nothing conflicts
  void cancel_lock_wait(Kernel& k, Address who, uint32_t tag);
  void retry_waiters(Kernel& k, uint64_t ino);
  struct LockWaiter {
    Message m;
    LockRequest r;
  };
  LockTable locks_;
  std::deque<LockWaiter> lock_waiters_;  // F_SETLKW and flock without LOCK_NB, in arrival order
  Kernel& kernel_;
  std::unique_ptr<storage::Store> store_;
  vfs::Fs fs_;
  std::unique_ptr<storage::CommitQueue> queue_;
  uint64_t copied_ = 0;
};

// Creates the directories and device nodes every store starts with
// (/dev with null, zero, full, random, urandom; /tmp and /var/tmp; /bin; /usr/bin; /etc).
SysResult<void> populate_new_store(storage::Store& store);

}  // namespace psx
