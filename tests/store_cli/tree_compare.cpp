#include "tests/store_cli/tree_compare.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace psx::test {
namespace {

std::string read_file(const std::string& path, std::string& err) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = path + ": " + strerror(errno);
    return {};
  }
  std::string s;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    s.append(buf, size_t(n));
  }
  close(fd);
  return s;
}

std::string walk(const std::string& root, const std::string& rel, std::map<std::string, NodeInfo>& out,
                 std::map<std::pair<dev_t, ino_t>, std::string>& groups) {
  std::string path = rel.empty() ? root : root + "/" + rel;
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return path + ": " + strerror(errno);
  NodeInfo n;
  n.mode = st.st_mode;
  n.uid = st.st_uid;
  n.gid = st.st_gid;
  n.nlink = uint32_t(st.st_nlink);
  n.blocks = uint64_t(st.st_blocks);
  n.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  std::string err;
  if (S_ISREG(st.st_mode)) {
    n.size = uint64_t(st.st_size);
    n.content = read_file(path, err);
    if (st.st_nlink > 1) {
      // Names come in sorted order, so the first one seen is the smallest.
      auto [it, fresh] = groups.emplace(std::make_pair(st.st_dev, st.st_ino), rel);
      n.link_group = it->second;
    }
  } else if (S_ISLNK(st.st_mode)) {
    n.size = uint64_t(st.st_size);
    char buf[4096];
    ssize_t len = readlink(path.c_str(), buf, sizeof buf);
    if (len < 0) return path + ": " + strerror(errno);
    n.target.assign(buf, size_t(len));
  } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    n.rdev = uint64_t(st.st_rdev);
  }
  if (!err.empty()) return err;
  out[rel] = n;
  if (!S_ISDIR(st.st_mode)) return {};
  DIR* d = opendir(path.c_str());
  if (!d) return path + ": " + strerror(errno);
  std::vector<std::string> names;
  while (struct dirent* e = readdir(d))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names.push_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  for (auto& name : names) {
    std::string r = walk(root, rel.empty() ? name : rel + "/" + name, out, groups);
    if (!r.empty()) return r;
  }
  return {};
}

}  // namespace

bool NodeInfo::operator==(const NodeInfo& o) const {
  return mode == o.mode && uid == o.uid && gid == o.gid && size == o.size && mtime_ns == o.mtime_ns &&
         rdev == o.rdev && content == o.content && target == o.target && link_group == o.link_group;
}

std::string snapshot(const std::string& root, std::map<std::string, NodeInfo>& out) {
  std::map<std::pair<dev_t, ino_t>, std::string> groups;
  return walk(root, "", out, groups);
}

std::string compare(const std::map<std::string, NodeInfo>& want, const std::map<std::string, NodeInfo>& got,
                    bool owners) {
  std::string diff;
  auto line = [&](const std::string& path, const std::string& what) { diff += "'" + path + "': " + what + "\n"; };
  for (auto& [path, w] : want) {
    auto it = got.find(path);
    if (it == got.end()) {
      line(path, "missing");
      continue;
    }
    const NodeInfo& g = it->second;
    char buf[128];
    if (w.mode != g.mode) {
      snprintf(buf, sizeof buf, "mode 0%o vs 0%o", w.mode, g.mode);
      line(path, buf);
    }
    if (owners && (w.uid != g.uid || w.gid != g.gid))
      line(path, "owner " + std::to_string(w.uid) + ":" + std::to_string(w.gid) + " vs " + std::to_string(g.uid) +
                     ":" + std::to_string(g.gid));
    if (w.size != g.size) line(path, "size " + std::to_string(w.size) + " vs " + std::to_string(g.size));
    if (w.mtime_ns != g.mtime_ns)
      line(path, "mtime " + std::to_string(w.mtime_ns) + " vs " + std::to_string(g.mtime_ns));
    if (w.rdev != g.rdev) line(path, "rdev " + std::to_string(w.rdev) + " vs " + std::to_string(g.rdev));
    if (w.content != g.content) line(path, "contents differ");
    if (w.target != g.target) line(path, "symlink target '" + w.target + "' vs '" + g.target + "'");
    if (w.link_group != g.link_group) line(path, "hard-link group '" + w.link_group + "' vs '" + g.link_group + "'");
  }
  for (auto& [path, g] : got)
    if (!want.count(path)) line(path, "not in the original");
  return diff;
}

}  // namespace psx::test
