#include "syscalls/path_request.h"

#include <cstring>

namespace psx {

StorageRequest& current_request(Personality& p) { return *reinterpret_cast<StorageRequest*>(p.scratch()); }

StorageRequest& new_request(Personality& p, StorageReqKind kind) {
  static_assert(sizeof(StorageRequest) <= 16384, "the request must fit the personality's scratch");
  StorageRequest& r = current_request(p);
  memset(static_cast<void*>(&r), 0, sizeof r);
  r.kind = kind;
  r.cred_uid = p.uid;
  r.cred_gid = p.gid;
  r.pid = p.pid;
  r.follow = true;
  r.times_now = true;
  r.dir = r.dir2 = p.cwd_ino;
  return r;
}

SysResult<uint64_t> start_dir(Personality& p, int dirfd) {
  if (dirfd == kAtFdcwd) return p.cwd_ino;
  FdEntry* e = p.fd(dirfd);
  if (!e) return fail(EBADF);
  if (e->file->kind != FileKind::kDirectory) return fail(ENOTDIR);
  return e->file->ino;
}

SysResult<size_t> copy_path(Personality& p, uint64_t addr, char* dst, bool allow_empty) {
  auto s = p.mem().read_string(addr, 4096);
  if (!s) return Err{s.error()};
  if (s->empty() && !allow_empty) return fail(ENOENT);
  memcpy(dst, s->c_str(), s->size() + 1);
  return s->size();
}

SysResult<void> put_path(Personality& p, StorageRequest& r, int dirfd, uint64_t addr, bool second) {
  char* dst = second ? r.path2 : r.path;
  size_t n = PSX_TRY(copy_path(p, addr, dst));
  // A relative path needs a real starting directory; an absolute one ignores it
  // (but Linux still checks dirfd only when the path is relative).
  if (dst[0] != '/' || n == 0) {
    uint64_t dir = PSX_TRY(start_dir(p, dirfd));
    (second ? r.dir2 : r.dir) = dir;
  }
  return {};
}

Outcome reply_result(Personality&, Call&, const Message& reply) { return Outcome::done(reply.arg[0]); }

Outcome send_request(Personality& p, Call& c, Continuation k) {
  return p.request(c, kStorageAddress, kStorageRequest, p.scratch_buf(sizeof(StorageRequest)),
                   k ? k : reply_result);
}

void release_inode(Personality& p, uint64_t ino) {
  Message m;
  m.dst = kStorageAddress;
  m.src = p.address();
  m.op = kStorageRelease;
  m.arg[0] = int64_t(ino);
  p.kernel().send(m);
}

SysResult<OpenFile*> open_file(Personality& p, int fd) {
  FdEntry* e = p.fd(fd);
  if (!e) return fail(EBADF);
  return e->file.get();
}

}  // namespace psx
