// /proc for the calls that name files (see syscalls/procfs.h): routing a path
// to proc, to the store or to a descriptor, and the caller's own fd/, fd/N,
// cwd, exe and cmdline, served from its personality.
// Partial: a /proc/self/fd/N opened again shares the open file description
// (as BSD's /dev/fd does; Linux opens a new one); what fd/N shows of a store
// file that is not a directory is "anon_inode:[psx-store-inode-INO]" (the
// description does not keep its path); other processes' fd/, cwd, and
// following their exe answer EACCES.
#include "syscalls/procfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "kernelprocs/console.h"
#include "kernelprocs/device.h"
#include "kernelprocs/proc.h"
#include "kernelprocs/procfs.h"
#include "syscalls/path_request.h"

namespace psx {
namespace {

// Where a path leads.
struct Target {
  enum Kind { kStore, kRedirect, kFd, kNode, kError } kind = kStore;
  int err = 0;
  uint64_t dir = 0;  // kRedirect: go on in the store from dir with path
  std::string path;  // kRedirect; kNode: the absolute /proc path for proc
  int fd = -1;       // kFd: the caller's descriptor
  ProcPath node;     // kNode
  bool local = false;  // kNode: the caller's own fd/, fd/N, cwd or exe
};

Target error(int e) {
  Target t;
  t.kind = Target::kError;
  t.err = e;
  return t;
}
Target redirect(uint64_t dir, std::string path) {
  Target t;
  t.kind = Target::kRedirect;
  t.dir = dir;
  t.path = std::move(path);
  return t;
}

Target route(Personality& p, int dirfd, const char* path, bool follow) {
  std::string full;
  if (path[0] == '/') {
    if (!is_proc_path(path)) return {};
    full = path;
  } else {
    FdEntry* e = dirfd == kAtFdcwd || !path[0] ? nullptr : p.fd(dirfd);
    if (!e || !procfs_owns(*e->file)) return {};
    uint64_t obj = e->file->object;
    full = proc_node_path(proc_object_node(obj), proc_object_pid(obj)) + "/" + path;
  }
  auto pp = parse_proc_path(full, p.pid);
  if (!pp) return error(pp.error().value);
  if (pp->node == ProcNode::kNone) return redirect(vfs::kRootIno, pp->rest);  // ".." left /proc
  Target t;
  t.kind = Target::kNode;
  t.path = full;
  t.node = *pp;
  if (pp->pid != p.pid) return t;
  switch (pp->node) {
    case ProcNode::kCwd:
      if (!pp->rest.empty()) return redirect(p.cwd_ino, pp->rest);
      if (follow) return redirect(p.cwd_ino, ".");
      t.local = true;
      return t;
    case ProcNode::kFdLink: {
      FdEntry* e = p.fd(pp->fd);
      if (!e) return error(ENOENT);
      if (!pp->rest.empty()) {
        const OpenFile& f = *e->file;
        if (f.owner == kStorageAddress && f.kind == FileKind::kDirectory) return redirect(f.ino, pp->rest);
        return error(ENOTDIR);
      }
      if (follow) {
        Target fd;
        fd.kind = Target::kFd;
        fd.fd = pp->fd;
        return fd;
      }
      t.local = true;
      return t;
    }
    case ProcNode::kExe:
      if (p.exe.empty()) return t;  // proc may know it
      if (follow) return redirect(vfs::kRootIno, p.exe);
      t.local = true;
      return t;
    case ProcNode::kFdDir:
      t.local = true;
      return t;
    default:
      return t;
  }
}

// Points r at the store target of a redirect.
std::optional<Outcome> apply(StorageRequest& r, const Target& t) {
  if (t.path.size() >= sizeof r.path) return Outcome::error(ENAMETOOLONG);
  memcpy(r.path, t.path.c_str(), t.path.size() + 1);
  r.dir = t.dir;
  return std::nullopt;
}

ObjectStat local_stat(Personality& p, const ProcPath& n) {
  uint32_t access = 0;
  if (n.node == ProcNode::kFdLink)
    if (FdEntry* e = p.fd(n.fd)) access = e->file->status_flags & O_ACCMODE;
  return proc_node_stat(n.node, n.pid, n.fd, p.uid, p.gid, time(nullptr), access);
}

// Lays out a ProcFsRequest for path in the scratch buffer and sends it.
Outcome ask_proc(Personality& p, Call& c, ProcFsKind kind, const std::string& path, bool follow, BufRef out,
                 Continuation k) {
  static_assert(sizeof(ProcFsRequest) <= 16384, "the request must fit the personality's scratch");
  ProcFsRequest& q = *reinterpret_cast<ProcFsRequest*>(p.scratch());
  memset(static_cast<void*>(&q), 0, sizeof q);
  q.kind = kind;
  q.caller = p.pid;
  q.uid = p.uid;
  q.gid = p.gid;
  q.follow = follow;
  q.out = out;
  if (path.size() >= sizeof q.path) return Outcome::error(ENAMETOOLONG);
  memcpy(q.path, path.c_str(), path.size() + 1);
  return p.request(c, Proc::kAddress, kProcFs, p.scratch_buf(sizeof q), k);
}

const ProcFsRequest& answer(Personality& p) { return *reinterpret_cast<const ProcFsRequest*>(p.scratch()); }

// ---- open ----

constexpr uint32_t kKeptFlags = O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | O_NOATIME |
                                O_ASYNC | O_LARGEFILE;

// st[0] = the guest's open flags.
Outcome open_node(Personality& p, Call& c, const ObjectStat& st, uint64_t object) {
  uint32_t flags = uint32_t(c.st[0]);
  bool dir = S_ISDIR(st.mode);
  if (S_ISLNK(st.mode)) return Outcome::error(ELOOP);  // O_NOFOLLOW on a link
  if ((flags & O_CREAT) && (flags & O_EXCL)) return Outcome::error(EEXIST);
  if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT)))
    return Outcome::error(dir ? EISDIR : EACCES);  // /proc's files are read-only here
  if ((flags & O_DIRECTORY) && !dir) return Outcome::error(ENOTDIR);
  if (!proc_may(st, p.uid, p.gid, R_OK)) return Outcome::error(EACCES);
  auto f = std::make_shared<OpenFile>();
  f->owner = Proc::kAddress;
  f->object = object;
  f->kind = dir ? FileKind::kDirectory : FileKind::kRegular;
  f->status_flags = (flags & kKeptFlags) | (c.wide() ? O_LARGEFILE : 0);
  auto fd = p.install_fd(FdEntry{f, bool(flags & O_CLOEXEC)});
  if (!fd) return Outcome::error(fd.error().value);
  return Outcome::done(*fd);
}

Outcome proc_opened(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  ObjectStat st = answer(p).stat;
  return open_node(p, c, st, answer(p).object);
}

// ---- readlink ----

std::string device_name(uint64_t rdev) {
  if (rdev == kDevNull) return "/dev/null";
  if (rdev == kDevZero) return "/dev/zero";
  if (rdev == kDevFull) return "/dev/full";
  if (rdev == kDevRandom) return "/dev/random";
  if (rdev == kDevUrandom) return "/dev/urandom";
  return "/dev/char/" + std::to_string(rdev);
}

// What /proc/self/fd/N shows, or nullopt for a store directory (its path is asked of the store).
std::optional<std::string> fd_text(const OpenFile& f) {
  if (f.owner == Console::kAddress) {
    // The host's own descriptor: the same terminal, pipe or file the guest would see natively.
    char buf[4096];
    std::string host = "/proc/self/fd/" + std::to_string(f.object);
    ssize_t n = readlink(host.c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, size_t(n)) : std::string("/dev/console");
  }
  if (f.kind == FileKind::kPipe) return "pipe:[" + std::to_string(f.object) + "]";
  if (f.owner == Device::kAddress) return device_name(f.object);
  if (f.owner == Proc::kAddress) return proc_node_path(proc_object_node(f.object), proc_object_pid(f.object));
  if (f.owner == kStorageAddress && f.kind == FileKind::kDirectory) return std::nullopt;
  if (f.owner == kStorageAddress) return "anon_inode:[psx-store-inode-" + std::to_string(f.ino) + "]";
  return std::string("anon_inode:[unknown]");
}

// st[2] = the guest's buffer, st[3] = its size.
Outcome put_link(Personality& p, Call& c, const std::string& text) {
  size_t n = std::min<size_t>(text.size(), c.st[3]);
  auto h = p.mem().translate(c.st[2], n, true);
  if (!h) return Outcome::error(EFAULT);
  memcpy(*h, text.data(), n);
  return Outcome::done(int64_t(n));
}

Outcome path_known(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  // The store answers as for getcwd: the length counts the NUL.
  const char* path = current_request(p).path;
  return put_link(p, c, std::string(path, strnlen(path, sizeof current_request(p).path)));
}

Outcome path_of(Personality& p, Call& c, uint64_t ino) {
  StorageRequest& r = new_request(p, StorageReqKind::kPathOf);
  r.ino = ino;
  return send_request(p, c, path_known);
}

// ---- access ----

// st[4] = the access mode asked.
Outcome check_access(Personality& p, Call& c, const ObjectStat& st) {
  return proc_may(st, p.uid, p.gid, int(c.st[4])) ? Outcome::done(0) : Outcome::error(EACCES);
}
Outcome proc_looked_up(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  ObjectStat st = answer(p).stat;
  return check_access(p, c, st);
}

// ---- getdents ----

Outcome dents_done(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] >= 0)
    if (FdEntry* e = p.fd(c.i(0))) e->file->offset = uint64_t(reply.arg[1]);
  return Outcome::done(reply.arg[0]);
}

}  // namespace

bool procfs_owns(const OpenFile& f) { return f.owner == Proc::kAddress; }

Outcome procfs_read(Personality& p, Call& c, const OpenFile& f, BufRef buf, uint64_t pos, Continuation done) {
  if (proc_object_pid(f.object) != p.pid || proc_object_node(f.object) != ProcNode::kCmdline)
    return p.request(c, f.owner, kProcFsRead, buf, done, int64_t(f.object), int64_t(pos));
  std::string text;
  for (const std::string& a : p.cmdline) text.append(a.c_str(), a.size() + 1);
  size_t n = pos < text.size() ? std::min<size_t>(text.size() - pos, buf.length) : 0;
  auto h = p.mem().translate(buf.address, n, true);
  if (!h) return Outcome::error(EFAULT);
  if (n) memcpy(*h, text.data() + pos, n);
  p.kernel().copies().process_bytes += n;
  return done(p, c, Message{}.reply(int64_t(n)));
}

std::optional<std::string> proc_self_exe(Personality& p, int dirfd, const std::string& path) {
  if (p.exe.empty()) return std::nullopt;
  Target t = route(p, dirfd, path.c_str(), true);
  if (t.kind == Target::kRedirect && t.path == p.exe) return p.exe;
  return std::nullopt;
}

std::optional<Outcome> procfs_open(Personality& p, Call& c, StorageRequest& r, int dirfd, uint32_t flags) {
  Target t = route(p, dirfd, r.path, !(flags & O_NOFOLLOW));
  switch (t.kind) {
    case Target::kStore: return std::nullopt;
    case Target::kRedirect: return apply(r, t);
    case Target::kError: return Outcome::error(t.err);
    case Target::kFd: {
      // The same open file description, under a new number.
      FdEntry* e = p.fd(t.fd);
      if ((flags & O_DIRECTORY) && e->file->kind != FileKind::kDirectory) return Outcome::error(ENOTDIR);
      auto fd = p.install_fd(FdEntry{e->file, bool(flags & O_CLOEXEC)});
      if (!fd) return Outcome::error(fd.error().value);
      return Outcome::done(*fd);
    }
    case Target::kNode: break;
  }
  c.st[0] = flags;
  if (t.local) {
    const ProcPath& n = t.node;
    return open_node(p, c, local_stat(p, n), proc_object(n.node, n.pid, n.node == ProcNode::kFdLink ? n.fd : 0));
  }
  return ask_proc(p, c, ProcFsKind::kLookup, t.path, !(flags & O_NOFOLLOW), BufRef{}, proc_opened);
}

std::optional<Outcome> procfs_stat(Personality& p, Call& c, StorageRequest& r, int dirfd, bool follow,
                                   StatFd stat_fd, Continuation deliver) {
  Target t = route(p, dirfd, r.path, follow);
  switch (t.kind) {
    case Target::kStore: return std::nullopt;
    case Target::kRedirect: return apply(r, t);
    case Target::kError: return Outcome::error(t.err);
    case Target::kFd: return stat_fd(p, c, t.fd);
    case Target::kNode: break;
  }
  if (t.local) {
    ObjectStat st = local_stat(p, t.node);
    memcpy(p.scratch(), &st, sizeof st);
    return deliver(p, c, Message{}.reply(0));
  }
  return ask_proc(p, c, ProcFsKind::kLookup, t.path, follow, BufRef{}, deliver);
}

std::optional<Outcome> procfs_access(Personality& p, Call& c, StorageRequest& r, int dirfd, int mode, bool follow) {
  Target t = route(p, dirfd, r.path, follow);
  c.st[4] = uint64_t(mode);
  switch (t.kind) {
    case Target::kStore: return std::nullopt;
    case Target::kRedirect: return apply(r, t);
    case Target::kError: return Outcome::error(t.err);
    case Target::kFd: {
      // Judged by the description's access mode (the object's own bits are not asked).
      uint32_t acc = p.fd(t.fd)->file->status_flags & O_ACCMODE;
      if (((mode & R_OK) && acc == O_WRONLY) || ((mode & W_OK) && acc == O_RDONLY) || (mode & X_OK))
        return Outcome::error(EACCES);
      return Outcome::done(0);
    }
    case Target::kNode: break;
  }
  if (t.local) return check_access(p, c, local_stat(p, t.node));
  return ask_proc(p, c, ProcFsKind::kLookup, t.path, follow, BufRef{}, proc_looked_up);
}

std::optional<Outcome> procfs_readlink(Personality& p, Call& c, StorageRequest& r, int dirfd) {
  Target t = route(p, dirfd, r.path, false);
  switch (t.kind) {
    case Target::kStore: return std::nullopt;
    case Target::kRedirect: return apply(r, t);
    case Target::kError: return Outcome::error(t.err);
    case Target::kFd: return Outcome::error(EINVAL);  // not reached: links are not followed here
    case Target::kNode: break;
  }
  BufRef out = r.out;
  c.st[2] = out.address;
  c.st[3] = out.length;
  if (!t.local) return ask_proc(p, c, ProcFsKind::kReadlink, t.path, false, out, reply_result);
  switch (t.node.node) {
    case ProcNode::kExe: return put_link(p, c, p.exe);
    case ProcNode::kCwd: return path_of(p, c, p.cwd_ino);
    case ProcNode::kFdLink: {
      const OpenFile& f = *p.fd(t.node.fd)->file;
      if (auto text = fd_text(f)) return put_link(p, c, *text);
      return path_of(p, c, f.ino);
    }
    default: return Outcome::error(EINVAL);
  }
}

Outcome procfs_fstat(Personality& p, Call& c, const OpenFile& f, Continuation deliver) {
  ProcNode node = proc_object_node(f.object);
  int pid = proc_object_pid(f.object);
  if (pid == p.pid && node == ProcNode::kFdDir) {
    ObjectStat st = local_stat(p, ProcPath{node, pid, -1, {}});
    memcpy(p.scratch(), &st, sizeof st);
    return deliver(p, c, Message{}.reply(0));
  }
  return ask_proc(p, c, ProcFsKind::kLookup, proc_node_path(node, pid), false, BufRef{}, deliver);
}

Outcome procfs_getdents(Personality& p, Call& c, OpenFile& f) {
  uint64_t len = std::min<uint64_t>(c.ul(2), 1 << 20);
  auto h = p.mem().translate(c.ptr(1), len, true);
  if (!h) return Outcome::error(EFAULT);
  ProcNode node = proc_object_node(f.object);
  int pid = proc_object_pid(f.object);
  if (node != ProcNode::kFdDir || pid != p.pid)
    return p.request(c, Proc::kAddress, kProcFsGetdents, p.guest_buf(c.ptr(1), len), dents_done, int64_t(f.object),
                     int64_t(f.offset));
  // The caller's own descriptors.
  constexpr uint8_t kDtLnk = 10;
  std::vector<ProcDirent> all = proc_fixed_entries(node, pid);
  for (size_t n = 0; n < p.fds.size(); n++)
    if (p.fds[n].file) all.push_back({proc_object(ProcNode::kFdLink, pid, int(n)), kDtLnk, std::to_string(n)});
  uint64_t pos = f.offset;
  int64_t n = put_dirents(all, pos, *h, len);
  if (n >= 0) f.offset = pos;
  return Outcome::done(n);
}

}  // namespace psx
