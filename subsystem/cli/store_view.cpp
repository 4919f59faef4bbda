#include "subsystem/cli/store_view.h"

#include <algorithm>

#include "storage/tables.h"
#include "subsystem/cli/store_cli.h"

namespace psx::cli::store {

SysResult<std::vector<Entry>> list_dir(const vfs::Fs& fs, storage::Txn& t, vfs::Ino dir) {
  std::vector<Entry> out;
  PSX_TRY_VOID(fs.readdir(t, dir, 0, [&](const vfs::DirEntry& e) {
    if (e.name != "." && e.name != "..") out.push_back({std::string(e.name), e.ino, e.d_type});
    return true;
  }));
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

SysResult<std::string> link_target(const vfs::Fs& fs, storage::Txn& t, const std::string& path) {
  std::string buf(vfs::kPathMax, '\0');
  size_t n = PSX_TRY(fs.readlink(t, tool_caller(), vfs::kRootIno, path, {buf.data(), buf.size()}));
  buf.resize(n);
  return buf;
}

std::string dir_path(storage::Txn& t, vfs::Ino dir) {
  std::string path;
  // A directory chain is at most as long as there are directories; the bound
  // only stops a broken store from looping.
  for (int depth = 0; dir != vfs::kRootIno; depth++) {
    auto rec = storage::get_inode(t, dir);
    if (!rec.ok() || !rec->has_value() || depth > 4096) return "?";
    vfs::Ino parent = (*rec)->parent;
    std::string name;
    auto r = storage::scan_dir(t, parent, 0, [&](std::string_view n, const storage::DirentRecord& d) {
      if (d.ino != dir) return true;
      name = std::string(n);
      return false;
    });
    if (!r.ok() || name.empty()) return "?";
    path = "/" + name + path;
    dir = parent;
  }
  return path.empty() ? "/" : path;
}

}  // namespace psx::cli::store
