#include "kernelprocs/storage_process.h"

#include <cstring>

#include "kernelprocs/device.h"
#include "vfs/store_errno.h"

namespace psx {
namespace {

// The worker hands a finished mutation back to the kernel thread with one of these.
struct Finished {
  Message request;
  int64_t result = 0;
  uint64_t ino = 0;
  vfs::Stat stat{};
  bool has_stat = false;
  int64_t arg1 = 0, arg2 = 0;
};

vfs::Caller caller_of(const StorageRequest& r, const Message& m) {
  vfs::Caller c;
  c.cred.uid = r.cred_uid;
  c.cred.gid = r.cred_gid;
  c.pid = int32_t(m.src.way);
  return c;
}

// Write messages carry the writer's ids in arg[2]: uid << 32 | gid << 1 | append.
vfs::Caller writer_of(const Message& m) {
  vfs::Caller c;
  c.cred.uid = uint32_t(uint64_t(m.arg[2]) >> 32);
  c.cred.gid = uint32_t((uint64_t(m.arg[2]) & 0xffffffffu) >> 1);
  c.pid = int32_t(m.src.way);
  return c;
}

int64_t err_of(const Errno& e) { return -int64_t(e.value); }

// On the commit worker: hand the finished operation to the kernel thread,
// which answers the requester (kStorageReplyPosted).
void post_finished(Kernel* k, Finished* fin) {
  Message back;
  back.dst = kStorageAddress;
  back.src = kStorageAddress;
  back.op = kStorageReplyPosted;
  back.arg[0] = int64_t(reinterpret_cast<uintptr_t>(fin));
  k->post(back);
}

// struct linux_dirent64: the same layout on x86-64 and riscv32.
size_t put_dirent(uint8_t* out, size_t room, const vfs::DirEntry& e) {
  size_t reclen = (19 + e.name.size() + 1 + 7) & ~size_t(7);
  if (reclen > room) return 0;
  uint64_t ino = e.ino;
  int64_t off = e.d_off;
  uint16_t rl = uint16_t(reclen);
  memcpy(out, &ino, 8);
  memcpy(out + 8, &off, 8);
  memcpy(out + 16, &rl, 2);
  out[18] = e.d_type;
  memcpy(out + 19, e.name.data(), e.name.size());
  memset(out + 19 + e.name.size(), 0, reclen - 19 - e.name.size());
  return reclen;
}

}  // namespace

StorageProcess::StorageProcess(std::unique_ptr<storage::Store> store, Kernel& k)
    : kernel_(k), store_(std::move(store)), fs_(*store_) {
  queue_ = std::make_unique<storage::CommitQueue>(*store_);
}

StorageProcess::~StorageProcess() {
  queue_.reset();  // finishes and syncs what is queued
}

void StorageProcess::mutate(Kernel& k, const Message& m, std::function<SysResult<int64_t>(storage::WriteTxn&)> body) {
  auto* fin = new Finished{m};
  Kernel* kp = &k;
  storage::submit_op(
      *queue_, [body = std::move(body)](storage::WriteTxn& t) { return body(t); },
      [fin, kp](SysResult<int64_t> r) {
        fin->result = r.ok() ? *r : err_of(r.error());
        post_finished(kp, fin);
      },
      [](const storage::StoreError& e) { return vfs::to_errno(e); });
}

SysResult<std::vector<uint8_t>> StorageProcess::read_whole(const vfs::Caller& who, vfs::Ino dir,
                                                           const std::string& path) {
  auto t = store_->begin_read();
  if (!t) return Err{vfs::to_errno(t.error())};
  auto st = fs_.stat(*t, who, dir, path, true);
  if (!st) return Err{st.error()};
  if (st->is_dir()) return fail(EISDIR);
  if (!st->is_regular()) return fail(EACCES);
  // As execve: the caller needs execute permission (root: any x bit).
  auto x = fs_.access(*t, who, dir, path, vfs::kMayExec, true);
  if (!x) return Err{x.error()};
  std::vector<uint8_t> bytes(st->size);
  size_t got = 0;
  while (got < bytes.size()) {
    auto n = fs_.read(*t, st->ino, got, std::span(bytes).subspan(got));
    if (!n) return Err{n.error()};
    if (*n == 0) break;
    got += *n;
  }
  bytes.resize(got);
  return bytes;
}

void StorageProcess::on_message(Kernel& k, const Message& m) {
  switch (m.op) {
    case kStorageReplyPosted: {
      std::unique_ptr<Finished> fin(reinterpret_cast<Finished*>(uintptr_t(m.arg[0])));
      const Message& req = fin->request;
      if (req.op == kStorageRequest && (fin->has_stat || fin->ino)) {
        // The requester may have gone; then its buffer no longer maps and the reply is moot.
        auto buf = k.map_buf(req.buf, true);
        if (buf) {
          auto* r = reinterpret_cast<StorageRequest*>(*buf);
          if (fin->has_stat) r->stat = fin->stat;
          r->result_ino = fin->ino;
        }
      }
      Message reply = req.reply(fin->result);
      reply.arg[1] = fin->arg1;
      reply.arg[2] = fin->arg2;
      k.send(reply);
      return;
    }
    case kStorageRequest:
      request(k, m);
      return;
    case kStorageLock:
      return lock(k, m);
    case kOpCancel:  // a signal interrupted a lock wait (F_SETLKW, flock)
      cancel_lock_wait(k, m.src, uint32_t(m.arg[0]));
      return;
    case kStorageLockClose:
      return lock_close(k, m);
    case kStorageRead: {
      auto buf = k.map_buf(m.buf, true);
      if (!buf) return k.send(m.reply(-EFAULT));
      auto t = store_->begin_read();
      if (!t) return k.send(m.reply(err_of(vfs::to_errno(t.error()))));
      auto n = fs_.read(*t, vfs::Ino(m.arg[0]), uint64_t(m.arg[1]), std::span(*buf, m.buf.length));
      if (n) {
        copied_ += *n;
        k.copies().process_bytes += *n;
      }
      return k.send(m.reply(n ? int64_t(*n) : err_of(n.error())));
    }
    case kStorageWrite: {
      auto buf = k.map_buf(m.buf, false);
      if (!buf) return k.send(m.reply(-EFAULT));
      // The bytes go from the guest's buffer straight into the store's reserved
      // space, on the worker; the guest is parked on this call meanwhile.
      std::span<const uint8_t> in(*buf, m.buf.length);
      vfs::Caller who = writer_of(m);
      vfs::Ino ino = vfs::Ino(m.arg[0]);
      uint64_t off = uint64_t(m.arg[1]);
      bool append = m.arg[2] & 1;
      auto* fin = new Finished{m};
      Kernel* kp = &k;
      storage::submit_op(
          *queue_, [this, who, ino, off, in, append](storage::WriteTxn& t) { return fs_.write(t, who, ino, off, in, append); },
          [fin, kp](SysResult<vfs::WriteResult> r) {
            fin->result = r.ok() ? int64_t(r->bytes) : err_of(r.error());
            fin->arg1 = r.ok() ? int64_t(r->end) : 0;
            post_finished(kp, fin);
          },
          [](const storage::StoreError& e) { return vfs::to_errno(e); });
      k.copies().process_bytes += m.buf.length;
      return;
    }
    case kStorageRelease: {
      vfs::Caller who;
      who.pid = int32_t(m.src.way);
      vfs::Ino ino = vfs::Ino(m.arg[0]);
      return mutate(k, m, [this, who, ino](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.release(t, who, ino));
        return int64_t(0);
      });
    }
    case kStorageGetdents: {
      auto buf = k.map_buf(m.buf, true);
      if (!buf) return k.send(m.reply(-EFAULT));
      auto t = store_->begin_read();
      if (!t) return k.send(m.reply(err_of(vfs::to_errno(t.error()))));
      size_t used = 0;
      uint64_t pos = uint64_t(m.arg[1]);
      bool any = false, full = false;
      auto r = fs_.readdir(*t, vfs::Ino(m.arg[0]), pos, [&](const vfs::DirEntry& e) {
        size_t n = put_dirent(*buf + used, m.buf.length - used, e);
        if (!n) {
          full = true;
          return false;
        }
        used += n;
        pos = e.d_off;
        any = true;
        return true;
      });
      if (!r) return k.send(m.reply(err_of(r.error())));
      if (!any && full) return k.send(m.reply(-EINVAL));  // not even one entry fits
      Message rep = m.reply(int64_t(used));
      rep.arg[1] = int64_t(pos);
      return k.send(rep);
    }
    default:
      if (!m.is_reply()) k.send(m.reply(-ENOSYS));
  }
}

void StorageProcess::request(Kernel& k, const Message& m) {
  auto buf = k.map_buf(m.buf, true);
  if (!buf || m.buf.length < sizeof(StorageRequest)) return k.send(m.reply(-EFAULT));
  StorageRequest* r = reinterpret_cast<StorageRequest*>(*buf);
  r->path[sizeof r->path - 1] = 0;
  r->path2[sizeof r->path2 - 1] = 0;
  vfs::Caller who = caller_of(*r, m);
  // Copies for the worker: the request lives in the requester's memory.
  std::string path = r->path, path2 = r->path2;
  vfs::Ino dir = r->dir, dir2 = r->dir2, ino = r->ino;
  uint32_t flags = r->flags, mode = r->mode;
  bool follow = r->follow;

  auto reading = [&](auto&& fn) {
    auto t = store_->begin_read();
    if (!t) return k.send(m.reply(err_of(vfs::to_errno(t.error()))));
    int64_t res = fn(*t);
    k.send(m.reply(res));
  };

  switch (r->kind) {
    case StorageReqKind::kStat:
      return reading([&](storage::Txn& t) -> int64_t {
        auto st = fs_.stat(t, who, dir, path, follow);
        if (!st) return err_of(st.error());
        r->stat = *st;
        return 0;
      });
    case StorageReqKind::kFstat:
      return reading([&](storage::Txn& t) -> int64_t {
        auto st = fs_.fstat(t, ino);
        if (!st) return err_of(st.error());
        r->stat = *st;
        return 0;
      });
    case StorageReqKind::kAccess:
      return reading([&](storage::Txn& t) -> int64_t {
        auto a = fs_.access(t, who, dir, path, int(mode), follow);
        return a ? 0 : err_of(a.error());
      });
    case StorageReqKind::kReadlink:
      return reading([&](storage::Txn& t) -> int64_t {
        auto out = k.map_buf(r->out, true);
        if (!out) return -EFAULT;
        auto n = fs_.readlink(t, who, dir, path, std::span(reinterpret_cast<char*>(*out), r->out.length));
        return n ? int64_t(*n) : err_of(n.error());
      });
    case StorageReqKind::kChdir:
      return reading([&](storage::Txn& t) -> int64_t {
        auto st = fs_.stat(t, who, dir, path, true);
        if (!st) return err_of(st.error());
        if (!st->is_dir()) return -ENOTDIR;
        auto a = fs_.access(t, who, st->ino, ".", vfs::kMayExec, true);
        if (!a) return err_of(a.error());
        r->result_ino = st->ino;
        return 0;
      });
    case StorageReqKind::kPathOf:
      return reading([&](storage::Txn& t) -> int64_t {
        // Walk up through "..", finding each directory's name in its parent.
        // Like Linux's d_path, this needs no permission on the way.
        vfs::Caller root;
        std::string out;
        vfs::Ino cur = ino;
        for (int depth = 0; cur != vfs::kRootIno; depth++) {
          if (depth > 2048) return -ENAMETOOLONG;
          auto parent = fs_.lookup(t, root, cur, "..", false);
          if (!parent) return err_of(parent.error());
          std::string name;
          auto rd = fs_.readdir(t, *parent, 0, [&](const vfs::DirEntry& e) {
            if (e.ino == cur && e.name != "." && e.name != "..") {
              name = std::string(e.name);
              return false;
            }
            return true;
          });
          if (!rd) return err_of(rd.error());
          if (name.empty()) return -ENOENT;  // the directory was removed
          out = "/" + name + out;
          cur = *parent;
        }
        if (out.empty()) out = "/";
        if (out.size() + 1 > sizeof r->path) return -ENAMETOOLONG;
        memcpy(r->path, out.c_str(), out.size() + 1);
        return int64_t(out.size() + 1);
      });
    case StorageReqKind::kStatfs:
      return reading([&](storage::Txn& t) -> int64_t {
        auto s = fs_.statfs(t);
        if (!s) return err_of(s.error());
        r->statfs = *s;
        return 0;
      });
    case StorageReqKind::kOpen: {
      auto* fin = new Finished{m};
      Kernel* kp = &k;
      storage::submit_op(
          *queue_, [this, who, dir, path, flags, mode](storage::WriteTxn& t) { return fs_.open(t, who, dir, path, flags, mode); },
          [fin, kp](SysResult<vfs::OpenResult> res) {
            if (res) {
              fin->ino = res->ino;
              fin->stat = res->stat;
              fin->has_stat = true;
              uint32_t type = res->stat.mode & vfs::kTypeMask;
              ObjectOwner owner = ObjectOwner::kStorage;
              if (type == vfs::kCharDevice || type == vfs::kBlockDevice) owner = ObjectOwner::kDevice;
              if (type == vfs::kFifo) owner = ObjectOwner::kFifo;
              fin->arg1 = int64_t(res->ino);
              fin->arg2 = int64_t(owner);
            }
            fin->result = res ? 0 : err_of(res.error());
            post_finished(kp, fin);
          },
          [](const storage::StoreError& e) { return vfs::to_errno(e); });
      return;
    }
    case StorageReqKind::kMkdir:
      return mutate(k, m, [this, who, dir, path, mode](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY(fs_.mkdir(t, who, dir, path, mode));
        return int64_t(0);
      });
    case StorageReqKind::kMknod: {
      uint64_t rdev = r->rdev;
      return mutate(k, m, [this, who, dir, path, mode, rdev](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY(fs_.mknod(t, who, dir, path, mode, rdev));
        return int64_t(0);
      });
    }
    case StorageReqKind::kUnlink:
      return mutate(k, m, [this, who, dir, path](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.unlink(t, who, dir, path));
        return int64_t(0);
      });
    case StorageReqKind::kRmdir:
      return mutate(k, m, [this, who, dir, path](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.rmdir(t, who, dir, path));
        return int64_t(0);
      });
    case StorageReqKind::kRename:
      return mutate(k, m, [=, this](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.rename(t, who, dir, path, dir2, path2, flags));
        return int64_t(0);
      });
    case StorageReqKind::kLink:
      return mutate(k, m, [=, this](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.link(t, who, dir, path, dir2, path2, follow));
        return int64_t(0);
      });
    case StorageReqKind::kSymlink:
      return mutate(k, m, [=, this](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY(fs_.symlink(t, who, path, dir2, path2));
        return int64_t(0);
      });
    case StorageReqKind::kChmod:
      return mutate(k, m, [=, this](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.chmod(t, who, dir, path, mode, follow));
        return int64_t(0);
      });
    case StorageReqKind::kFchmod:
      return mutate(k, m, [=, this](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.fchmod(t, who, ino, mode));
        return int64_t(0);
      });
    case StorageReqKind::kChown: {
      uint32_t uid = r->uid, gid = r->gid;
      return mutate(k, m, [=, this](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.chown(t, who, dir, path, uid, gid, follow));
        return int64_t(0);
      });
    }
    case StorageReqKind::kFchown: {
      uint32_t uid = r->uid, gid = r->gid;
      return mutate(k, m, [=, this](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.fchown(t, who, ino, uid, gid));
        return int64_t(0);
      });
    }
    case StorageReqKind::kTruncate: {
      int64_t len = r->length;
      return mutate(k, m, [=, this](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.truncate(t, who, dir, path, len));
        return int64_t(0);
      });
    }
    case StorageReqKind::kFtruncate: {
      int64_t len = r->length;
      return mutate(k, m, [=, this](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.ftruncate(t, who, ino, len));
        return int64_t(0);
      });
    }
    case StorageReqKind::kFallocate: {
      int64_t off = r->offset, len = r->length;
      int fmode = int(mode);
      return mutate(k, m, [=, this](storage::WriteTxn& t) -> SysResult<int64_t> {
        PSX_TRY_VOID(fs_.fallocate(t, who, ino, fmode, off, len));
        return int64_t(0);
      });
    }
    case StorageReqKind::kUtimens:
    case StorageReqKind::kFutimens: {
      bool now = r->times_now;
      vfs::TimeSpec times[2] = {r->times[0], r->times[1]};
      bool by_path = r->kind == StorageReqKind::kUtimens;
      return mutate(k, m, [=, this](storage::WriteTxn& t) -> SysResult<int64_t> {
        const vfs::TimeSpec* ts = now ? nullptr : times;
        if (by_path)
          PSX_TRY_VOID(fs_.utimens(t, who, dir, path, ts, follow));
        else
          PSX_TRY_VOID(fs_.futimens(t, who, ino, ts));
        return int64_t(0);
      });
    }
    case StorageReqKind::kSync: {
      auto* fin = new Finished{m};
      Kernel* kp = &k;
      queue_->sync([fin, kp](const storage::StoreResult<void>& res) {
        fin->result = res ? 0 : err_of(vfs::to_errno(res.error()));
        post_finished(kp, fin);
      });
      return;
    }
  }
  k.send(m.reply(-ENOSYS));
}

SysResult<void> populate_new_store(storage::Store& store) {
  vfs::Fs fs(store);
  vfs::Caller root;
  struct Node {
    const char* path;
    uint32_t mode;
    uint64_t rdev;
  };
  const Node nodes[] = {
      {"/dev", vfs::kDirectory | 0755, 0},
      {"/dev/null", vfs::kCharDevice | 0666, kDevNull},
      {"/dev/zero", vfs::kCharDevice | 0666, kDevZero},
      {"/dev/full", vfs::kCharDevice | 0666, kDevFull},
      {"/dev/random", vfs::kCharDevice | 0666, kDevRandom},
      {"/dev/urandom", vfs::kCharDevice | 0666, kDevUrandom},
      {"/tmp", vfs::kDirectory | 01777, 0},
      {"/var", vfs::kDirectory | 0755, 0},
      {"/var/tmp", vfs::kDirectory | 01777, 0},
      {"/bin", vfs::kDirectory | 0755, 0},
      {"/usr", vfs::kDirectory | 0755, 0},
      {"/usr/bin", vfs::kDirectory | 0755, 0},
      {"/etc", vfs::kDirectory | 0755, 0},
      {"/home", vfs::kDirectory | 0755, 0},
      {"/root", vfs::kDirectory | 0700, 0},
  };
  for (const Node& n : nodes) {
    auto r = vfs::run_update(store, [&](storage::WriteTxn& t) -> SysResult<void> {
      auto st = fs.stat(t, root, vfs::kRootIno, n.path, false);
      if (st) return {};  // already there
      if ((n.mode & vfs::kTypeMask) == vfs::kDirectory) {
        PSX_TRY(fs.mkdir(t, root, vfs::kRootIno, n.path, n.mode & vfs::kPermMask));
        if (n.mode & vfs::kSticky) PSX_TRY_VOID(fs.chmod(t, root, vfs::kRootIno, n.path, n.mode & vfs::kPermMask, true));
      } else {
        PSX_TRY(fs.mknod(t, root, vfs::kRootIno, n.path, n.mode, n.rdev));
      }
      return {};
    });
    if (!r) return Err{r.error()};
  }
  return {};
}

}  // namespace psx
