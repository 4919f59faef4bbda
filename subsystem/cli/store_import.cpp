// psx store import HOSTDIR DIR: copies a host tree into the store through vfs.
//
// The host tree is walked first (nothing is written if that fails), into a
// list of steps in pre-order: a directory, its entries, then the step that
// gives the directory its final owner, mode and times (adding entries changes
// a directory's mtime, so that comes last). The steps then run in batches,
// each batch one write transaction: not one per file (slow: a commit per
// file) and not one for the whole tree (LMDB keeps every dirty page of a
// transaction in memory). A large file is split into pieces so that no batch
// carries more than kBatchBytes of file range. If a batch fails, what the
// earlier batches committed stays and the error says how far it got.
//
// Hard links: the first name of a host inode (dev, ino) seen by the walk is
// copied; every later name becomes a vfs link to it, so the link structure
// survives. Holes: only the data extents that SEEK_DATA/SEEK_HOLE report are
// written; the rest of the size is set by ftruncate and stays a hole.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "subsystem/cli/store_cli.h"
#include "subsystem/cli/store_format.h"
#include "subsystem/cli/store_progress.h"
#include "vfs/run_update.h"

namespace psx::cli::store {
namespace {

constexpr size_t kBatchSteps = 2000;             // steps per transaction at most
constexpr uint64_t kBatchBytes = 32ull << 20;    // file range per transaction at most
constexpr uint64_t kPieceBytes = 8ull << 20;     // a large file goes in pieces of this size
constexpr size_t kCopyBuffer = 1 << 20;

enum class StepKind { dir, dir_done, file, symlink, node, hardlink };

struct Step {
  StepKind kind;
  std::string host;    // the host path it comes from
  std::string dest;    // its store path
  struct stat st {};   // the host's lstat
  std::string target;  // symlink: its target; hardlink: the store path of the first name
  uint64_t off = 0, len = 0;  // file: this piece's range
  bool first = true, last = true;  // file: first piece creates, last piece sets size and attributes
};

struct Totals {
  uint64_t dirs = 0, files = 0, symlinks = 0, hardlinks = 0, nodes = 0, bytes = 0;
  uint64_t entries() const { return dirs + files + symlinks + hardlinks + nodes; }
};

struct Walk {
  std::vector<Step> steps;
  std::map<std::pair<dev_t, ino_t>, std::string> first_name;  // hard links
  std::vector<std::pair<dev_t, ino_t>> skip;  // the store file and its lock file, if inside the tree
  Totals totals;
  std::string error;  // "HOSTPATH: reason"
};

bool host_fail(Walk& w, const std::string& path) {
  w.error = path + ": " + strerror(errno);
  return false;
}

bool walk(Walk& w, const std::string& host, const std::string& dest, const struct stat& st);

bool walk_dir(Walk& w, const std::string& host, const std::string& dest) {
  DIR* d = opendir(host.c_str());
  if (!d) return host_fail(w, host);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = readdir(d)) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names.push_back(e->d_name);
  }
  int err = errno;
  closedir(d);
  if (err) {
    errno = err;
    return host_fail(w, host);
  }
  std::sort(names.begin(), names.end());  // a stable order: reproducible stores
  for (const std::string& n : names) {
    std::string h = host + "/" + n;
    struct stat st;
    if (lstat(h.c_str(), &st) != 0) return host_fail(w, h);
    if (std::find(w.skip.begin(), w.skip.end(), std::make_pair(st.st_dev, st.st_ino)) != w.skip.end()) continue;
    if (!walk(w, h, join(dest, n), st)) return false;
  }
  return true;
}

bool walk(Walk& w, const std::string& host, const std::string& dest, const struct stat& st) {
  Step s{StepKind::node, host, dest, st, "", 0, 0, true, true};
  switch (st.st_mode & S_IFMT) {
    case S_IFDIR:
      s.kind = StepKind::dir;
      w.steps.push_back(s);
      w.totals.dirs++;
      if (!walk_dir(w, host, dest)) return false;
      s.kind = StepKind::dir_done;
      w.steps.push_back(s);
      return true;
    case S_IFLNK: {
      std::string target(vfs::kPathMax, '\0');
      ssize_t n = readlink(host.c_str(), target.data(), target.size());
      if (n < 0) return host_fail(w, host);
      target.resize(size_t(n));
      s.kind = StepKind::symlink;
      s.target = target;
      w.steps.push_back(s);
      w.totals.symlinks++;
      return true;
    }
    case S_IFREG:
      break;
    default:  // FIFOs, sockets, devices: records only
      if (st.st_nlink > 1) break;
      w.steps.push_back(s);
      w.totals.nodes++;
      return true;
  }
  if (st.st_nlink > 1) {
    auto [it, fresh] = w.first_name.emplace(std::make_pair(st.st_dev, st.st_ino), dest);
    if (!fresh) {
      s.kind = StepKind::hardlink;
      s.target = it->second;
      w.steps.push_back(s);
      w.totals.hardlinks++;
      return true;
    }
    if (!S_ISREG(st.st_mode)) {
      w.steps.push_back(s);
      w.totals.nodes++;
      return true;
    }
  }
  s.kind = StepKind::file;
  uint64_t size = uint64_t(st.st_size);
  uint64_t off = 0;
  do {
    Step p = s;
    p.off = off;
    p.len = std::min(kPieceBytes, size - off);
    p.first = off == 0;
    off += p.len;
    p.last = off >= size;
    w.steps.push_back(p);
  } while (off < size);
  w.totals.files++;
  w.totals.bytes += size;
  return true;
}

// "/t/", "t", "//t" -> "/t"; "/" stays.
std::string normalize(const std::string& p) {
  std::string out = "/";
  size_t i = 0;
  while (i < p.size()) {
    while (i < p.size() && p[i] == '/') i++;
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    if (j > i) out = join(out, p.substr(i, j - i));
    i = j;
  }
  return out;
}

// Runs the steps in a transaction; remembers where it failed.
class Importer {
 public:
  Importer(storage::Store& store) : fs_(store), buf_(kCopyBuffer) {}

  SysResult<void> run(storage::WriteTxn& t, const Step& s) {
    blame_ = s.dest;
    switch (s.kind) {
      case StepKind::dir: return make_dir(t, s);
      case StepKind::dir_done: return attributes(t, s);
      case StepKind::file: return file_piece(t, s);
      case StepKind::symlink:
        PSX_TRY_VOID(clear(t, s.dest));
        PSX_TRY(fs_.symlink(t, who_, s.target, vfs::kRootIno, s.dest));
        return attributes(t, s);
      case StepKind::node:
        PSX_TRY_VOID(clear(t, s.dest));
        PSX_TRY(fs_.mknod(t, who_, vfs::kRootIno, s.dest, s.st.st_mode & (S_IFMT | 0777), uint64_t(s.st.st_rdev)));
        return attributes(t, s);
      case StepKind::hardlink:
        PSX_TRY_VOID(clear(t, s.dest));
        return fs_.link(t, who_, vfs::kRootIno, s.target, vfs::kRootIno, s.dest, false);
    }
    return {};
  }

  // mkdir -p for DIR's parents (0755, root's), before the first batch.
  SysResult<void> parents(storage::WriteTxn& t, const std::string& dir) {
    blame_ = dir;
    for (size_t i = 1; i < dir.size(); i++) {
      if (dir[i] != '/') continue;
      std::string p = dir.substr(0, i);
      auto st = fs_.stat(t, who_, vfs::kRootIno, p, true);
      if (st && !st->is_dir()) return psx::fail(ENOTDIR);
      if (!st && st.error().value != ENOENT) return Err{st.error()};
      if (!st) PSX_TRY(fs_.mkdir(t, who_, vfs::kRootIno, p, 0755));
    }
    return {};
  }

  // An existing directory at DIR is merged into and keeps its own attributes.
  void set_top(const std::string& dest, bool existed) {
    top_ = dest;
    top_existed_ = existed;
  }
  void set_owner_policy(bool keep_host_owner) { keep_owner_ = keep_host_owner; }
  vfs::Fs& fs() { return fs_; }
  const vfs::Caller& who() const { return who_; }
  // The path (store or host) of the last failure.
  const std::string& blame() const { return blame_; }
  uint64_t data_written = 0;  // bytes of data extents written (this attempt)

 private:
  // An existing non-directory at `dest` is replaced, as cp does.
  SysResult<void> clear(storage::WriteTxn& t, const std::string& dest) {
    auto st = fs_.stat(t, who_, vfs::kRootIno, dest, false);
    if (!st) return st.error().value == ENOENT ? SysResult<void>{} : SysResult<void>(Err{st.error()});
    if (st->is_dir()) return psx::fail(EISDIR);
    return fs_.unlink(t, who_, vfs::kRootIno, dest);
  }

  SysResult<void> make_dir(storage::WriteTxn& t, const Step& s) {
    auto st = fs_.stat(t, who_, vfs::kRootIno, s.dest, false);
    if (st && st->is_dir()) return {};  // merge
    if (st) return psx::fail(EEXIST);
    if (st.error().value != ENOENT) return Err{st.error()};
    PSX_TRY(fs_.mkdir(t, who_, vfs::kRootIno, s.dest, s.st.st_mode & 0777));
    return {};
  }

  // Owner first: chown clears set-id bits, as on Linux; then the mode; then
  // the times (everything before changed them).
  SysResult<void> attributes(storage::WriteTxn& t, const Step& s) {
    if (s.kind == StepKind::dir_done && s.dest == top_ && top_existed_) return {};
    uint32_t uid = keep_owner_ ? s.st.st_uid : getuid(), gid = keep_owner_ ? s.st.st_gid : getgid();
    if (uid != 0 || gid != 0) PSX_TRY_VOID(fs_.chown(t, who_, vfs::kRootIno, s.dest, uid, gid, false));
    if (!S_ISLNK(s.st.st_mode)) PSX_TRY_VOID(fs_.chmod(t, who_, vfs::kRootIno, s.dest, s.st.st_mode & 07777, false));
    vfs::TimeSpec times[2] = {{s.st.st_atim.tv_sec, s.st.st_atim.tv_nsec}, {s.st.st_mtim.tv_sec, s.st.st_mtim.tv_nsec}};
    return fs_.utimens(t, who_, vfs::kRootIno, s.dest, times, false);
  }

  SysResult<void> file_piece(storage::WriteTxn& t, const Step& s) {
    vfs::Ino ino;
    if (s.first) {
      PSX_TRY_VOID(clear(t, s.dest));
      ino = PSX_TRY(fs_.mknod(t, who_, vfs::kRootIno, s.dest, vfs::kRegular | (s.st.st_mode & 0777), 0));
    } else {
      ino = PSX_TRY(fs_.lookup(t, who_, vfs::kRootIno, s.dest, false));
    }
    if (s.len) PSX_TRY_VOID(copy_data(t, s, ino));
    if (!s.last) return {};
    PSX_TRY_VOID(fs_.ftruncate(t, who_, ino, s.st.st_size));
    return attributes(t, s);
  }

  // Copies the data extents of [s.off, s.off + s.len); holes stay holes.
  SysResult<void> copy_data(storage::WriteTxn& t, const Step& s, vfs::Ino ino) {
    int fd = ::open(s.host.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return host_error(s);
    uint64_t end = s.off + s.len;
    SysResult<void> r;
    for (uint64_t pos = s.off; pos < end && r.ok();) {
      off_t data = lseek(fd, off_t(pos), SEEK_DATA);
      if (data < 0 && errno == ENXIO) break;  // only a hole is left
      uint64_t from = data < 0 ? pos : uint64_t(data);  // no SEEK_DATA here: copy it all
      if (from >= end) break;
      off_t hole = data < 0 ? off_t(end) : lseek(fd, data, SEEK_HOLE);
      uint64_t to = std::min<uint64_t>(hole < 0 ? end : uint64_t(hole), end);
      for (uint64_t at = from; at < to && r.ok();) {
        ssize_t n = pread(fd, buf_.data(), std::min<uint64_t>(buf_.size(), to - at), off_t(at));
        if (n < 0) {
          r = host_error(s);
          break;
        }
        if (n == 0) {  // the file shrank since the walk: what is left reads as a hole
          to = end;
          break;
        }
        auto w = fs_.write(t, who_, ino, at, {buf_.data(), size_t(n)}, false);
        if (!w) r = Err{w.error()};
        at += uint64_t(n);
        data_written += uint64_t(n);
      }
      pos = to;
    }
    ::close(fd);
    return r;
  }

  SysResult<void> host_error(const Step& s) {
    int e = errno;
    blame_ = s.host;
    return psx::fail(e);
  }

  vfs::Fs fs_;
  vfs::Caller who_ = tool_caller();
  std::vector<uint8_t> buf_;
  std::string top_, blame_;
  bool top_existed_ = false, keep_owner_ = false;
};

void add_skip(Walk& w, const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0) w.skip.emplace_back(st.st_dev, st.st_ino);
}

}  // namespace

int import_cmd(const Args& a) {
  const std::string& hostdir = a.operands[0];
  std::string dest = normalize(a.operands[1]);
  struct stat top;
  if (stat(hostdir.c_str(), &top) != 0) return fail(a, hostdir + ": " + strerror(errno));
  if (!S_ISDIR(top.st_mode)) return fail(a, hostdir + ": " + strerror(ENOTDIR));

  // Walk the host first: a bad HOSTDIR writes nothing (and creates no store).
  Walk w;
  add_skip(w, a.store_path);
  add_skip(w, a.store_path + "-lock");
  std::string host = hostdir.size() > 1 && hostdir.back() == '/' ? hostdir.substr(0, hostdir.size() - 1) : hostdir;
  if (!walk(w, host, dest, top)) return fail(a, w.error);
  w.totals.dirs--;  // DIR itself: the counts are of what is under it

  auto store = open_writer(a, true);
  if (!store) return kExitFail;
  Importer imp(*store);
  imp.set_owner_policy(geteuid() == 0);  // only root can give files to others, as with cp -p
  bool existed = false;
  auto r = vfs::run_update(*store, [&](storage::WriteTxn& t) -> SysResult<void> {
    PSX_TRY_VOID(imp.parents(t, dest));
    auto st = imp.fs().stat(t, imp.who(), vfs::kRootIno, dest, false);
    existed = st.ok();
    if (st && !st->is_dir()) return psx::fail(ENOTDIR);
    return {};
  });
  if (!r) return path_fail(a, imp.blame(), r.error());
  imp.set_top(dest, existed);

  bool show = a.has("--progress") || isatty(STDERR_FILENO);
  Progress progress(show, "import", w.totals.entries(), w.totals.bytes);
  uint64_t transactions = 0, data = 0;
  const std::vector<Step>& steps = w.steps;
  for (size_t i = 0; i < steps.size();) {
    size_t j = i;
    uint64_t bytes = 0;
    while (j < steps.size() && j - i < kBatchSteps && bytes < kBatchBytes) bytes += steps[j++].len;
    auto b = vfs::run_update(*store, [&](storage::WriteTxn& t) -> SysResult<void> {
      imp.data_written = 0;  // the body runs again from scratch if the map had to grow
      for (size_t k = i; k < j; k++) PSX_TRY_VOID(imp.run(t, steps[k]));
      return {};
    });
    if (!b) {
      progress.finish();
      fprintf(stderr, "psx store import %s: %s\n", imp.blame().c_str(), strerror(b.error().value));
      fprintf(stderr, "psx store import: stopped; %llu transactions committed before this one stay in the store\n",
              (unsigned long long)transactions);
      return kExitFail;
    }
    transactions++;
    data += imp.data_written;
    uint64_t entries = 0;
    for (size_t k = i; k < j; k++)
      if (k > 0 && steps[k].kind != StepKind::dir_done && (steps[k].kind != StepKind::file || steps[k].last)) entries++;
    progress.add(entries, bytes);
    i = j;
  }
  progress.finish();
  auto sync = store->sync();  // an import is worth keeping: flush it now
  if (!sync) return fail(a, sync.error().message);
  const Totals& n = w.totals;
  printf("imported %s into %s:%s: %llu directories, %llu files (%s, %s of data), %llu symlinks, %llu hard links, "
         "%llu other nodes in %llu transactions\n",
         hostdir.c_str(), a.store_path.c_str(), dest.c_str(), (unsigned long long)n.dirs, (unsigned long long)n.files,
         human_bytes(n.bytes).c_str(), human_bytes(data).c_str(), (unsigned long long)n.symlinks,
         (unsigned long long)n.hardlinks, (unsigned long long)n.nodes, (unsigned long long)transactions);
  return kExitOk;
}

}  // namespace psx::cli::store
