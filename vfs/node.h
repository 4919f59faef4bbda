// Internal to vfs: an inode loaded into memory, a resolved parent, and the
// mapping between storage's inode kinds and POSIX mode bits.
#pragma once
#include <string>

#include "storage/schema.h"
#include "storage/tables.h"
#include "vfs/fs.h"
#include "vfs/store_errno.h"

namespace psx::vfs {

// A copy of an inode record; write it back with Fs::save. Two Nodes for the
// same inode are two copies: functions that may see one inode twice (rename
// within a directory) alias them explicitly.
struct Fs::Node {
  Ino ino = 0;
  storage::InodeRecord rec;
  bool is_dir() const { return rec.kind() == storage::InodeType::directory; }
  bool is_symlink() const { return rec.kind() == storage::InodeType::symlink; }
  bool is_regular() const { return rec.kind() == storage::InodeType::regular; }
};

// The directory holding a path's last component, and that component.
struct Fs::Parent {
  Node dir;
  std::string name;             // "" when the path is only slashes (the root itself)
  bool trailing_slash = false;  // the path ended in '/'
  bool special() const { return name.empty() || name == "." || name == ".."; }
};

uint32_t type_bits(storage::InodeType t);
std::optional<storage::InodeType> type_of_mode(uint32_t mode);
uint8_t dtype_of(storage::InodeType t);
// Would `cred` get `want` (kMay* mask) on this inode? Linux's generic_permission
// with CAP_DAC_OVERRIDE for root: exec needs one x bit unless a directory.
bool permits(const Cred& cred, const storage::InodeRecord& rec, int want);
Stat to_stat(Ino ino, const storage::InodeRecord& rec);

}  // namespace psx::vfs
