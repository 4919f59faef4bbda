// Typed access to the tables of schema.h. Every function works inside a
// transaction the caller owns; writers take a WriteTxn. Nothing here knows
// POSIX: the caller (vfs) decides what a change means and keeps the invariants.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "storage/error.h"
#include "storage/schema.h"
#include "storage/store.h"

namespace psx::storage {

// ---- meta
StoreResult<std::optional<uint64_t>> get_meta_u64(Txn& t, std::string_view key);
StoreResult<void> put_meta_u64(WriteTxn& t, std::string_view key, uint64_t value);
StoreResult<void> put_meta_bytes(WriteTxn& t, std::string_view key, std::span<const uint8_t> value);
// Hands out the next inode number (meta next_ino).
StoreResult<Ino> alloc_ino(WriteTxn& t);

// ---- inodes
StoreResult<std::optional<InodeRecord>> get_inode(Txn& t, Ino ino);
StoreResult<void> put_inode(WriteTxn& t, Ino ino, const InodeRecord& rec);
StoreResult<void> del_inode(WriteTxn& t, Ino ino);
// Calls fn for every inode in ino order until it returns false.
StoreResult<void> scan_inodes(Txn& t, const std::function<bool(Ino, const InodeRecord&)>& fn);
StoreResult<uint64_t> count_entries(Txn& t, Table table);

// ---- dirents (and their dirseq index, kept in step here)
StoreResult<std::optional<DirentRecord>> get_dirent(Txn& t, Ino parent, std::string_view name);
// Inserts or replaces (parent, name). A replaced entry's old seq leaves the index.
StoreResult<void> put_dirent(WriteTxn& t, Ino parent, std::string_view name, const DirentRecord& rec);
StoreResult<void> del_dirent(WriteTxn& t, Ino parent, std::string_view name);
StoreResult<bool> dir_is_empty(Txn& t, Ino parent);
// Entries of `parent` with seq > after_seq, in seq order, until fn returns
// false. `name` points into LMDB's page: valid only during the call.
StoreResult<void> scan_dir(Txn& t, Ino parent, uint32_t after_seq,
                           const std::function<bool(std::string_view name, const DirentRecord&)>& fn);
// Every dirent of every directory in (parent, name) order (for fsck and tools).
StoreResult<void> scan_all_dirents(Txn& t,
                                   const std::function<bool(Ino parent, std::string_view name, const DirentRecord&)>& fn);
// The next sequence number for a new entry of `dir` (which the caller then
// stores with put_inode). When the numbers below 2^31 run out the directory is
// renumbered from kFirstSeq, which invalidates its open readdir positions.
StoreResult<uint32_t> take_dir_seq(WriteTxn& t, Ino dir, InodeRecord& rec);

// ---- data blocks. Bytes of a file not covered by a block read as zeros (holes).
// Copies bytes [off, off + out.size()) ∩ [0, size) straight from LMDB's pages
// into `out`, zeros for holes; returns the count (0 at or past the end).
StoreResult<size_t> read_data(Txn& t, Ino ino, uint64_t size, uint64_t off, std::span<uint8_t> out);
// Writes `in` at `off`: each touched block is reserved in LMDB (MDB_RESERVE)
// and `in` is copied straight into it; the unchanged part of a partly written
// block is carried over from its old value. Returns the change in stored bytes.
// The caller sets the new size (max(size, off + in.size())).
StoreResult<int64_t> write_data(WriteTxn& t, Ino ino, uint64_t off, std::span<const uint8_t> in);
// Stores zeros over holes in [off, off + len) (fallocate). Returns the change in stored bytes.
StoreResult<int64_t> fill_holes(WriteTxn& t, Ino ino, uint64_t off, uint64_t len);
// Drops blocks at or beyond new_size and trims the block straddling it.
// Returns the change in stored bytes (<= 0).
StoreResult<int64_t> truncate_data(WriteTxn& t, Ino ino, uint64_t new_size);
StoreResult<void> delete_data(WriteTxn& t, Ino ino);
// Every data block of `ino` (block index, length), for fsck and tools.
StoreResult<void> scan_blocks(Txn& t, Ino ino, const std::function<bool(uint64_t block, size_t len)>& fn);
StoreResult<void> scan_all_blocks(Txn& t, const std::function<bool(Ino, uint64_t block, size_t len)>& fn);

// ---- orphans
StoreResult<void> add_orphan(WriteTxn& t, Ino ino, int64_t since_ns);
StoreResult<void> del_orphan(WriteTxn& t, Ino ino);
StoreResult<bool> is_orphan(Txn& t, Ino ino);
StoreResult<void> scan_orphans(Txn& t, const std::function<bool(Ino, const OrphanRecord&)>& fn);
// Deletes every orphan with its inode and data (nothing can hold them open
// after a restart). Returns how many.
StoreResult<uint64_t> reclaim_orphans(WriteTxn& t);

// ---- txlog
struct TxlogEntry {
  uint64_t txid = 0;
  int64_t time_ns = 0;
  int32_t pid = 0;
  Ino ino = 0;
  Ino ino2 = 0;
  std::string op;    // e.g. "unlink"
  std::string path;  // as the caller gave it, may be empty
};
// Appends a record under the next txid (meta next_txid) and returns that txid.
StoreResult<uint64_t> append_txlog(WriteTxn& t, std::string_view op, int32_t pid, Ino ino, Ino ino2,
                                   std::string_view path, int64_t time_ns);
// Records with txid >= from, oldest first, until fn returns false.
StoreResult<void> scan_txlog(Txn& t, uint64_t from, const std::function<bool(const TxlogEntry&)>& fn);
// Deletes all but the newest `keep` records; returns how many went.
StoreResult<uint64_t> trim_txlog(WriteTxn& t, uint64_t keep);

// ---- raw records, for `psx store records`
StoreResult<void> scan_raw(Txn& t, Table table,
                           const std::function<bool(std::string_view key, std::string_view value)>& fn);

}  // namespace psx::storage
