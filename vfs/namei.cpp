// Path resolution: walk_parent (all but the last component), resolve (the
// whole path), and the helpers they share. Follows Linux's namei: each
// component needs search (x) permission on the directory it is looked up in;
// symlinks count toward one limit of 40 for the whole lookup; a trailing slash
// makes the last component follow symlinks and demand a directory.
#include <ctime>

#include "vfs/node.h"

namespace psx::vfs {

using storage::InodeType;

static int64_t realtime_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

Fs::Fs(storage::Store& store, Options options) : store_(store), options_(options), clock_(realtime_ns) {}

SysResult<Fs::Node> Fs::load(storage::Txn& t, Ino ino) const {
  auto rec = VFS_TRY(storage::get_inode(t, ino));
  if (!rec) return fail(ENOENT);
  return Node{ino, *rec};
}

SysResult<void> Fs::save(storage::WriteTxn& t, const Node& n) const {
  VFS_TRY(storage::put_inode(t, n.ino, n.rec));
  return {};
}

SysResult<std::string> Fs::symlink_target(storage::Txn& t, const Node& n) const {
  std::string target(n.rec.size, '\0');
  auto got = VFS_TRY(storage::read_data(t, n.ino, n.rec.size, 0,
                                        {reinterpret_cast<uint8_t*>(target.data()), target.size()}));
  target.resize(got);
  if (target.empty()) return fail(ENOENT);
  return target;
}

SysResult<Fs::Parent> Fs::walk_parent(storage::Txn& t, const Caller& who, Ino start, std::string_view path,
                                      int& links) const {
  if (path.empty()) return fail(ENOENT);
  if (path.size() >= kPathMax) return fail(ENAMETOOLONG);
  std::string buf(path);  // rewritten when a symlink is expanded
  Node cur = PSX_TRY(load(t, buf[0] == '/' ? kRootIno : start));
  size_t pos = 0;
  for (;;) {
    while (pos < buf.size() && buf[pos] == '/') ++pos;
    if (pos == buf.size()) return Parent{cur, "", true};  // only slashes: the directory itself
    size_t end = buf.find('/', pos);
    if (end == std::string::npos) end = buf.size();
    std::string_view comp(buf.data() + pos, end - pos);
    if (comp.size() > kNameMax) return fail(ENAMETOOLONG);
    size_t after = end;
    while (after < buf.size() && buf[after] == '/') ++after;
    if (!cur.is_dir()) return fail(ENOTDIR);
    if (!permits(who.cred, cur.rec, kMayExec)) return fail(EACCES);
    if (after == buf.size()) return Parent{cur, std::string(comp), end < buf.size()};

    Node next;
    if (comp == ".") {
      next = cur;
    } else if (comp == "..") {
      next = PSX_TRY(load(t, cur.rec.parent));
    } else {
      auto d = VFS_TRY(storage::get_dirent(t, cur.ino, comp));
      if (!d) return fail(ENOENT);
      next = PSX_TRY(load(t, d->ino));
    }
    if (next.is_symlink()) {
      if (++links > kMaxSymlinks) return fail(ELOOP);
      std::string target = PSX_TRY(symlink_target(t, next));
      std::string rest = buf.substr(end);
      buf = target + rest;
      if (buf.size() >= kPathMax) return fail(ENAMETOOLONG);
      pos = 0;
      if (buf[0] == '/') cur = PSX_TRY(load(t, kRootIno));  // else relative to the link's directory
      continue;
    }
    cur = next;
    pos = end;
  }
}

SysResult<Fs::Node> Fs::last_of(storage::Txn& t, const Parent& p) const {
  if (p.name.empty() || p.name == ".") return p.dir;
  if (p.name == "..") return load(t, p.dir.rec.parent);
  auto d = VFS_TRY(storage::get_dirent(t, p.dir.ino, p.name));
  if (!d) return fail(ENOENT);
  return load(t, d->ino);
}

SysResult<Fs::Node> Fs::resolve(storage::Txn& t, const Caller& who, Ino start, std::string_view path,
                                bool follow) const {
  int links = 0;
  std::string p(path);
  for (;;) {
    Parent par = PSX_TRY(walk_parent(t, who, start, p, links));
    Node n = PSX_TRY(last_of(t, par));
    if (n.is_symlink() && (follow || par.trailing_slash)) {
      if (++links > kMaxSymlinks) return fail(ELOOP);
      p = PSX_TRY(symlink_target(t, n));
      if (par.trailing_slash) p += '/';
      start = par.dir.ino;
      continue;
    }
    if (par.trailing_slash && !n.is_dir()) return fail(ENOTDIR);
    return n;
  }
}

SysResult<bool> Fs::is_ancestor(storage::Txn& t, Ino ancestor, Ino ino) const {
  // Walks up from `ino`; true if `ancestor` is `ino` or above it.
  for (int steps = 0; steps < 1 << 20; ++steps) {
    if (ino == ancestor) return true;
    if (ino == kRootIno) return false;
    Node n = PSX_TRY(load(t, ino));
    ino = n.rec.parent;
  }
  return fail(ELOOP);
}

SysResult<void> Fs::may_create(const Caller& who, const Node& dir) const {
  if (!dir.is_dir()) return fail(ENOTDIR);
  if (!permits(who.cred, dir.rec, kMayWrite | kMayExec)) return fail(EACCES);
  if (dir.rec.nlink == 0) return fail(ENOENT);  // a removed directory takes no new entries
  return {};
}

SysResult<void> Fs::may_delete(const Caller& who, const Node& dir, const Node& victim, bool want_dir) const {
  if (!permits(who.cred, dir.rec, kMayWrite | kMayExec)) return fail(EACCES);
  // Sticky directory: only the file's owner, the directory's owner or root.
  if ((dir.rec.perm & kSticky) && !who.cred.is_root() && who.cred.uid != victim.rec.uid &&
      who.cred.uid != dir.rec.uid)
    return fail(EPERM);
  if (want_dir) {
    if (!victim.is_dir()) return fail(ENOTDIR);
    if (victim.ino == kRootIno) return fail(EBUSY);
  } else if (victim.is_dir()) {
    return fail(EISDIR);
  }
  return {};
}

SysResult<void> Fs::log(storage::WriteTxn& t, const Caller& who, std::string_view op, Ino ino, Ino ino2,
                        std::string_view path) {
  VFS_TRY(storage::append_txlog(t, op, who.pid, ino, ino2, path, now()));
  return {};
}

// ---- lookups

SysResult<Ino> Fs::lookup(storage::Txn& t, const Caller& who, Ino dir, std::string_view path, bool follow) const {
  Node n = PSX_TRY(resolve(t, who, dir, path, follow));
  return n.ino;
}

SysResult<Stat> Fs::stat(storage::Txn& t, const Caller& who, Ino dir, std::string_view path, bool follow) const {
  Node n = PSX_TRY(resolve(t, who, dir, path, follow));
  return to_stat(n.ino, n.rec);
}

SysResult<Stat> Fs::fstat(storage::Txn& t, Ino ino) const {
  Node n = PSX_TRY(load(t, ino));
  return to_stat(n.ino, n.rec);
}

SysResult<void> Fs::access(storage::Txn& t, const Caller& who, Ino dir, std::string_view path, int mode,
                           bool follow) const {
  Node n = PSX_TRY(resolve(t, who, dir, path, follow));
  if (mode && !permits(who.cred, n.rec, mode)) return fail(EACCES);
  return {};
}

SysResult<size_t> Fs::readlink(storage::Txn& t, const Caller& who, Ino dir, std::string_view path,
                               std::span<char> out) const {
  Node n = PSX_TRY(resolve(t, who, dir, path, false));
  if (!n.is_symlink()) return fail(EINVAL);
  if (out.empty()) return fail(EINVAL);
  auto got = VFS_TRY(storage::read_data(t, n.ino, n.rec.size, 0,
                                        {reinterpret_cast<uint8_t*>(out.data()), out.size()}));
  return got;
}

SysResult<StatFs> Fs::statfs(storage::Txn& t) const {
  StatFs s;
  uint64_t used = store_.used_bytes();
  uint64_t map = store_.map_size();
  uint64_t inodes = VFS_TRY(storage::count_entries(t, storage::Table::inodes));
  // The map grows on demand; report the current map as the size, with at
  // least a gigabyte of headroom so that programs checking space proceed.
  uint64_t total = std::max(map, used + (uint64_t{1} << 30));
  s.blocks = total / s.bsize;
  s.bfree = s.bavail = (total - used) / s.bsize;
  s.files = inodes + (uint64_t{1} << 20);
  s.ffree = uint64_t{1} << 20;
  const auto& uuid = store_.info().uuid;
  for (int i = 0; i < 8; ++i) s.fsid = (s.fsid << 8) | uuid[i];
  return s;
}

}  // namespace psx::vfs
