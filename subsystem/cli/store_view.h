// The store's namespace as the commands walk it: sorted directory listings,
// symlink targets, and the path of a directory found by inode.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "storage/store.h"
#include "vfs/fs.h"

namespace psx::cli::store {

struct Entry {
  std::string name;
  vfs::Ino ino = 0;
  uint8_t d_type = 0;  // DT_*
};

// The entries of directory `dir` without "." and "..", sorted by name (ls's order).
SysResult<std::vector<Entry>> list_dir(const vfs::Fs& fs, storage::Txn& t, vfs::Ino dir);
// The target of the symlink at `path` (not followed).
SysResult<std::string> link_target(const vfs::Fs& fs, storage::Txn& t, const std::string& path);
// "/a/b" for a directory inode, found by following `parent` up to the root;
// "?" when the chain is broken (fsck will say why).
std::string dir_path(storage::Txn& t, vfs::Ino dir);

}  // namespace psx::cli::store
