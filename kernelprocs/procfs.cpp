#include "kernelprocs/procfs.h"

#include <sys/stat.h>

#include <cstring>
#include <vector>

namespace psx {
namespace {

struct Named {
  const char* name;
  ProcNode node;
};
// /proc's fixed entries and a process directory's, in the order Linux lists them.
constexpr Named kTop[] = {{"self", ProcNode::kSelf},       {"meminfo", ProcNode::kMeminfo},
                          {"cpuinfo", ProcNode::kCpuinfo}, {"uptime", ProcNode::kUptime},
                          {"loadavg", ProcNode::kLoadavg}, {"version", ProcNode::kVersion}};
constexpr Named kInPid[] = {{"fd", ProcNode::kFdDir},     {"status", ProcNode::kStatus}, {"comm", ProcNode::kComm},
                            {"cmdline", ProcNode::kCmdline}, {"stat", ProcNode::kStat}, {"cwd", ProcNode::kCwd},
                            {"exe", ProcNode::kExe}};

// A decimal without sign or leading zeros that fits an int (Linux's pid and fd names).
int number(std::string_view s) {
  if (s.empty() || s.size() > 9 || (s.size() > 1 && s[0] == '0')) return -1;
  int v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return -1;
    v = v * 10 + (ch - '0');
  }
  return v;
}

std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') i++;
    size_t j = i;
    while (j < path.size() && path[j] != '/') j++;
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string join(const std::vector<std::string_view>& parts, size_t from) {
  std::string s;
  for (size_t i = from; i < parts.size(); i++) {
    if (!s.empty()) s += '/';
    s += parts[i];
  }
  return s;
}

// Skips leading "." and ".." (".." at the root is the root); the index of the first real component.
size_t first_real(const std::vector<std::string_view>& parts) {
  size_t i = 0;
  while (i < parts.size() && (parts[i] == "." || parts[i] == "..")) i++;
  return i;
}

}  // namespace

bool is_proc_path(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  auto parts = components(path);
  size_t i = first_real(parts);
  return i < parts.size() && parts[i] == "proc";
}

bool proc_node_is_dir(ProcNode n) { return n == ProcNode::kRoot || n == ProcNode::kPidDir || n == ProcNode::kFdDir; }
bool proc_node_is_link(ProcNode n) {
  return n == ProcNode::kSelf || n == ProcNode::kExe || n == ProcNode::kCwd || n == ProcNode::kFdLink;
}

SysResult<ProcPath> parse_proc_path(std::string_view path, int self_pid) {
  auto parts = components(path);
  size_t i = first_real(parts);
  if (i >= parts.size() || parts[i] != "proc") return fail(ENOENT);
  bool trailing_slash = !path.empty() && path.back() == '/';
  // The directories walked so far (".." pops one); the last is where we are.
  std::vector<ProcPath> stack{ProcPath{ProcNode::kRoot, 0, -1, {}}};
  for (i++; i < parts.size(); i++) {
    std::string_view name = parts[i];
    ProcPath& at = stack.back();
    if (at.node == ProcNode::kCwd || at.node == ProcNode::kFdLink) {
      // A magic link leads out of /proc: the rest resolves from its target.
      at.rest = join(parts, i);
      return at;
    }
    if (!proc_node_is_dir(at.node)) return fail(ENOTDIR);
    if (name == ".") continue;
    if (name == "..") {
      stack.pop_back();
      if (stack.empty()) return ProcPath{ProcNode::kNone, 0, -1, "/" + join(parts, i + 1)};
      continue;
    }
    ProcPath next;
    next.pid = at.pid;
    if (at.node == ProcNode::kRoot) {
      for (const Named& n : kTop)
        if (name == n.name) next.node = n.node;
      if (next.node == ProcNode::kSelf && i + 1 < parts.size()) next = ProcPath{ProcNode::kPidDir, self_pid, -1, {}};
      if (next.node == ProcNode::kNone) {
        int pid = number(name);
        if (pid <= 0) return fail(ENOENT);
        next = ProcPath{ProcNode::kPidDir, pid, -1, {}};
      }
    } else if (at.node == ProcNode::kPidDir) {
      for (const Named& n : kInPid)
        if (name == n.name) next.node = n.node;
      if (next.node == ProcNode::kNone) return fail(ENOENT);
    } else {  // kFdDir
      int fd = number(name);
      if (fd < 0) return fail(ENOENT);
      next.node = ProcNode::kFdLink;
      next.fd = fd;
    }
    stack.push_back(next);
  }
  ProcPath out = stack.back();
  if (trailing_slash) {
    // A trailing slash asks for a directory: links are followed to one.
    if (out.node == ProcNode::kSelf) out = ProcPath{ProcNode::kPidDir, self_pid, -1, {}};
    else if (out.node == ProcNode::kCwd || out.node == ProcNode::kFdLink) out.rest = ".";
    else if (!proc_node_is_dir(out.node)) return fail(ENOTDIR);
  }
  return out;
}

std::string proc_node_path(ProcNode node, int pid, int fd) {
  if (node == ProcNode::kRoot) return "/proc";
  for (const Named& n : kTop)
    if (n.node == node) return std::string("/proc/") + n.name;
  std::string dir = "/proc/" + std::to_string(pid);
  if (node == ProcNode::kPidDir) return dir;
  if (node == ProcNode::kFdLink) return dir + "/fd/" + std::to_string(fd);
  for (const Named& n : kInPid)
    if (n.node == node) return dir + "/" + n.name;
  return "/proc";
}

uint64_t proc_object(ProcNode node, int pid, int fd) {
  return (uint64_t(uint32_t(pid)) << 32) | (uint64_t(node) << 24) | (uint64_t(uint32_t(fd)) & 0xffffff);
}
ProcNode proc_object_node(uint64_t object) { return ProcNode((object >> 24) & 0xff); }
int proc_object_pid(uint64_t object) { return int(object >> 32); }
int proc_object_fd(uint64_t object) { return int(object & 0xffffff); }

ObjectStat proc_node_stat(ProcNode node, int pid, int fd, uint32_t owner_uid, uint32_t owner_gid, int64_t when,
                          uint32_t fd_access) {
  ObjectStat st{};
  st.dev = kProcDev;
  st.ino = node == ProcNode::kRoot ? 1 : proc_object(node, pid, fd);
  st.blksize = 1024;
  st.nlink = 1;
  st.uid = owner_uid;
  st.gid = owner_gid;
  st.atime_sec = st.mtime_sec = st.ctime_sec = when;
  switch (node) {
    case ProcNode::kRoot: st.mode = S_IFDIR | 0555; st.nlink = 2; break;
    case ProcNode::kPidDir: st.mode = S_IFDIR | 0555; st.nlink = 9; break;
    case ProcNode::kFdDir: st.mode = S_IFDIR | 0500; st.nlink = 2; break;
    case ProcNode::kSelf: case ProcNode::kExe: case ProcNode::kCwd: st.mode = S_IFLNK | 0777; break;
    case ProcNode::kFdLink: {
      // lr-x------, l-wx------ or lrwx------, by the descriptor's access mode.
      uint32_t acc = fd_access & 3;
      st.mode = S_IFLNK | 0100 | (acc != 1 ? 0400 : 0) | (acc != 0 ? 0200 : 0);
      break;
    }
    case ProcNode::kComm: st.mode = S_IFREG | 0644; break;
    default: st.mode = S_IFREG | 0444; break;
  }
  return st;
}

bool proc_may(const ObjectStat& st, uint32_t uid, uint32_t gid, int mask) {
  if (uid == 0) {
    // Root reads and writes anything; it executes what anyone may (or a directory).
    if (!(mask & 1)) return true;
    return (st.mode & 0111) || S_ISDIR(st.mode);
  }
  uint32_t bits = uid == st.uid ? (st.mode >> 6) & 7 : gid == st.gid ? (st.mode >> 3) & 7 : st.mode & 7;
  return (bits & uint32_t(mask)) == uint32_t(mask);
}

int64_t put_dirents(std::span<const ProcDirent> all, uint64_t& pos, uint8_t* out, size_t cap) {
  size_t used = 0;
  while (pos < all.size()) {
    const ProcDirent& e = all[pos];
    size_t reclen = (19 + e.name.size() + 1 + 7) & ~size_t(7);
    if (used + reclen > cap) {
      if (used == 0) return -EINVAL;  // not even one entry fits (as Linux answers)
      break;
    }
    uint8_t* r = out + used;
    memset(r, 0, reclen);
    uint64_t ino = e.ino;
    int64_t off = int64_t(pos + 1);
    uint16_t rl = uint16_t(reclen);
    memcpy(r, &ino, 8);
    memcpy(r + 8, &off, 8);
    memcpy(r + 16, &rl, 2);
    r[18] = e.type;
    memcpy(r + 19, e.name.data(), e.name.size());
    used += reclen;
    pos++;
  }
  return int64_t(used);
}

std::vector<ProcDirent> proc_fixed_entries(ProcNode dir, int pid) {
  constexpr uint8_t kDtDir = 4, kDtReg = 8, kDtLnk = 10;
  auto type = [&](ProcNode n) { return proc_node_is_dir(n) ? kDtDir : proc_node_is_link(n) ? kDtLnk : kDtReg; };
  std::vector<ProcDirent> out;
  ProcNode parent = dir == ProcNode::kFdDir ? ProcNode::kPidDir : ProcNode::kRoot;
  out.push_back({proc_node_stat(dir, pid, 0, 0, 0, 0).ino, kDtDir, "."});
  // /proc's parent is the store's root (inode 1 there too).
  out.push_back({dir == ProcNode::kRoot ? 1 : proc_node_stat(parent, pid, 0, 0, 0, 0).ino, kDtDir, ".."});
  if (dir == ProcNode::kRoot)
    for (const Named& n : kTop) out.push_back({proc_object(n.node, 0), type(n.node), n.name});
  if (dir == ProcNode::kPidDir)
    for (const Named& n : kInPid) out.push_back({proc_object(n.node, pid), type(n.node), n.name});
  return out;
}

}  // namespace psx
