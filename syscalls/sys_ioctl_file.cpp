// ioctl FIONREAD on store files: the size (asked of the storage process)
// minus the file offset, as an int (negative past the end, as on Linux).
#include <cstring>

#include "syscalls/ioctl_file.h"
#include "syscalls/path_request.h"

namespace psx {
namespace {

Outcome sized(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  int32_t n = int32_t(int64_t(current_request(p).stat.size) - int64_t(e->file->offset));
  auto h = p.mem().translate(c.ptr(2), 4, true);
  if (!h) return Outcome::error(EFAULT);
  memcpy(*h, &n, 4);
  return Outcome::done(0);
}

}  // namespace

Outcome fionread_file(Personality& p, Call& c, const OpenFile& f) {
  if (f.kind != FileKind::kRegular || !f.ino) return Outcome::error(ENOTTY);
  StorageRequest& r = new_request(p, StorageReqKind::kFstat);
  r.ino = f.ino;
  return send_request(p, c, sized);
}

}  // namespace psx
