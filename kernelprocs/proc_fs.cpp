// proc's side of /proc: lookups, links, file texts and directory listings
// from the process table; meminfo, cpuinfo, uptime, loadavg and version are
// the host's own. Texts are made at each read, as Linux's seq files are.
// Numbers proc does not keep (times, faults, memory sizes) are those of the
// guest host process that runs the guest, read from the host's /proc.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "kernelprocs/proc.h"

namespace psx {
namespace {

constexpr uint8_t kDtDir = 4;

std::string slurp(const std::string& path) {
  std::string s;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return s;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) s.append(buf, size_t(n));
  close(fd);
  return s;
}

// The fields of a host /proc/PID/stat after "(comm)": [0] is field 3 (state).
std::vector<std::string> host_stat_fields(int host_pid) {
  std::vector<std::string> f;
  if (host_pid <= 0) return f;
  std::string s = slurp("/proc/" + std::to_string(host_pid) + "/stat");
  size_t close_paren = s.rfind(')');
  if (close_paren == std::string::npos) return f;
  size_t i = close_paren + 1;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n')) i++;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\n') j++;
    if (j > i) f.push_back(s.substr(i, j - i));
    i = j;
  }
  return f;
}

// Field n (1-based, as proc(5) numbers them) of host_stat_fields, or dflt.
std::string field(const std::vector<std::string>& f, size_t n, const char* dflt = "0") {
  return n >= 3 && n - 3 < f.size() ? f[n - 3] : dflt;
}

std::string comm_of(const Proc::Record& r) {
  const std::string& from = !r.exe.empty() ? r.exe : !r.argv.empty() ? r.argv[0] : std::string();
  size_t slash = from.rfind('/');
  std::string base = slash == std::string::npos ? from : from.substr(slash + 1);
  return base.substr(0, 15);  // TASK_COMM_LEN - 1
}

}  // namespace

int Proc::threads_of(int pid) const {
  int n = 1;
  for (auto& [tid, res] : reserved_)
    if (res.owner == pid && res.thread) n++;
  return n;
}

std::string Proc::fs_text(ProcNode node, const Record* r, int caller) {
  switch (node) {
    case ProcNode::kMeminfo: return slurp("/proc/meminfo");
    case ProcNode::kCpuinfo: return slurp("/proc/cpuinfo");
    case ProcNode::kUptime: return slurp("/proc/uptime");
    case ProcNode::kLoadavg: return slurp("/proc/loadavg");
    case ProcNode::kVersion: return slurp("/proc/version");
    default: break;
  }
  if (!r) return {};
  if (node == ProcNode::kCmdline) {
    std::string s;
    if (r->alive)
      for (const std::string& a : r->argv) s.append(a.c_str(), a.size() + 1);
    return s;
  }
  if (node == ProcNode::kComm) return comm_of(*r) + "\n";
  char state = !r->alive ? 'Z' : r->stopped ? 'T' : r->pid == caller ? 'R' : 'S';
  auto host = r->alive ? host_stat_fields(r->host_pid) : std::vector<std::string>{};
  // The console as controlling terminal: the host's own terminal, if it has one.
  static const std::string host_tty = field(host_stat_fields(getpid()), 7);
  bool tty = tty_session_ && r->sid == tty_session_ && host_tty != "0";
  if (node == ProcNode::kStat) {
    char head[256];
    snprintf(head, sizeof head, "%d (%s) %c %d %d %d %s %d 4194304 ", r->pid, comm_of(*r).c_str(), state, r->ppid,
             r->pgid, r->sid, tty ? host_tty.c_str() : "0", tty ? foreground_ : -1);
    std::string s = head;
    // 10-19: faults, times, priority, nice; 20 threads; 21 itrealvalue; 22-25: start, vsize, rss, rsslim.
    for (size_t n = 10; n <= 19; n++) s += field(host, n, n == 18 ? "20" : "0") + " ";
    s += std::to_string(threads_of(r->pid)) + " 0 ";
    for (size_t n = 22; n <= 25; n++) s += field(host, n) + " ";
    // 26-37: addresses and signal sets psx does not show; 38 exit signal; 39 processor;
    // 40-51 zero; 52 exit code.
    for (int n = 26; n <= 37; n++) s += "0 ";
    s += "17 " + field(host, 39) + " 0 0 0 0 0 0 0 0 0 0 0 0 ";
    s += std::to_string(r->alive ? 0 : r->wait_status) + "\n";
    return s;
  }
  if (node == ProcNode::kStatus) {
    const char* words = state == 'R' ? "running" : state == 'S' ? "sleeping" : state == 'T' ? "stopped" : "zombie";
    char b[512];
    snprintf(b, sizeof b,
             "Name:\t%s\nState:\t%c (%s)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n"
             "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
             comm_of(*r).c_str(), state, words, r->pid, r->pid, r->ppid, r->uid, r->uid, r->uid, r->uid, r->gid,
             r->gid, r->gid, r->gid);
    std::string s = b;
    // Memory figures are the guest host process's.
    if (r->alive) {
      std::string hs = slurp("/proc/" + std::to_string(r->host_pid) + "/status");
      for (size_t i = 0; i < hs.size();) {
        size_t j = hs.find('\n', i);
        if (j == std::string::npos) j = hs.size();
        if (hs.compare(i, 2, "Vm") == 0 || hs.compare(i, 3, "Rss") == 0) s += hs.substr(i, j - i) + "\n";
        i = j + 1;
      }
    }
    s += "Threads:\t" + std::to_string(threads_of(r->pid)) + "\n";
    return s;
  }
  return {};
}

void Proc::fs_request(Kernel& k, const Message& m) {
  auto b = k.map_buf(m.buf, true);
  if (!b || m.buf.length < sizeof(ProcFsRequest)) return k.send(m.reply(-EFAULT));
  ProcFsRequest& q = *reinterpret_cast<ProcFsRequest*>(*b);
  q.path[sizeof q.path - 1] = 0;
  // A personality asks for itself; the field is for senders without a pid address.
  int caller = m.src.process == kSubsystem ? int(m.src.way) : q.caller;
  if (Record* c = any(caller)) c->gid = q.gid;
  auto pp = parse_proc_path(q.path, caller);
  if (!pp) return k.send(m.reply(-pp.error().value));
  ProcNode node = pp->node;
  int pid = pp->pid;
  if (node == ProcNode::kNone) return k.send(m.reply(-ENOENT));  // outside /proc: not proc's
  Record* r = nullptr;
  if (node >= ProcNode::kPidDir) {
    r = any(pid);
    if (!r) return k.send(m.reply(-ENOENT));
  }
  // Descriptors and the working directory are the personality's; a caller's
  // own are served by its personality, another's are not served yet.
  if (node == ProcNode::kFdDir || node == ProcNode::kFdLink || node == ProcNode::kCwd || !pp->rest.empty())
    return k.send(m.reply(-EACCES));
  if (q.kind == ProcFsKind::kLookup) {
    if (q.follow && node == ProcNode::kSelf) {
      node = ProcNode::kPidDir;
      pid = caller;
      r = any(pid);
      if (!r) return k.send(m.reply(-ENOENT));
    }
    // exe followed leads into the store: another process's is not served here.
    if (q.follow && node == ProcNode::kExe) return k.send(m.reply(-EACCES));
    q.stat = proc_node_stat(node, pid, 0, r ? r->uid : 0, r ? r->gid : 0, r ? r->start_sec : boot_sec_);
    q.object = proc_object(node, pid);
    return k.send(m.reply(0));
  }
  if (q.kind != ProcFsKind::kReadlink) return k.send(m.reply(-EINVAL));
  std::string text;
  if (node == ProcNode::kSelf) {
    if (!any(caller)) return k.send(m.reply(-ENOENT));
    text = std::to_string(caller);
  } else if (node == ProcNode::kExe) {
    if (q.uid != 0 && q.uid != r->uid) return k.send(m.reply(-EACCES));
    if (!r->alive || r->exe.empty()) return k.send(m.reply(-ENOENT));
    text = r->exe;
  } else {
    return k.send(m.reply(-EINVAL));
  }
  auto out = k.map_buf(q.out, true);
  if (!out) return k.send(m.reply(-EFAULT));
  size_t n = std::min<size_t>(text.size(), q.out.length);
  memcpy(*out, text.data(), n);
  k.copies().process_bytes += n;
  k.send(m.reply(int64_t(n)));
}

void Proc::fs_read(Kernel& k, const Message& m) {
  uint64_t object = uint64_t(m.arg[0]);
  ProcNode node = proc_object_node(object);
  int pid = proc_object_pid(object);
  const Record* r = nullptr;
  if (pid) {
    r = any(pid);
    if (!r) return k.send(m.reply(-ESRCH));
  }
  if (proc_node_is_dir(node)) return k.send(m.reply(-EISDIR));
  std::string text = fs_text(node, r, int(m.src.way));
  uint64_t off = uint64_t(m.arg[1]);
  if (off >= text.size()) return k.send(m.reply(0));
  auto out = k.map_buf(m.buf, true);
  if (!out) return k.send(m.reply(-EFAULT));
  size_t n = std::min<size_t>(text.size() - off, m.buf.length);
  memcpy(*out, text.data() + off, n);
  k.copies().process_bytes += n;
  k.send(m.reply(int64_t(n)));
}

void Proc::fs_getdents(Kernel& k, const Message& m) {
  uint64_t object = uint64_t(m.arg[0]);
  ProcNode node = proc_object_node(object);
  int pid = proc_object_pid(object);
  if (!proc_node_is_dir(node)) return k.send(m.reply(-ENOTDIR));
  if (node == ProcNode::kFdDir) return k.send(m.reply(-EACCES));  // another process's descriptors
  if (node == ProcNode::kPidDir && !any(pid)) return k.send(m.reply(-ENOENT));
  std::vector<ProcDirent> all = proc_fixed_entries(node, pid);
  if (node == ProcNode::kRoot)
    for (auto& [n, r] : table_) all.push_back({proc_object(ProcNode::kPidDir, n), kDtDir, std::to_string(n)});
  auto out = k.map_buf(m.buf, true);
  if (!out) return k.send(m.reply(-EFAULT));
  uint64_t pos = uint64_t(m.arg[1]);
  int64_t n = put_dirents(all, pos, *out, m.buf.length);
  Message reply = m.reply(n);
  reply.arg[1] = int64_t(pos);
  k.send(reply);
}

}  // namespace psx
