// unlink, unlinkat, rename, renameat, renameat2, link, linkat, symlink,
// symlinkat: namespace changes, each one transaction in the store.
#include <fcntl.h>

#include "syscalls/path_request.h"

namespace psx {
namespace {

constexpr uint32_t kRenameNoReplace = 1, kRenameExchange = 2, kRenameWhiteout = 4;

Outcome unlink_at(Personality& p, Call& c, int dirfd, uint64_t path, uint32_t flags) {
  if (flags & ~uint32_t(AT_REMOVEDIR)) return Outcome::error(EINVAL);
  StorageRequest& r = new_request(p, (flags & AT_REMOVEDIR) ? StorageReqKind::kRmdir : StorageReqKind::kUnlink);
  auto put = put_path(p, r, dirfd, path);
  if (!put) return Outcome::error(put.error().value);
  return send_request(p, c);
}

Outcome two_paths(Personality& p, Call& c, StorageReqKind kind, int olddir, uint64_t oldpath, int newdir,
                  uint64_t newpath, uint32_t flags, bool follow) {
  StorageRequest& r = new_request(p, kind);
  auto a = put_path(p, r, olddir, oldpath);
  if (!a) return Outcome::error(a.error().value);
  auto b = put_path(p, r, newdir, newpath, true);
  if (!b) return Outcome::error(b.error().value);
  r.flags = flags;
  r.follow = follow;
  return send_request(p, c);
}

Outcome rename_at(Personality& p, Call& c, int olddir, uint64_t oldpath, int newdir, uint64_t newpath,
                  uint32_t flags) {
  if (flags & ~(kRenameNoReplace | kRenameExchange | kRenameWhiteout)) return Outcome::error(EINVAL);
  if ((flags & kRenameNoReplace) && (flags & kRenameExchange)) return Outcome::error(EINVAL);
  if (flags & kRenameWhiteout) return Outcome::error(EINVAL);  // overlay filesystems only
  return two_paths(p, c, StorageReqKind::kRename, olddir, oldpath, newdir, newpath, flags, false);
}

Outcome link_at(Personality& p, Call& c, int olddir, uint64_t oldpath, int newdir, uint64_t newpath, uint32_t flags) {
  if (flags & ~uint32_t(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return Outcome::error(EINVAL);
  if (flags & AT_EMPTY_PATH) return Outcome::error(ENOENT);  // linking a descriptor: not yet
  return two_paths(p, c, StorageReqKind::kLink, olddir, oldpath, newdir, newpath, 0, flags & AT_SYMLINK_FOLLOW);
}

Outcome symlink_at(Personality& p, Call& c, uint64_t target, int newdir, uint64_t linkpath) {
  StorageRequest& r = new_request(p, StorageReqKind::kSymlink);
  auto t = copy_path(p, target, r.path);
  if (!t) return Outcome::error(t.error().value);
  auto b = put_path(p, r, newdir, linkpath, true);
  if (!b) return Outcome::error(b.error().value);
  return send_request(p, c);
}

}  // namespace

Outcome sys_unlink(Personality& p, Call& c) { return unlink_at(p, c, kAtFdcwd, c.ptr(0), 0); }
Outcome sys_unlinkat(Personality& p, Call& c) { return unlink_at(p, c, c.i(0), c.ptr(1), c.u(2)); }
Outcome sys_rename(Personality& p, Call& c) { return rename_at(p, c, kAtFdcwd, c.ptr(0), kAtFdcwd, c.ptr(1), 0); }
Outcome sys_renameat(Personality& p, Call& c) { return rename_at(p, c, c.i(0), c.ptr(1), c.i(2), c.ptr(3), 0); }
Outcome sys_renameat2(Personality& p, Call& c) {
  return rename_at(p, c, c.i(0), c.ptr(1), c.i(2), c.ptr(3), c.u(4));
}
Outcome sys_link(Personality& p, Call& c) { return link_at(p, c, kAtFdcwd, c.ptr(0), kAtFdcwd, c.ptr(1), 0); }
Outcome sys_linkat(Personality& p, Call& c) { return link_at(p, c, c.i(0), c.ptr(1), c.i(2), c.ptr(3), c.u(4)); }
Outcome sys_symlink(Personality& p, Call& c) { return symlink_at(p, c, c.ptr(0), kAtFdcwd, c.ptr(1)); }
Outcome sys_symlinkat(Personality& p, Call& c) { return symlink_at(p, c, c.ptr(0), c.i(1), c.ptr(2)); }

}  // namespace psx
