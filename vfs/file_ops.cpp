// open, release, read, write, truncate, ftruncate, fallocate.
#include <algorithm>

#include "vfs/node.h"

namespace psx::vfs {

namespace of = open_flag;
using storage::InodeType;

SysResult<OpenResult> Fs::open(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path,
                               uint32_t flags, uint32_t mode) {
  const bool nofollow = flags & of::kNoFollow;
  // O_CREAT|O_DIRECTORY is refused since Linux 6.4 (it used to create a file).
  if ((flags & of::kCreate) && (flags & of::kDirectoryOnly)) return fail(EINVAL);
  int links = 0;
  Ino start = dir;
  std::string p(path);
  Node n;
  bool created = false;
  if (!(flags & of::kCreate)) {
    n = PSX_TRY(resolve(t, who, dir, path, !nofollow));
    if (n.is_symlink()) return fail(ELOOP);  // O_NOFOLLOW on a symlink
  } else {
    for (;;) {
      Parent par = PSX_TRY(walk_parent(t, who, start, p, links));
      // "dir/." names an existing directory: O_EXCL says it exists, else it is a directory.
      if (par.special()) return fail((flags & of::kExcl) ? EEXIST : EISDIR);
      if (par.trailing_slash) return fail(EISDIR);
      auto d = VFS_TRY(storage::get_dirent(t, par.dir.ino, par.name));
      if (d) {
        if (flags & of::kExcl) return fail(EEXIST);
        n = PSX_TRY(load(t, d->ino));
        if (n.is_symlink()) {
          // O_CREAT follows a (possibly dangling) symlink and creates its target.
          if (nofollow) return fail(ELOOP);
          if (++links > kMaxSymlinks) return fail(ELOOP);
          p = PSX_TRY(symlink_target(t, n));
          start = par.dir.ino;
          continue;
        }
        break;
      }
      PSX_TRY_VOID(may_create(who, par.dir));
      n = PSX_TRY(make_node(t, who, par.dir, par.name, kRegular | (mode & kPermMask), 0));
      created = true;
      PSX_TRY_VOID(log(t, who, "create", n.ino, par.dir.ino, path));
      break;
    }
  }
  const bool writes = (flags & of::kWrite) || (flags & of::kTrunc);
  if (n.is_dir() && (flags & of::kCreate)) return fail(EISDIR);
  if ((flags & of::kDirectoryOnly) && !n.is_dir()) return fail(ENOTDIR);
  if (n.is_dir() && writes) return fail(EISDIR);
  if (!created) {
    int want = ((flags & of::kRead) ? kMayRead : 0) | (writes ? kMayWrite : 0);
    if (want && !permits(who.cred, n.rec, want)) return fail(EACCES);
    if ((flags & of::kTrunc) && n.is_regular()) {
      PSX_TRY_VOID(do_truncate(t, who, n, 0));
      PSX_TRY_VOID(log(t, who, "open-truncate", n.ino, 0, path));
    }
  }
  retain(t, n.ino);
  return OpenResult{n.ino, to_stat(n.ino, n.rec), created};
}

void Fs::retain(storage::WriteTxn& t, Ino ino) {
  ++open_[ino];
  t.on_rollback([this, ino] {
    if (--open_[ino] == 0) open_.erase(ino);
  });
}

uint32_t Fs::open_count(Ino ino) const {
  auto it = open_.find(ino);
  return it == open_.end() ? 0 : it->second;
}

SysResult<void> Fs::release(storage::WriteTxn& t, const Caller& who, Ino ino) {
  auto it = open_.find(ino);
  if (it == open_.end()) return fail(EBADF);
  if (--it->second == 0) open_.erase(it);
  t.on_rollback([this, ino] { ++open_[ino]; });
  if (open_count(ino)) return {};
  auto rec = VFS_TRY(storage::get_inode(t, ino));
  if (rec && rec->nlink == 0) {  // the last reference to an unlinked inode
    VFS_TRY(storage::delete_data(t, ino));
    VFS_TRY(storage::del_inode(t, ino));
    VFS_TRY(storage::del_orphan(t, ino));
    PSX_TRY_VOID(log(t, who, "reclaim", ino, 0, ""));
  }
  return {};
}

SysResult<size_t> Fs::read(storage::Txn& t, Ino ino, uint64_t off, std::span<uint8_t> out) const {
  Node n = PSX_TRY(load(t, ino));
  if (n.is_dir()) return fail(EISDIR);
  if (!n.is_regular()) return fail(EINVAL);
  auto got = VFS_TRY(storage::read_data(t, ino, n.rec.size, off, out));
  return got;
}

// Linux's file_remove_privs: a write or truncate by someone without
// CAP_FSETID drops setuid, and setgid when group-executable.
static void drop_privs(const Caller& who, storage::InodeRecord& rec) {
  if (who.cred.is_root()) return;
  rec.perm &= ~kSetUid;
  if (rec.perm & 0010) rec.perm &= ~kSetGid;
}

SysResult<WriteResult> Fs::write(storage::WriteTxn& t, const Caller& who, Ino ino, uint64_t off,
                                 std::span<const uint8_t> in, bool append) {
  Node n = PSX_TRY(load(t, ino));
  if (n.is_dir()) return fail(EISDIR);
  if (!n.is_regular()) return fail(EINVAL);
  if (append) off = n.rec.size;
  if (in.empty()) return WriteResult{0, off};
  if (off >= kMaxFileSize) return fail(EFBIG);
  if (in.size() > kMaxFileSize - off) in = in.first(kMaxFileSize - off);  // a short write, as Linux does
  int64_t delta = VFS_TRY(storage::write_data(t, ino, off, in));
  n.rec.stored_bytes += delta;
  n.rec.size = std::max<uint64_t>(n.rec.size, off + in.size());
  n.rec.mtime_ns = n.rec.ctime_ns = now();
  drop_privs(who, n.rec);
  PSX_TRY_VOID(save(t, n));
  PSX_TRY_VOID(log(t, who, "write", ino, 0, ""));
  return WriteResult{in.size(), off + in.size()};
}

SysResult<void> Fs::do_truncate(storage::WriteTxn& t, const Caller& who, Node& n, uint64_t length) {
  if (length < n.rec.size) {
    int64_t delta = VFS_TRY(storage::truncate_data(t, n.ino, length));
    n.rec.stored_bytes += delta;
  }
  n.rec.size = length;  // growing leaves a hole
  n.rec.mtime_ns = n.rec.ctime_ns = now();
  drop_privs(who, n.rec);
  return save(t, n);
}

SysResult<void> Fs::truncate(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path,
                             int64_t length) {
  if (length < 0) return fail(EINVAL);
  Node n = PSX_TRY(resolve(t, who, dir, path, true));
  if (n.is_dir()) return fail(EISDIR);
  if (!n.is_regular()) return fail(EINVAL);
  if (!permits(who.cred, n.rec, kMayWrite)) return fail(EACCES);
  if (static_cast<uint64_t>(length) > kMaxFileSize) return fail(EFBIG);
  PSX_TRY_VOID(do_truncate(t, who, n, static_cast<uint64_t>(length)));
  return log(t, who, "truncate", n.ino, 0, path);
}

SysResult<void> Fs::ftruncate(storage::WriteTxn& t, const Caller& who, Ino ino, int64_t length) {
  if (length < 0) return fail(EINVAL);
  Node n = PSX_TRY(load(t, ino));
  if (n.is_dir()) return fail(EISDIR);
  if (!n.is_regular()) return fail(EINVAL);
  if (static_cast<uint64_t>(length) > kMaxFileSize) return fail(EFBIG);
  PSX_TRY_VOID(do_truncate(t, who, n, static_cast<uint64_t>(length)));
  return log(t, who, "ftruncate", n.ino, 0, "");
}

SysResult<void> Fs::fallocate(storage::WriteTxn& t, const Caller& who, Ino ino, int mode, int64_t off, int64_t len) {
  if (off < 0 || len <= 0) return fail(EINVAL);
  if (mode != 0) return fail(EOPNOTSUPP);
  Node n = PSX_TRY(load(t, ino));
  if (n.is_dir()) return fail(EISDIR);
  if (n.rec.kind() == InodeType::fifo) return fail(ESPIPE);
  if (!n.is_regular()) return fail(ENODEV);
  uint64_t end = static_cast<uint64_t>(off) + static_cast<uint64_t>(len);
  if (end > kMaxFileSize || end < static_cast<uint64_t>(off)) return fail(EFBIG);
  int64_t delta = VFS_TRY(storage::fill_holes(t, ino, static_cast<uint64_t>(off), static_cast<uint64_t>(len)));
  n.rec.stored_bytes += delta;
  if (end > n.rec.size) {
    n.rec.size = end;
    n.rec.mtime_ns = n.rec.ctime_ns = now();
  }
  PSX_TRY_VOID(save(t, n));
  return log(t, who, "fallocate", ino, 0, "");
}

}  // namespace psx::vfs
