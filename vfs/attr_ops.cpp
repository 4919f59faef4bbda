// chmod, chown, utimensat and their f* forms, with Linux's rules for who may
// change what.
#include "vfs/node.h"

namespace psx::vfs {

SysResult<void> Fs::set_mode(storage::WriteTxn& t, const Caller& who, Node& n, uint32_t mode) {
  if (!who.cred.is_root() && who.cred.uid != n.rec.uid) return fail(EPERM);
  mode &= kPermMask;
  // Setting setgid needs membership in the file's group (or CAP_FSETID).
  if (!who.cred.is_root() && !who.cred.in_group(n.rec.gid)) mode &= ~kSetGid;
  n.rec.perm = mode;
  n.rec.ctime_ns = now();
  return save(t, n);
}

SysResult<void> Fs::chmod(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path, uint32_t mode,
                          bool follow) {
  Node n = PSX_TRY(resolve(t, who, dir, path, follow));
  if (n.is_symlink()) return fail(EOPNOTSUPP);  // fchmodat(AT_SYMLINK_NOFOLLOW) on a link
  PSX_TRY_VOID(set_mode(t, who, n, mode));
  return log(t, who, "chmod", n.ino, 0, path);
}

SysResult<void> Fs::fchmod(storage::WriteTxn& t, const Caller& who, Ino ino, uint32_t mode) {
  Node n = PSX_TRY(load(t, ino));
  PSX_TRY_VOID(set_mode(t, who, n, mode));
  return log(t, who, "fchmod", n.ino, 0, "");
}

SysResult<void> Fs::set_owner(storage::WriteTxn& t, const Caller& who, Node& n, uint32_t uid, uint32_t gid) {
  if (!who.cred.is_root()) {
    // Linux chown_ok/chgrp_ok: the owner may "change" uid to itself, and gid to
    // a group it is in (or the current one).
    bool owner = who.cred.uid == n.rec.uid;
    if (uid != kNoId && !(owner && uid == n.rec.uid)) return fail(EPERM);
    if (gid != kNoId && !(owner && (who.cred.in_group(gid) || gid == n.rec.gid))) return fail(EPERM);
  }
  if (uid != kNoId) n.rec.uid = uid;
  if (gid != kNoId) n.rec.gid = gid;
  // chown clears setuid, and setgid when group-executable, of non-directories
  // (root included, since Linux 2.2.13).
  if (!n.is_dir()) {
    n.rec.perm &= ~kSetUid;
    if (n.rec.perm & 0010) n.rec.perm &= ~kSetGid;
  }
  n.rec.ctime_ns = now();
  return save(t, n);
}

SysResult<void> Fs::chown(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path, uint32_t uid,
                          uint32_t gid, bool follow) {
  Node n = PSX_TRY(resolve(t, who, dir, path, follow));
  PSX_TRY_VOID(set_owner(t, who, n, uid, gid));
  return log(t, who, "chown", n.ino, 0, path);
}

SysResult<void> Fs::fchown(storage::WriteTxn& t, const Caller& who, Ino ino, uint32_t uid, uint32_t gid) {
  Node n = PSX_TRY(load(t, ino));
  PSX_TRY_VOID(set_owner(t, who, n, uid, gid));
  return log(t, who, "fchown", n.ino, 0, "");
}

SysResult<void> Fs::set_times(storage::WriteTxn& t, const Caller& who, Node& n, const TimeSpec* times) {
  TimeSpec now_both[2] = {{0, kUtimeNow}, {0, kUtimeNow}};
  if (!times) times = now_both;
  for (int i = 0; i < 2; ++i)
    if (times[i].nsec != kUtimeNow && times[i].nsec != kUtimeOmit && (times[i].nsec < 0 || times[i].nsec >= 1000000000))
      return fail(EINVAL);
  if (times[0].nsec == kUtimeOmit && times[1].nsec == kUtimeOmit) return {};
  const bool explicit_time = (times[0].nsec != kUtimeNow && times[0].nsec != kUtimeOmit) ||
                             (times[1].nsec != kUtimeNow && times[1].nsec != kUtimeOmit);
  const bool owner = who.cred.is_root() || who.cred.uid == n.rec.uid;
  if (explicit_time && !owner) return fail(EPERM);  // setting a chosen time needs ownership
  if (!explicit_time && !owner && !permits(who.cred, n.rec, kMayWrite)) return fail(EACCES);
  const int64_t ts = now();
  auto pick = [&](const TimeSpec& s, int64_t& field) {
    if (s.nsec == kUtimeOmit) return;
    field = s.nsec == kUtimeNow ? ts : s.sec * 1000000000 + s.nsec;
  };
  pick(times[0], n.rec.atime_ns);
  pick(times[1], n.rec.mtime_ns);
  n.rec.ctime_ns = ts;
  return save(t, n);
}

SysResult<void> Fs::utimens(storage::WriteTxn& t, const Caller& who, Ino dir, std::string_view path,
                            const TimeSpec* times, bool follow) {
  Node n = PSX_TRY(resolve(t, who, dir, path, follow));
  PSX_TRY_VOID(set_times(t, who, n, times));
  return log(t, who, "utimens", n.ino, 0, path);
}

SysResult<void> Fs::futimens(storage::WriteTxn& t, const Caller& who, Ino ino, const TimeSpec* times) {
  Node n = PSX_TRY(load(t, ino));
  PSX_TRY_VOID(set_times(t, who, n, times));
  return log(t, who, "futimens", n.ino, 0, "");
}

}  // namespace psx::vfs
