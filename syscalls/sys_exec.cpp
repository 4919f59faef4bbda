// execve, execveat: the program comes from the store (the file must be
// executable by the caller; `#!` scripts name their interpreter, also in the
// store; /proc/self/exe is the running program). Its bytes are read through
// the storage process into a buffer of the call's own, then the Subsystem
// loads them into a new memory object and starts a new guest host process
// for the same personality: pid, descriptors (less close-on-exec ones),
// ignored signals, the mask and pending signals stay; handlers reset.
#include <fcntl.h>

#include <cstring>

#include "kernelprocs/proc.h"
#include "subsystem/launcher.h"
#include "syscalls/path_request.h"
#include "syscalls/procfs.h"

namespace psx {
namespace {

constexpr uint64_t kMaxArgBytes = 2u << 20;  // argv + envp (Linux: a quarter of the stack limit)
constexpr uint64_t kMaxProgram = 256u << 20;
constexpr uint64_t kChunk = 1u << 20;
constexpr int kMaxInterpreters = 4;

// The program's bytes, as a memory space the storage process can write into.
struct ExecState : MemorySpace {
  ExecImage img;
  std::vector<uint8_t> bytes;
  std::string path;         // what is being read now
  int depth = 0;
  uint64_t ino = 0, size = 0, done = 0;
  uint32_t space = 0;
  Kernel* kernel = nullptr;
  ~ExecState() override {
    if (space && kernel) kernel->remove_space(space);
  }
  SysResult<uint8_t*> translate(uint64_t addr, uint64_t len, bool) override {
    if (addr > bytes.size() || len > bytes.size() - addr) return fail(EFAULT);
    return bytes.data() + addr;
  }
};

ExecState& state(Personality& p) { return *static_cast<ExecState*>(p.thread().call_state.get()); }

// The guest's argv or envp array: pointers of the ABI's width, NUL-terminated strings.
SysResult<std::vector<std::string>> read_vector(Personality& p, const Call& c, uint64_t addr, uint64_t& total) {
  std::vector<std::string> out;
  if (!addr) return out;
  uint64_t w = c.wide() ? 8 : 4;
  for (uint64_t i = 0;; i++) {
    auto h = p.mem().translate(addr + i * w, w, false);
    if (!h) return fail(EFAULT);
    uint64_t ptr = 0;
    memcpy(&ptr, *h, w);
    if (!ptr) break;
    auto s = p.mem().read_string(ptr, 128 * 1024);
    if (!s) return fail(s.error().value == ENAMETOOLONG ? E2BIG : s.error().value);
    total += s->size() + 1 + w;
    if (total > kMaxArgBytes) return fail(E2BIG);
    out.push_back(std::move(*s));
  }
  return out;
}

Outcome read_program(Personality& p, Call& c);

Outcome released_and_loaded(Personality& p, Call& c) {
  ExecState& x = state(p);
  // A script: its interpreter runs with the script's path as an argument.
  if (x.bytes.size() >= 2 && x.bytes[0] == '#' && x.bytes[1] == '!') {
    if (++x.depth > kMaxInterpreters) return Outcome::error(ELOOP);
    size_t end = 2;
    while (end < x.bytes.size() && end < 256 && x.bytes[end] != '\n') end++;
    std::string line(x.bytes.begin() + 2, x.bytes.begin() + long(end));
    size_t a = line.find_first_not_of(" \t");
    if (a == std::string::npos) return Outcome::error(ENOEXEC);
    size_t b = line.find_first_of(" \t", a);
    std::string interp = line.substr(a, b == std::string::npos ? std::string::npos : b - a);
    std::string arg;
    if (b != std::string::npos) {
      size_t s = line.find_first_not_of(" \t", b);
      if (s != std::string::npos) {
        size_t e = line.find_last_not_of(" \t\r");
        arg = line.substr(s, e - s + 1);
      }
    }
    std::vector<std::string> argv{interp};
    if (!arg.empty()) argv.push_back(arg);
    argv.push_back(x.path);
    for (size_t i = 1; i < x.img.argv.size(); i++) argv.push_back(x.img.argv[i]);
    x.img.argv = std::move(argv);
    x.path = interp;
    return read_program(p, c);
  }
  x.img.program = std::move(x.bytes);
  x.img.path = x.path;
  // The thread (and this state with it) goes away inside exec: take the image.
  ExecImage img = std::move(x.img);
  // Past this point the old image is gone: a load failure is answered before it.
  auto r = p.subsystem().exec(p, img);
  if (!r) return Outcome::error(r.error().err ? r.error().err : ENOEXEC);
  // The calling thread (and every other) is gone; nothing answers this call.
  return Outcome::parked();
}

Outcome chunk_read(Personality& p, Call& c, const Message& reply);

Outcome next_chunk(Personality& p, Call& c) {
  ExecState& x = state(p);
  if (x.done >= x.size) {
    release_inode(p, x.ino);
    x.ino = 0;
    return released_and_loaded(p, c);
  }
  uint64_t n = std::min(kChunk, x.size - x.done);
  return p.request(c, kStorageAddress, kStorageRead, BufRef{x.done, uint32_t(n), x.space}, chunk_read,
                   int64_t(x.ino), int64_t(x.done));
}

Outcome read_failed(Personality& p, int e) {
  ExecState& x = state(p);
  if (x.ino) {
    release_inode(p, x.ino);
    x.ino = 0;
  }
  return Outcome::error(e);
}

Outcome chunk_read(Personality& p, Call& c, const Message& reply) {
  ExecState& x = state(p);
  if (reply.arg[0] < 0) return read_failed(p, int(-reply.arg[0]));
  if (reply.arg[0] == 0) {  // shorter than its size said: take what there is
    x.bytes.resize(x.done);
    x.size = x.done;
  }
  x.done += uint64_t(reply.arg[0]);
  return next_chunk(p, c);
}

Outcome opened(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  StorageRequest& r = current_request(p);
  ExecState& x = state(p);
  x.ino = r.result_ino;
  if ((r.stat.mode & vfs::kTypeMask) != vfs::kRegular) return read_failed(p, EACCES);
  if (r.stat.size > kMaxProgram) return read_failed(p, ENOMEM);
  x.size = r.stat.size;
  x.done = 0;
  x.bytes.assign(x.size, 0);
  return next_chunk(p, c);
}

Outcome may_execute(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  ExecState& x = state(p);
  StorageRequest& r = new_request(p, StorageReqKind::kOpen);
  snprintf(r.path, sizeof r.path, "%s", x.path.c_str());
  r.flags = O_RDONLY;
  return send_request(p, c, opened);
}

// Reads x.path from the store (execute permission first).
Outcome read_program(Personality& p, Call& c) {
  ExecState& x = state(p);
  if (x.path.size() >= vfs::kPathMax) return Outcome::error(ENAMETOOLONG);
  StorageRequest& r = new_request(p, StorageReqKind::kAccess);
  if (c.st[0]) r.dir = c.st[0];  // execveat's directory for a relative path
  snprintf(r.path, sizeof r.path, "%s", x.path.c_str());
  r.mode = vfs::kMayExec;
  return send_request(p, c, may_execute);
}

Outcome start_exec(Personality& p, Call& c, int dirfd, uint64_t path_addr, uint64_t argv_addr, uint64_t envp_addr,
                   int flags) {
  constexpr int kAtEmptyPath = 0x1000, kAtSymlinkNofollow = 0x100;
  if (flags & ~(kAtEmptyPath | kAtSymlinkNofollow)) return Outcome::error(EINVAL);
  auto path = p.mem().read_string(path_addr, vfs::kPathMax);
  if (!path) return Outcome::error(path.error().value);
  if (path->empty()) return Outcome::error((flags & kAtEmptyPath) ? EINVAL : ENOENT);
  uint64_t total = 0;
  auto argv = read_vector(p, c, argv_addr, total);
  if (!argv) return Outcome::error(argv.error().value);
  auto envp = read_vector(p, c, envp_addr, total);
  if (!envp) return Outcome::error(envp.error().value);
  auto x = std::make_shared<ExecState>();
  x->kernel = &p.kernel();
  x->space = p.kernel().add_space(x.get());
  x->path = *path;
  // The running program, by the name BusyBox re-executes itself with
  // (/proc/self/exe, /proc/PID/exe and their spellings).
  if (auto self = proc_self_exe(p, dirfd, *path)) x->path = *self;
  x->img.execfn = *path;
  x->img.argv = std::move(*argv);
  x->img.envp = std::move(*envp);
  c.st[0] = 0;
  if ((*path)[0] != '/' && dirfd != kAtFdcwd) {
    auto dir = start_dir(p, dirfd);
    if (!dir) return Outcome::error(dir.error().value);
    c.st[0] = *dir;
  }
  p.thread().call_state = x;
  return read_program(p, c);
}

}  // namespace

Outcome sys_execve(Personality& p, Call& c) { return start_exec(p, c, kAtFdcwd, c.ptr(0), c.ptr(1), c.ptr(2), 0); }

Outcome sys_execveat(Personality& p, Call& c) {
  return start_exec(p, c, c.i(0), c.ptr(1), c.ptr(2), c.ptr(3), c.i(4));
}

}  // namespace psx
