// Names: mkdir, mknod, symlink, link, unlink, rmdir, rename, readdir, and the
// helpers that create, name and drop inodes.
#include "vfs/node.h"

namespace psx::vfs {

using storage::InodeType;

SysResult<Fs::Node> Fs::make_node(storage::WriteTxn& t, const Caller& who, Node& dir, std::string_view name,
                                  uint32_t mode, uint64_t rdev) {
  auto type = type_of_mode(mode);
  if (!type) return fail(EINVAL);
  Node n;
  n.ino = VFS_TRY(storage::alloc_ino(t));
  auto& r = n.rec;
  r.type = static_cast<uint8_t>(*type);
  r.perm = mode & kPermMask;
  r.uid = who.cred.uid;
  r.gid = who.cred.gid;
  // A setgid directory passes its group on, and its setgid bit to subdirectories.
  if (dir.rec.perm & kSetGid) {
    r.gid = dir.rec.gid;
    if (*type == InodeType::directory) r.perm |= kSetGid;
  }
  if ((r.perm & kSetGid) && *type != InodeType::directory && !who.cred.is_root() && !who.cred.in_group(r.gid))
    r.perm &= ~kSetGid;
  r.rdev = rdev;
  r.atime_ns = r.mtime_ns = r.ctime_ns = r.btime_ns = now();
  if (*type == InodeType::directory) {
    r.nlink = 2;
    r.next_seq = storage::kFirstSeq;
    r.parent = dir.ino;
  } else {
    r.nlink = 1;
  }
  PSX_TRY_VOID(save(t, n));
  PSX_TRY_VOID(add_entry(t, dir, name, n));
  return n;
}

// Names `child` in `dir` and updates (and saves) `dir`.
SysResult<void> Fs::add_entry(storage::WriteTxn& t, Node& dir, std::string_view name, const Node& child) {
  storage::DirentRecord d;
  d.ino = child.ino;
  d.type = child.rec.type;
  d.seq = VFS_TRY(storage::take_dir_seq(t, dir.ino, dir.rec));
  VFS_TRY(storage::put_dirent(t, dir.ino, name, d));
  if (child.is_dir()) dir.rec.nlink++;
  dir.rec.mtime_ns = dir.rec.ctime_ns = now();
  return save(t, dir);
}

// After a link count dropped: delete the inode if nothing names or holds it,
// keep it as an orphan if it is open, else just save it.
SysResult<void> Fs::drop_if_unused(storage::WriteTxn& t, Node& n) {
  if (n.rec.nlink > 0) return save(t, n);
  if (open_count(n.ino)) {
    VFS_TRY(storage::add_orphan(t, n.ino, now()));
    return save(t, n);
  }
  VFS_TRY(storage::delete_data(t, n.ino));
  VFS_TRY(storage::del_inode(t, n.ino));
  return {};
}

SysResult<Ino> Fs::mkdir(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path, uint32_t mode) {
  int links = 0;
  Parent par = PSX_TRY(walk_parent(t, who, dir, path, links));
  if (par.special()) return fail(EEXIST);
  auto d = VFS_TRY(storage::get_dirent(t, par.dir.ino, par.name));
  if (d) return fail(EEXIST);
  PSX_TRY_VOID(may_create(who, par.dir));
  if (par.dir.rec.nlink >= 0xfffffff0u) return fail(EMLINK);
  Node n = PSX_TRY(make_node(t, who, par.dir, par.name, kDirectory | (mode & (0777 | kSticky)), 0));
  PSX_TRY_VOID(log(t, who, "mkdir", n.ino, par.dir.ino, path));
  return n.ino;
}

SysResult<Ino> Fs::mknod(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path, uint32_t mode,
                         uint64_t rdev) {
  if ((mode & kTypeMask) == 0) mode |= kRegular;  // mknod(path, 0644, 0) makes a regular file
  auto type = type_of_mode(mode);
  if (!type || *type == InodeType::directory || *type == InodeType::symlink) return fail(EINVAL);
  int links = 0;
  Parent par = PSX_TRY(walk_parent(t, who, dir, path, links));
  if (par.special()) return fail(EEXIST);
  auto d = VFS_TRY(storage::get_dirent(t, par.dir.ino, par.name));
  if (d) return fail(EEXIST);
  if (par.trailing_slash) return fail(ENOENT);
  if ((*type == InodeType::char_device || *type == InodeType::block_device) && !who.cred.is_root()) return fail(EPERM);
  PSX_TRY_VOID(may_create(who, par.dir));
  bool dev = *type == InodeType::char_device || *type == InodeType::block_device;
  Node n = PSX_TRY(make_node(t, who, par.dir, par.name, mode, dev ? rdev : 0));
  PSX_TRY_VOID(log(t, who, "mknod", n.ino, par.dir.ino, path));
  return n.ino;
}

SysResult<Ino> Fs::symlink(storage::WriteTxn& t, const Caller& who, std::string_view target, Ino dir,
                           std::string_view path) {
  if (target.empty()) return fail(ENOENT);
  if (target.size() > storage::kMaxSymlinkLen) return fail(ENAMETOOLONG);
  int links = 0;
  Parent par = PSX_TRY(walk_parent(t, who, dir, path, links));
  if (par.special()) return fail(EEXIST);
  auto d = VFS_TRY(storage::get_dirent(t, par.dir.ino, par.name));
  if (d) return fail(EEXIST);
  if (par.trailing_slash) return fail(ENOENT);
  PSX_TRY_VOID(may_create(who, par.dir));
  Node n = PSX_TRY(make_node(t, who, par.dir, par.name, kSymlink | 0777, 0));
  int64_t stored = VFS_TRY(storage::write_data(
      t, n.ino, 0, {reinterpret_cast<const uint8_t*>(target.data()), target.size()}));
  n.rec.size = target.size();
  n.rec.stored_bytes = static_cast<uint64_t>(stored);
  PSX_TRY_VOID(save(t, n));
  PSX_TRY_VOID(log(t, who, "symlink", n.ino, par.dir.ino, path));
  return n.ino;
}

SysResult<void> Fs::link(storage::WriteTxn& t, const Caller& who, Ino old_dir, std::string_view old_path,
                         Ino new_dir, std::string_view new_path, bool follow) {
  Node old = PSX_TRY(resolve(t, who, old_dir, old_path, follow));
  int links = 0;
  Parent par = PSX_TRY(walk_parent(t, who, new_dir, new_path, links));
  if (par.special()) return fail(EEXIST);
  auto d = VFS_TRY(storage::get_dirent(t, par.dir.ino, par.name));
  if (d) return fail(EEXIST);
  if (par.trailing_slash) return fail(ENOENT);
  if (options_.protected_hardlinks && !who.cred.is_root() && who.cred.uid != old.rec.uid) {
    bool safe = old.is_regular() && !(old.rec.perm & kSetUid) &&
                !((old.rec.perm & kSetGid) && (old.rec.perm & 0010)) &&
                permits(who.cred, old.rec, kMayRead | kMayWrite);
    if (!safe) return fail(EPERM);
  }
  PSX_TRY_VOID(may_create(who, par.dir));
  if (old.is_dir()) return fail(EPERM);
  if (old.rec.nlink == 0) return fail(ENOENT);
  if (old.rec.nlink >= 0xfffffff0u) return fail(EMLINK);
  if (par.dir.ino == old.ino) return fail(ENOTDIR);  // unreachable: old is not a directory
  PSX_TRY_VOID(add_entry(t, par.dir, par.name, old));
  old.rec.nlink++;
  old.rec.ctime_ns = now();
  PSX_TRY_VOID(save(t, old));
  return log(t, who, "link", old.ino, par.dir.ino, new_path);
}

SysResult<void> Fs::unlink(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path) {
  int links = 0;
  Parent par = PSX_TRY(walk_parent(t, who, dir, path, links));
  if (par.special()) return fail(EISDIR);
  auto d = VFS_TRY(storage::get_dirent(t, par.dir.ino, par.name));
  if (!d) return fail(ENOENT);
  Node victim = PSX_TRY(load(t, d->ino));
  if (par.trailing_slash) return fail(victim.is_dir() ? EISDIR : ENOTDIR);
  PSX_TRY_VOID(may_delete(who, par.dir, victim, false));
  VFS_TRY(storage::del_dirent(t, par.dir.ino, par.name));
  const int64_t ts = now();
  par.dir.rec.mtime_ns = par.dir.rec.ctime_ns = ts;
  PSX_TRY_VOID(save(t, par.dir));
  victim.rec.nlink--;
  victim.rec.ctime_ns = ts;
  PSX_TRY_VOID(drop_if_unused(t, victim));
  return log(t, who, "unlink", victim.ino, par.dir.ino, path);
}

SysResult<void> Fs::rmdir(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path) {
  int links = 0;
  Parent par = PSX_TRY(walk_parent(t, who, dir, path, links));
  if (par.name.empty()) return fail(EBUSY);
  if (par.name == ".") return fail(EINVAL);
  if (par.name == "..") return fail(ENOTEMPTY);
  auto d = VFS_TRY(storage::get_dirent(t, par.dir.ino, par.name));
  if (!d) return fail(ENOENT);
  Node victim = PSX_TRY(load(t, d->ino));
  PSX_TRY_VOID(may_delete(who, par.dir, victim, true));
  bool empty = VFS_TRY(storage::dir_is_empty(t, victim.ino));
  if (!empty) return fail(ENOTEMPTY);
  VFS_TRY(storage::del_dirent(t, par.dir.ino, par.name));
  const int64_t ts = now();
  par.dir.rec.nlink--;
  par.dir.rec.mtime_ns = par.dir.rec.ctime_ns = ts;
  PSX_TRY_VOID(save(t, par.dir));
  victim.rec.nlink = 0;
  victim.rec.ctime_ns = ts;
  PSX_TRY_VOID(drop_if_unused(t, victim));
  return log(t, who, "rmdir", victim.ino, par.dir.ino, path);
}

SysResult<void> Fs::rename(storage::WriteTxn& t, const Caller& who, Ino old_dir, std::string_view old_path,
                           Ino new_dir, std::string_view new_path, uint32_t flags) {
  const bool exchange = flags & kRenameExchange;
  const bool noreplace = flags & kRenameNoReplace;
  if ((flags & ~(kRenameExchange | kRenameNoReplace)) || (exchange && noreplace)) return fail(EINVAL);
  int links = 0;
  Parent op = PSX_TRY(walk_parent(t, who, old_dir, old_path, links));
  links = 0;
  Parent np = PSX_TRY(walk_parent(t, who, new_dir, new_path, links));
  if (op.special()) return fail(EBUSY);
  if (np.special()) return fail(noreplace ? EEXIST : EBUSY);
  auto od = VFS_TRY(storage::get_dirent(t, op.dir.ino, op.name));
  if (!od) return fail(ENOENT);
  auto nd = VFS_TRY(storage::get_dirent(t, np.dir.ino, np.name));
  if (noreplace && nd) return fail(EEXIST);
  Node src = PSX_TRY(load(t, od->ino));
  std::optional<Node> dst;
  if (nd) dst = PSX_TRY(load(t, nd->ino));
  if (exchange) {
    if (!dst) return fail(ENOENT);
    if (!dst->is_dir() && np.trailing_slash) return fail(ENOTDIR);
  }
  if (!src.is_dir()) {
    if (op.trailing_slash) return fail(ENOTDIR);
    if (!exchange && np.trailing_slash) return fail(ENOTDIR);
  }
  // Neither may be moved into itself; a target may not be an ancestor of the source.
  if (src.is_dir() && PSX_TRY(is_ancestor(t, src.ino, np.dir.ino))) return fail(EINVAL);
  if (dst && dst->is_dir() && PSX_TRY(is_ancestor(t, dst->ino, op.dir.ino)))
    return fail(exchange ? EINVAL : ENOTEMPTY);
  if (dst && dst->ino == src.ino) return {};  // two names of one file: POSIX says do nothing

  PSX_TRY_VOID(may_delete(who, op.dir, src, src.is_dir()));
  if (dst) PSX_TRY_VOID(may_delete(who, np.dir, *dst, exchange ? dst->is_dir() : src.is_dir()));
  else PSX_TRY_VOID(may_create(who, np.dir));
  const bool moves = op.dir.ino != np.dir.ino;
  if (moves && src.is_dir() && !permits(who.cred, src.rec, kMayWrite)) return fail(EACCES);
  if (moves && exchange && dst->is_dir() && !permits(who.cred, dst->rec, kMayWrite)) return fail(EACCES);
  if (!exchange && dst && dst->is_dir()) {
    bool empty = VFS_TRY(storage::dir_is_empty(t, dst->ino));
    if (!empty) return fail(ENOTEMPTY);
  }

  // Apply. One Node per directory inode even when both names share it.
  Node* from = &op.dir;
  Node* to = moves ? &np.dir : &op.dir;
  const int64_t ts = now();
  if (exchange) {
    storage::DirentRecord a = *od, b = *nd;
    std::swap(a.ino, b.ino);
    std::swap(a.type, b.type);
    VFS_TRY(storage::put_dirent(t, from->ino, op.name, a));
    VFS_TRY(storage::put_dirent(t, to->ino, np.name, b));
    if (moves) {
      if (src.is_dir()) { src.rec.parent = to->ino; from->rec.nlink--; to->rec.nlink++; }
      if (dst->is_dir()) { dst->rec.parent = from->ino; to->rec.nlink--; from->rec.nlink++; }
    }
    src.rec.ctime_ns = dst->rec.ctime_ns = ts;
    PSX_TRY_VOID(save(t, *dst));
  } else {
    if (dst) {
      VFS_TRY(storage::del_dirent(t, to->ino, np.name));
      if (dst->is_dir()) {
        to->rec.nlink--;
        dst->rec.nlink = 0;
      } else {
        dst->rec.nlink--;
      }
      dst->rec.ctime_ns = ts;
      PSX_TRY_VOID(drop_if_unused(t, *dst));
    }
    VFS_TRY(storage::del_dirent(t, from->ino, op.name));
    if (src.is_dir()) {
      from->rec.nlink--;
      src.rec.parent = to->ino;
    }
    src.rec.ctime_ns = ts;
    PSX_TRY_VOID(add_entry(t, *to, np.name, src));  // counts the subdirectory in `to`, saves it
  }
  PSX_TRY_VOID(save(t, src));
  from->rec.mtime_ns = from->rec.ctime_ns = ts;
  to->rec.mtime_ns = to->rec.ctime_ns = ts;
  PSX_TRY_VOID(save(t, *from));
  if (moves) PSX_TRY_VOID(save(t, *to));
  return log(t, who, exchange ? "rename-exchange" : "rename", src.ino, dst ? dst->ino : 0, old_path);
}

SysResult<void> Fs::readdir(storage::Txn& t, Ino dir, uint64_t pos,
                            const std::function<bool(const DirEntry&)>& emit) const {
  Node n = PSX_TRY(load(t, dir));
  if (!n.is_dir()) return fail(ENOTDIR);
  if (n.rec.nlink == 0) return fail(ENOENT);  // removed while open: Linux reads nothing
  const uint8_t dt_dir = dtype_of(InodeType::directory);
  if (pos < storage::kDotSeq && !emit(DirEntry{dir, storage::kDotSeq, dt_dir, "."})) return {};
  if (pos < storage::kDotDotSeq && !emit(DirEntry{n.rec.parent, storage::kDotDotSeq, dt_dir, ".."})) return {};
  uint32_t after = pos < storage::kDotDotSeq ? storage::kDotDotSeq
                                              : static_cast<uint32_t>(std::min<uint64_t>(pos, storage::kSeqLimit));
  VFS_TRY(storage::scan_dir(t, dir, after, [&](std::string_view name, const storage::DirentRecord& d) {
    return emit(DirEntry{d.ino, d.seq, dtype_of(static_cast<InodeType>(d.type)), name});
  }));
  return {};
}

}  // namespace psx::vfs
