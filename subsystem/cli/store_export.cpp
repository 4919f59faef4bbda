// psx store export DIR HOSTDIR: copies a store tree out to the host, in one
// read transaction (a consistent snapshot, even while a running psx writes).
//
// Files are written sparse: only the store's data blocks are written, and
// ftruncate gives the file its size, so the gaps between blocks stay holes.
// Hard links: the first name of a store inode becomes a file, later names
// become host links to it. Directories are created 0700 and get their mode,
// owner and times after their entries (a read-only directory could not be
// filled, and filling changes its mtime). Owners and device nodes need root,
// as with tar; without it they are left to the user and reported.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "storage/tables.h"
#include "subsystem/cli/store_cli.h"
#include "subsystem/cli/store_format.h"
#include "subsystem/cli/store_progress.h"
#include "subsystem/cli/store_view.h"

namespace psx::cli::store {
namespace {

struct Totals {
  uint64_t dirs = 0, files = 0, symlinks = 0, hardlinks = 0, nodes = 0, bytes = 0;
  uint64_t entries() const { return dirs + files + symlinks + hardlinks + nodes; }
};

timespec to_timespec(int64_t ns) {
  timespec ts;
  ts.tv_sec = ns / 1000000000;
  ts.tv_nsec = ns % 1000000000;
  if (ts.tv_nsec < 0) {
    ts.tv_sec -= 1;
    ts.tv_nsec += 1000000000;
  }
  return ts;
}

class Exporter {
 public:
  Exporter(vfs::Fs& fs, storage::Txn& t, Progress& progress)
      : fs_(fs), t_(t), progress_(progress), root_(geteuid() == 0), buf_(1 << 20) {}

  // Counts what a walk will copy (for progress), without copying.
  SysResult<void> count(vfs::Ino dir, Totals& n) {
    auto entries = PSX_TRY(list_dir(fs_, t_, dir));
    for (const Entry& e : entries) {
      vfs::Stat st = PSX_TRY(fs_.fstat(t_, e.ino));
      n.dirs += st.is_dir();
      if (st.is_regular() && counted_.insert(st.ino).second) n.bytes += st.size;  // hard links once
      n.files += !st.is_dir();
      if (st.is_dir()) PSX_TRY_VOID(count(e.ino, n));
    }
    return {};
  }

  // Copies the entries of store directory `spath` (inode `dir`) into the
  // existing host directory `hpath`, then gives `hpath` the attributes `st`.
  bool tree(const std::string& spath, vfs::Ino dir, const std::string& hpath, const vfs::Stat& st) {
    auto entries = list_dir(fs_, t_, dir);
    if (!entries) return store_error(spath, entries.error());
    for (const Entry& e : *entries) {
      std::string s = join(spath, e.name), h = hpath + "/" + e.name;
      auto est = fs_.fstat(t_, e.ino);
      if (!est) return store_error(s, est.error());
      if (!entry(s, h, *est)) return false;
    }
    return attributes(hpath, st);
  }

  const std::string& error() const { return error_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  const Totals& done() const { return done_; }

 private:
  bool entry(const std::string& s, const std::string& h, const vfs::Stat& st) {
    uint32_t type = st.mode & vfs::kTypeMask;
    if (type == vfs::kDirectory) {
      if (mkdir(h.c_str(), 0700) != 0) return host_error(h);
      done_.dirs++;
      progress_.add(1, 0);
      return tree(s, st.ino, h, st);
    }
    if (st.nlink > 1) {
      auto [it, fresh] = first_name_.emplace(st.ino, h);
      if (!fresh) {
        if (link(it->second.c_str(), h.c_str()) != 0) return host_error(h);
        done_.hardlinks++;
        progress_.add(1, 0);
        return true;
      }
    }
    progress_.add(1, type == vfs::kRegular ? st.size : 0);
    switch (type) {
      case vfs::kRegular:
        done_.files++;
        done_.bytes += st.size;
        return file(s, h, st);
      case vfs::kSymlink: {
        auto target = link_target(fs_, t_, s);
        if (!target) return store_error(s, target.error());
        if (symlink(target->c_str(), h.c_str()) != 0) return host_error(h);
        done_.symlinks++;
        return attributes(h, st);
      }
      case vfs::kCharDevice:
      case vfs::kBlockDevice:
        if (!root_) {
          warnings_.push_back(h + ": device node " + std::to_string(rdev_major(st.rdev)) + ", " +
                              std::to_string(rdev_minor(st.rdev)) + " not created (needs root)");
          return true;
        }
        [[fallthrough]];
      default:  // FIFOs and sockets are created as nodes too: the host's mknod makes both
        if (mknod(h.c_str(), type | (st.mode & 0777), dev_t(st.rdev)) != 0) return host_error(h);
        done_.nodes++;
        return attributes(h, st);
    }
  }

  bool file(const std::string& s, const std::string& h, const vfs::Stat& st) {
    // The store's blocks, merged into extents; what lies between is a hole.
    std::vector<std::pair<uint64_t, uint64_t>> extents;  // (offset, length)
    uint64_t bs = t_.block_size();
    auto sb = storage::scan_blocks(t_, st.ino, [&](uint64_t b, size_t len) {
      uint64_t off = b * bs;
      if (!extents.empty() && extents.back().first + extents.back().second == off)
        extents.back().second += len;
      else
        extents.emplace_back(off, len);
      return true;
    });
    if (!sb) return fail_with(s + ": " + sb.error().message);
    int fd = ::open(h.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return host_error(h);
    bool ok = true;
    for (auto [off, len] : extents) {
      for (uint64_t at = off; ok && at < off + len;) {
        size_t want = size_t(std::min<uint64_t>(buf_.size(), off + len - at));
        auto n = fs_.read(t_, st.ino, at, {buf_.data(), want});
        if (!n) {
          ok = store_error(s, n.error());
          break;
        }
        if (*n == 0) break;
        if (pwrite(fd, buf_.data(), *n, off_t(at)) != ssize_t(*n)) {
          ok = host_error(h);
          break;
        }
        at += *n;
      }
    }
    if (ok && ftruncate(fd, off_t(st.size)) != 0) ok = host_error(h);
    ::close(fd);
    return ok && attributes(h, st);
  }

  // Owner (root only) before mode: chown clears set-id bits.
  bool attributes(const std::string& h, const vfs::Stat& st) {
    bool link = (st.mode & vfs::kTypeMask) == vfs::kSymlink;
    if (root_ && lchown(h.c_str(), st.uid, st.gid) != 0) return host_error(h);
    if (!link && chmod(h.c_str(), st.mode & 07777) != 0) return host_error(h);
    timespec times[2] = {to_timespec(st.atime_ns), to_timespec(st.mtime_ns)};
    if (utimensat(AT_FDCWD, h.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) return host_error(h);
    return true;
  }

  bool host_error(const std::string& h) { return fail_with(h + ": " + strerror(errno)); }
  bool store_error(const std::string& s, Errno e) { return fail_with(s + ": " + strerror(e.value)); }
  bool fail_with(std::string message) {
    error_ = std::move(message);
    return false;
  }

  vfs::Fs& fs_;
  storage::Txn& t_;
  Progress& progress_;
  bool root_;
  std::vector<uint8_t> buf_;
  std::map<vfs::Ino, std::string> first_name_;
  std::set<vfs::Ino> counted_;
  std::vector<std::string> warnings_;
  Totals done_;
  std::string error_;
};

bool empty_dir(const std::string& path) {
  DIR* d = opendir(path.c_str());
  if (!d) return false;
  bool empty = true;
  while (struct dirent* e = readdir(d))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = false;
  closedir(d);
  return empty;
}

}  // namespace

int export_cmd(const Args& a) {
  const std::string& src = a.operands[0];
  std::string out = a.operands[1];
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  auto store = open_reader(a);
  if (!store) return kExitFail;
  auto t = store->begin_read();
  if (!t) return fail(a, t.error().message);
  vfs::Fs fs(*store);
  auto st = fs.stat(*t, tool_caller(), vfs::kRootIno, src, true);
  if (!st) return path_fail(a, src, st.error());
  if (!st->is_dir()) return path_fail(a, src, Errno{ENOTDIR});

  // HOSTDIR is created, or an empty directory is filled: never merged into.
  struct stat hst;
  if (lstat(out.c_str(), &hst) == 0) {
    if (!S_ISDIR(hst.st_mode)) return fail(a, out + ": exists and is not a directory");
    if (!empty_dir(out)) return fail(a, out + ": exists and is not empty; export into a new or empty directory");
  } else if (errno != ENOENT || mkdir(out.c_str(), 0700) != 0) {
    return fail(a, out + ": " + strerror(errno));
  }

  Progress none(false, "export", 0, 0);
  Totals total;
  Exporter counter(fs, *t, none);
  if (auto c = counter.count(st->ino, total); !c) return path_fail(a, src, c.error());
  bool show = a.has("--progress") || isatty(STDERR_FILENO);
  Progress progress(show, "export", total.entries(), total.bytes);
  Exporter ex(fs, *t, progress);
  bool ok = ex.tree(src, st->ino, out, *st);
  progress.finish();
  if (!ok) {
    fprintf(stderr, "psx store export %s\n", ex.error().c_str());
    return kExitFail;
  }
  for (const std::string& w : ex.warnings()) fprintf(stderr, "psx store export: %s\n", w.c_str());
  const Totals& n = ex.done();
  printf("exported %s:%s to %s: %llu directories, %llu files (%s), %llu symlinks, %llu hard links, %llu other nodes%s\n",
         a.store_path.c_str(), src.c_str(), out.c_str(), (unsigned long long)n.dirs, (unsigned long long)n.files,
         human_bytes(n.bytes).c_str(), (unsigned long long)n.symlinks, (unsigned long long)n.hardlinks,
         (unsigned long long)n.nodes, ex.warnings().empty() ? "" : ", with warnings above");
  return ex.warnings().empty() ? kExitOk : kExitFail;
}

}  // namespace psx::cli::store
