// fsync, fdatasync, sync, syncfs: durable when they return (the storage
// process answers after LMDB's sync, whatever the durability mode but `none`).
#include "kernelprocs/console.h"
#include "syscalls/path_request.h"

namespace psx {
namespace {

Outcome sync_fd(Personality& p, Call& c, bool data_only) {
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  if (e->file->kind == FileKind::kConsole)
    return p.request(c, e->file->owner, kConsoleSync, BufRef{}, reply_result, int64_t(e->file->object), data_only);
  // Character devices and pipes have nothing to sync (EINVAL, as Linux).
  if (e->file->kind == FileKind::kDevice || e->file->kind == FileKind::kPipe) return Outcome::error(EINVAL);
  new_request(p, StorageReqKind::kSync);
  return send_request(p, c);
}

Outcome zero(Personality&, Call&, const Message&) { return Outcome::done(0); }

}  // namespace

Outcome sys_fsync(Personality& p, Call& c) { return sync_fd(p, c, false); }
Outcome sys_fdatasync(Personality& p, Call& c) { return sync_fd(p, c, true); }
Outcome sys_syncfs(Personality& p, Call& c) {
  if (!p.fd(c.i(0))) return Outcome::error(EBADF);
  new_request(p, StorageReqKind::kSync);
  return send_request(p, c);
}
Outcome sys_sync(Personality& p, Call& c) {
  new_request(p, StorageReqKind::kSync);
  return send_request(p, c, zero);  // sync() cannot fail
}

}  // namespace psx
