// The record schema of a psx store: tables, keys, values, and the invariants
// that fsck (storage/fsck.h) checks — exactly those written here.
//
// Caveats first:
//  * Keys are big-endian so that LMDB's byte order is numeric order: a range
//    scan over (ino, *) or (parent, *) is one cursor walk.
//  * Values are fixed-layout structs in the host's byte order, which is
//    little-endian on every host psx runs on (x86-64; asserted below). They are
//    read with memcpy: LMDB only aligns values to 2 bytes.
//  * Any pointer into a value that LMDB hands out (MDB_val::mv_data, a
//    std::string_view or std::span built on it) is valid only until the
//    transaction ends or the same table is written in that transaction.
//    Copy what must outlive it.
//
// Tables (LMDB named databases):
//  inodes  : ino (be64)                      -> InodeRecord
//  dirents : parent ino (be64) + name bytes  -> DirentRecord
//  dirseq  : parent ino (be64) + seq (be32)  -> name bytes   (index: readdir order / d_off)
//  data    : ino (be64) + block index (be64) -> bytes (1..block_size)
//  meta    : ascii name                      -> value (see MetaKey below)
//  txlog   : txid (be64)                     -> TxlogHeader + op + path
//  orphans : ino (be64)                      -> OrphanRecord
//
// Invariants (fsck checks each, finding by finding):
//  M1 meta holds format, uuid, created_ns, block_size, next_ino, next_txid;
//     format <= kFormatVersion.
//  I1 every inode key is in [1, next_ino); inode 1 (the root) exists, is a
//     directory, and its parent is itself.
//  I2 an inode's type is one of InodeType.
//  D1 a dirent's name is 1..255 bytes, has no '/' or NUL and is not "." or "..".
//  D2 a dirent's parent exists and is a directory; its child exists and has the
//     type the dirent states.
//  D3 a dirent's seq is in [kFirstSeq, parent.next_seq) and below 2^31, and
//     dirseq holds (parent, seq) -> name; every dirseq entry is backed by such a
//     dirent (the index and the dirents agree one to one).
//  L1 a non-directory's nlink equals the number of dirents naming it.
//  L2 a directory other than the root is named by exactly one dirent; its nlink
//     is 2 + the number of its subdirectories; its `parent` is the directory
//     holding that dirent. The root's nlink is 2 + its subdirectories.
//  L3 every directory reaches the root by following `parent` (no detached cycles).
//  F1 data blocks belong to an existing regular file or symlink; no block starts
//     at or beyond the file's size, and no block extends past it; a block holds
//     1..block_size bytes.
//  F2 an inode's stored_bytes equals the sum of its data blocks' lengths.
//  F3 a symlink's target is its data: size 1..4095 bytes, all stored.
//  O1 the orphans table lists exactly the inodes whose nlink is 0 (unlinked,
//     still open). Opening a store writable reclaims them all: after a restart
//     nothing can hold them open.
//  T1 every txlog key is below next_txid.
#pragma once
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace psx::storage {

static_assert(std::endian::native == std::endian::little,
              "record values are stored in little-endian host order");

using Ino = uint64_t;

// Format version written into meta. Bump when a record layout changes; a store
// with a larger number is refused (StoreErrc::too_new).
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr Ino kRootIno = 1;

// Bytes per data block. LMDB (4 KiB pages) keeps values up to ~2 KiB in leaf
// pages and larger ones in chains of overflow pages, each chain with a 16-byte
// page header. A 4096-byte block therefore needs two pages (measured: a 32 MiB
// file took 64 MiB); 8176 = 2 pages - 16 fills a two-page chain exactly
// (32.4 MiB for 32 MiB), reads stay one lookup per 8 KiB, and a random 4 KiB
// overwrite copies at most two blocks. Blocks of 1984 bytes (leaf-resident)
// cost the same 2x space as 4096; 64 KiB blocks made 4 KiB random writes copy
// 16 pages. Files smaller than a block are one short record, so tiny files
// cost their length. The value is stamped in meta, so a later build may change
// it for new stores.
inline constexpr uint32_t kDefaultBlockSize = 2 * 4096 - 16;

// Directory sequence numbers: 1 is ".", 2 is "..", entries start at 3 and
// stay below 2^31 so that a 32-bit telldir() (riscv32) can hold them.
inline constexpr uint32_t kDotSeq = 1;
inline constexpr uint32_t kDotDotSeq = 2;
inline constexpr uint32_t kFirstSeq = 3;
inline constexpr uint32_t kSeqLimit = 1u << 31;

inline constexpr size_t kMaxNameLen = 255;      // bytes in one dirent name
inline constexpr size_t kMaxSymlinkLen = 4095;  // bytes in a symlink target

// Storage knows kinds of inode, not POSIX mode bits (vfs maps them).
enum class InodeType : uint8_t {
  regular = 1,
  directory = 2,
  symlink = 3,
  fifo = 4,
  char_device = 5,
  block_device = 6,
  socket = 7,
};
inline bool valid_type(uint8_t t) { return t >= 1 && t <= 7; }
const char* type_name(InodeType t);

// inodes value. 88 bytes.
struct InodeRecord {
  uint8_t type = 0;          // InodeType
  uint8_t reserved0 = 0;     // 0
  uint16_t reserved1 = 0;    // 0
  uint32_t perm = 0;         // permission and set-id/sticky bits, opaque to storage (vfs: 07777)
  uint32_t uid = 0;          // owner
  uint32_t gid = 0;          // group
  uint32_t nlink = 0;        // dirents naming it; a directory: 2 + subdirectories (L1, L2)
  uint32_t next_seq = 0;     // directories: next dirent sequence number (D3); others 0
  uint64_t size = 0;         // bytes; symlinks: target length; directories: 0
  uint64_t stored_bytes = 0; // sum of data block lengths (F2): what st_blocks reports
  uint64_t rdev = 0;         // device number of a device node, else 0
  uint64_t parent = 0;       // directories: the directory holding it (root: itself); else 0
  int64_t atime_ns = 0;      // times in ns since the epoch (UTC)
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  int64_t btime_ns = 0;      // creation, never changed
  InodeType kind() const { return static_cast<InodeType>(type); }
  bool is_dir() const { return kind() == InodeType::directory; }
};
static_assert(sizeof(InodeRecord) == 88);

// dirents value. 16 bytes.
struct DirentRecord {
  uint64_t ino = 0;   // the inode this name refers to
  uint32_t seq = 0;   // position in the directory (d_off), unique per directory (D3)
  uint8_t type = 0;   // InodeType of the child, so readdir needs no inode lookup (D2)
  uint8_t pad[3] = {};
};
static_assert(sizeof(DirentRecord) == 16);

// orphans value: when it was orphaned.
struct OrphanRecord {
  int64_t since_ns = 0;
};

// txlog value: this header, then `op_len` bytes of operation name, then
// `path_len` bytes of path (or nothing).
struct TxlogHeader {
  int64_t time_ns = 0;   // when the operation ran (its commit follows shortly)
  int32_t pid = 0;       // the guest process that asked, 0 for psx itself
  uint16_t op_len = 0;
  uint16_t path_len = 0;
  uint64_t ino = 0;      // the inode it was about, 0 if none
  uint64_t ino2 = 0;     // a second inode (rename target, link source), else 0
};
static_assert(sizeof(TxlogHeader) == 32);

// meta keys. Values are 8-byte little-endian integers except uuid (16 bytes).
namespace meta_key {
inline constexpr std::string_view format = "format";          // kFormatVersion of the writer
inline constexpr std::string_view uuid = "uuid";              // 16 random bytes
inline constexpr std::string_view created_ns = "created_ns";  // creation time, ns since the epoch
inline constexpr std::string_view block_size = "block_size";  // bytes per data block
inline constexpr std::string_view next_ino = "next_ino";      // next inode number to hand out
inline constexpr std::string_view next_txid = "next_txid";    // next txlog key
}  // namespace meta_key

// ---- big-endian key encoding ----
inline void put_be64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}
inline void put_be32(uint8_t* p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}
inline uint64_t get_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}
inline uint32_t get_be32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | p[i];
  return v;
}

// A key built on the stack; the longest is a dirent key (8 + 255).
struct Key {
  uint8_t bytes[8 + kMaxNameLen];
  size_t len = 0;
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes), len}; }
};
inline Key ino_key(Ino ino) {
  Key k;
  put_be64(k.bytes, ino);
  k.len = 8;
  return k;
}
inline Key dirent_key(Ino parent, std::string_view name) {
  Key k;
  put_be64(k.bytes, parent);
  size_t n = name.size() > kMaxNameLen ? kMaxNameLen : name.size();
  std::memcpy(k.bytes + 8, name.data(), n);
  k.len = 8 + n;
  return k;
}
inline Key dirseq_key(Ino parent, uint32_t seq) {
  Key k;
  put_be64(k.bytes, parent);
  put_be32(k.bytes + 8, seq);
  k.len = 12;
  return k;
}
inline Key data_key(Ino ino, uint64_t block) {
  Key k;
  put_be64(k.bytes, ino);
  put_be64(k.bytes + 8, block);
  k.len = 16;
  return k;
}

}  // namespace psx::storage
