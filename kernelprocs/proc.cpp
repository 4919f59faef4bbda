// The proc kernel process: the process table (pids, RLIMIT_NPROC), zombies
// and wait, reparenting, SIGCHLD, process groups and sessions, the console's
// foreground group, and kill's routing. /proc is in proc_fs.cpp.
//
// Choices where Linux leaves room or psx differs:
// - A wait reports the lowest-pid child that is ready (Linux walks children
//   in fork order, which is the same order unless pids wrapped).
// - Orphans go to pid 1, the first guest, while it lives; after that proc
//   reaps them itself (their parent is 0). pid 1's own children count toward
//   keeping a process group from being orphaned (Linux exempts init's
//   children; psx's pid 1 is an ordinary program, usually a shell).
// - When the session leader that owns the console ends, the session loses
//   the console (tcgetpgrp answers ENOTTY) but its foreground group is not
//   sent SIGHUP: under psx the first guest leads the session, where natively
//   it would not, and a script's background jobs would otherwise die with it.
#include "kernelprocs/proc.h"

#include <time.h>

#include <cstring>

namespace psx {
namespace {

// wait options and si_code values: Linux's, the same on every ABI.
constexpr int64_t kWNohang = 1, kWUntraced = 2, kWExited = 4, kWContinued = 8, kWNowait = 0x01000000,
                  kWNothread = 0x20000000, kWAll = 0x40000000, kWClone = 0x80000000;
constexpr int kPAll = 0, kPPid = 1, kPPgid = 2;
constexpr int kCldExited = 1, kCldKilled = 2, kCldDumped = 3, kCldStopped = 5, kCldContinued = 6;
constexpr int kSiUser = 0, kSiKernel = 0x80;
constexpr int kSigHup = 1, kSigChld = 17, kSigCont = 18;
constexpr int kPidMax = 4194304;  // Linux's default pid_max on 64-bit hosts
constexpr int kContinued = 0xffff;

// The CLD_* code and si_status a wait status reports.
std::pair<int, int> child_code(int status) {
  if ((status & 0x7f) == 0) return {kCldExited, (status >> 8) & 0xff};
  if (status == kContinued) return {kCldContinued, kSigCont};
  if ((status & 0xff) == 0x7f) return {kCldStopped, (status >> 8) & 0xff};
  return {(status & 0x80) ? kCldDumped : kCldKilled, status & 0x7f};
}

int64_t now_sec() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec;
}

Address personality(int pid) { return Address{0, kSubsystem, uint32_t(pid)}; }

int lo32(int64_t v) { return int(int32_t(uint64_t(v) & 0xffffffff)); }
uint32_t hi32(int64_t v) { return uint32_t(uint64_t(v) >> 32); }

}  // namespace

Proc::Proc() : boot_sec_(now_sec()) {}

const Proc::Record* Proc::find(int pid) const {
  auto it = table_.find(pid);
  if (it != table_.end()) return &it->second;
  auto r = released_.find(pid);
  return r == released_.end() ? nullptr : &r->second;
}

Proc::Record* Proc::any(int pid) {
  auto it = table_.find(pid);
  return it == table_.end() ? nullptr : &it->second;
}

Proc::Record* Proc::alive(int pid) {
  Record* r = any(pid);
  return r && r->alive ? r : nullptr;
}

Proc::Record* Proc::task(int id) {
  if (Record* r = any(id)) return r;
  auto res = reserved_.find(id);
  if (res != reserved_.end() && res->second.thread) return any(res->second.owner);
  return nullptr;
}

size_t Proc::tasks_of(uint32_t uid) const {
  auto it = tasks_.find(uid);
  return it == tasks_.end() ? 0 : it->second;
}

bool Proc::pid_in_use(int pid) const {
  if (table_.count(pid) || reserved_.count(pid) || released_.count(pid)) return true;
  // Linux does not hand out a number still naming a group or a session.
  for (auto& [n, r] : table_)
    if (r.pgid == pid || r.sid == pid) return true;
  return false;
}

int Proc::alloc_pid() {
  for (int tries = 0; tries < kPidMax; tries++) {
    int pid = next_pid_++;
    if (next_pid_ >= kPidMax) next_pid_ = 2;
    if (!pid_in_use(pid)) return pid;
  }
  return -1;
}

int Proc::next_pid() { return alloc_pid(); }

void Proc::on_message(Kernel& k, const Message& m) {
  // Replies come only from personalities that are gone (-ESRCH for a
  // kProcSignal sent as they ended): nothing waits for them.
  if (m.is_reply()) return;
  switch (m.op) {
    case kProcSpawned: return spawned(k, m);
    case kProcExited: return exited(k, m);
    case kProcReserve: return reserve(k, m);
    case kProcThreadGone: return unreserve(int(m.arg[0]));
    case kProcWait: return wait(k, m);
    case kOpCancel: return cancel(k, m);
    case kProcStateChanged: return state_changed(k, m);
    case kProcDisposition:
      if (Record* r = alive(int(m.arg[0]))) {
        r->nocldwait = m.arg[1] & 1;
        r->nocldstop = m.arg[1] & 2;
      }
      return;
    case kProcKill: return kill(k, m);
    case kProcSetpgid: return setpgid(k, m);
    case kProcGetpgid:
    case kProcGetsid: {
      Record* r = task(m.arg[1] ? int(m.arg[1]) : int(m.arg[0]));
      k.send(m.reply(!r ? -ESRCH : m.op == kProcGetpgid ? r->pgid : r->sid));
      return;
    }
    case kProcSetsid: return setsid(k, m);
    case kProcSetForeground: return set_foreground(k, m);
    case kProcGetForeground:
    case kProcGetTerminalSession: {
      Record* c = any(int(m.arg[0]));
      if (!c || !tty_session_ || c->sid != tty_session_) return k.send(m.reply(-ENOTTY));
      k.send(m.reply(m.op == kProcGetForeground ? foreground_ : tty_session_));
      return;
    }
    case kProcExec: return exec(k, m);
    case kProcCredentials:
      if (Record* r = alive(int(m.arg[0]))) {
        uint32_t uid = uint32_t(uint64_t(m.arg[1]) & 0xffffffff);
        if (r->count_uid != uid) {
          size_t& n = tasks_[r->count_uid];
          if (n) n--;
          tasks_[uid]++;
          r->count_uid = uid;
        }
        r->uid = uid;
        r->gid = hi32(m.arg[1]);
      }
      return;
    case kProcTerminalSignal:
      if (foreground_)
        for (auto& [pid, r] : table_)
          if (r.alive && r.pgid == foreground_) signal(k, pid, int(m.arg[0]), kSiKernel, 0, 0, 0);
      return;
    case kProcFs: return fs_request(k, m);
    case kProcFsRead: return fs_read(k, m);
    case kProcFsGetdents: return fs_getdents(k, m);
    default:
      k.send(m.reply(-ENOSYS));
  }
}

void Proc::signal(Kernel& k, int pid, int sig, int code, int status, int from_pid, uint32_t from_uid) {
  Message s;
  s.dst = personality(pid);
  s.src = kAddress;
  s.op = kProcSignal;
  s.arg[0] = sig;
  s.arg[1] = int64_t(uint64_t(uint32_t(code)) | uint64_t(uint32_t(status)) << 32);
  s.arg[2] = int64_t(uint64_t(uint32_t(from_pid)) | uint64_t(from_uid) << 32);
  k.send(s);
}

void Proc::notify_parent(Kernel& k, const Record& child, int code, int status) {
  signal(k, child.ppid, kSigChld, code, status, child.pid, child.uid);
}

// ---- the table ----

void Proc::spawned(Kernel& k, const Message& m) {
  int pid = int(m.arg[0]);
  if (pid <= 0 || table_.count(pid)) return;  // said twice: the first stands
  Record r;
  r.pid = pid;
  r.ppid = int(m.arg[1]);
  r.host_pid = lo32(m.arg[2]);
  r.uid = hi32(m.arg[2]);
  r.start_sec = now_sec();
  auto res = reserved_.find(pid);
  if (res != reserved_.end()) {
    r.count_uid = res->second.uid;
    reserved_.erase(res);
  } else {
    r.count_uid = r.uid;
    tasks_[r.uid]++;
  }
  bool orphan = false;
  if (Record* parent = r.ppid ? any(r.ppid) : nullptr) {
    // A fork's child: its parent's group, session, image and dispositions.
    r.pgid = parent->pgid;
    r.sid = parent->sid;
    r.gid = parent->gid;
    r.exe = parent->exe;
    r.argv = parent->argv;
    r.nocldwait = parent->nocldwait;
    r.nocldstop = parent->nocldstop;
    orphan = !parent->alive;  // the parent ended before the child said it exists
  } else {
    // The first guest leads a session of its own, which has the console.
    r.pgid = r.sid = pid;
    if (r.ppid == 0 && !tty_session_) {
      tty_session_ = pid;
      foreground_ = pid;
    }
    orphan = r.ppid != 0;
  }
  r.first = r.ppid == 0;
  if (orphan) {
    r.ppid = pid != 1 && alive(1) ? 1 : 0;
    Message re;
    re.dst = personality(pid);
    re.src = kAddress;
    re.op = kProcReparented;
    re.arg[0] = r.ppid;
    k.send(re);
  }
  table_[pid] = std::move(r);
  live_++;
}

void Proc::reap(int pid) {
  auto it = table_.find(pid);
  if (it == table_.end()) return;
  size_t& n = tasks_[it->second.count_uid];
  if (n) n--;
  if (it->second.first) released_[pid] = std::move(it->second);
  table_.erase(it);
}

void Proc::exited(Kernel& k, const Message& m) {
  int pid = int(m.arg[0]);
  Record* r = alive(pid);
  if (!r) return;
  // The groups this exit may orphan (its own, its children's), and whether
  // they already were: a newly orphaned group with a stopped member gets
  // SIGHUP and SIGCONT (POSIX).
  std::map<int, bool> groups;
  groups[r->pgid] = false;
  for (auto& [cpid, c] : table_)
    if (c.ppid == pid) groups[c.pgid] = false;
  for (auto& [g, before] : groups) before = orphaned(g);

  r->alive = false;
  r->stopped = false;
  r->pending_change = 0;
  r->wait_status = int(m.arg[1]);
  live_--;
  for (auto it = reserved_.begin(); it != reserved_.end();) {
    if (it->second.owner == pid && it->second.thread) {
      size_t& n = tasks_[it->second.uid];
      if (n) n--;
      it = reserved_.erase(it);
    } else {
      ++it;
    }
  }
  // Its own parked waits have nobody left to answer.
  std::erase_if(waits_, [&](const Message& w) { return int(w.src.way) == pid; });
  if (pid == tty_session_) tty_session_ = foreground_ = 0;

  // Its children go to pid 1, or to nobody (proc reaps them) once pid 1 is gone.
  int reaper = pid != 1 && alive(1) ? 1 : 0;
  std::vector<int> zombies;
  for (auto& [cpid, c] : table_) {
    if (c.ppid != pid) continue;
    c.ppid = reaper;
    if (!c.alive) {
      zombies.push_back(cpid);
      continue;
    }
    Message re;
    re.dst = personality(cpid);
    re.src = kAddress;
    re.op = kProcReparented;
    re.arg[0] = reaper;
    k.send(re);
  }
  for (int z : zombies) {
    Record& c = table_[z];
    if (!reaper) {
      reap(z);
      continue;
    }
    auto [code, st] = child_code(c.wait_status);
    notify_parent(k, c, code, st);
    if (table_[reaper].nocldwait) reap(z);
  }
  if (reaper && !zombies.empty()) wake_waits(k, reaper);

  for (auto& [g, before] : groups)
    if (!before && orphaned(g) && has_stopped(g)) {
      for (int sig : {kSigHup, kSigCont})
        for (auto& [mpid, mr] : table_)
          if (mr.alive && mr.pgid == g) signal(k, mpid, sig, kSiKernel, 0, 0, 0);
    }

  r = any(pid);
  if (Record* parent = alive(r->ppid)) {
    auto [code, st] = child_code(r->wait_status);
    notify_parent(k, *r, code, st);
    int ppid = parent->pid;
    if (parent->nocldwait) reap(pid);  // SIGCHLD ignored or SA_NOCLDWAIT: no zombie
    wake_waits(k, ppid);
  } else {
    reap(pid);  // nobody will wait for it
  }
  if (live_ == 0 && stop_when_empty_) k.stop();
}

bool Proc::orphaned(int pgid) const {
  // POSIX: orphaned when no member has a parent in another group of the same session.
  for (auto& [pid, m] : table_) {
    if (!m.alive || m.pgid != pgid) continue;
    auto p = table_.find(m.ppid);
    if (p != table_.end() && p->second.alive && p->second.pgid != pgid && p->second.sid == m.sid) return false;
  }
  return true;
}

bool Proc::has_stopped(int pgid) const {
  for (auto& [pid, m] : table_)
    if (m.alive && m.pgid == pgid && m.stopped) return true;
  return false;
}

void Proc::reserve(Kernel& k, const Message& m) {
  uint32_t uid = uint32_t(m.arg[0]);
  uint64_t limit = uint64_t(m.arg[1]);
  // Linux refuses the task that would take the count past the limit. Unlike
  // Linux, uid 0 is limited too: a guest's processes are the host's, and a
  // fork bomb run as root must meet EAGAIN, not exhaust the host.
  if (tasks_of(uid) >= limit) return k.send(m.reply(-EAGAIN));
  int pid = alloc_pid();
  if (pid < 0) return k.send(m.reply(-EAGAIN));
  reserved_[pid] = Reservation{uid, int(m.src.way), m.arg[2] == 0};
  tasks_[uid]++;
  k.send(m.reply(pid));
}

void Proc::unreserve(int tid) {
  auto it = reserved_.find(tid);
  if (it == reserved_.end()) return;
  size_t& n = tasks_[it->second.uid];
  if (n) n--;
  reserved_.erase(it);
}

void Proc::exec(Kernel& k, const Message& m) {
  Record* r = alive(int(m.arg[0]));
  if (!r) return;
  r->execed = true;
  if (m.arg[1] > 0) r->host_pid = int(m.arg[1]);
  auto b = k.map_buf(m.buf, false);
  if (!b || !m.buf.length) return;
  // The path, then argv: NUL-terminated strings within buf.length.
  const char* s = reinterpret_cast<const char*>(*b);
  std::vector<std::string> parts;
  for (size_t i = 0, n = m.buf.length; i < n;) {
    const void* end = memchr(s + i, 0, n - i);
    if (!end) break;
    size_t j = size_t(static_cast<const char*>(end) - s);
    parts.emplace_back(s + i, j - i);
    i = j + 1;
  }
  if (parts.empty()) return;
  r->exe = parts[0];
  r->argv.assign(parts.begin() + 1, parts.end());
}

// ---- wait ----

bool Proc::try_wait(const Message& m, Message& reply) {
  int waiter = int(m.src.way);
  int idtype = lo32(m.arg[0]);
  int id = int(hi32(m.arg[0]));
  int64_t opt = m.arg[1];
  constexpr int64_t kKnown = kWNohang | kWUntraced | kWExited | kWContinued | kWNowait | kWNothread | kWAll | kWClone;
  if ((opt & ~kKnown) || !(opt & (kWExited | kWUntraced | kWContinued))) {
    reply = m.reply(-EINVAL);
    return true;
  }
  if (idtype == kPPid) {
    if (id <= 0) {
      reply = m.reply(-EINVAL);
      return true;
    }
  } else if (idtype == kPPgid) {
    if (id < 0) {
      reply = m.reply(-EINVAL);
      return true;
    }
    if (id == 0) {
      Record* w = any(waiter);
      id = w ? w->pgid : -1;
    }
  } else if (idtype != kPAll) {
    reply = m.reply(-EINVAL);
    return true;
  }
  // __WCLONE alone waits for children that signal their end with something
  // other than SIGCHLD; every psx child signals SIGCHLD.
  bool clone_only = (opt & kWClone) && !(opt & kWAll);
  bool eligible = false;
  for (auto& [pid, c] : table_) {
    if (c.ppid != waiter || clone_only) continue;
    if (idtype == kPPid && pid != id) continue;
    if (idtype == kPPgid && c.pgid != id) continue;
    eligible = true;
    int status;
    if (!c.alive) {
      if (!(opt & kWExited)) continue;
      status = c.wait_status;
    } else if (c.pending_change == kContinued) {
      if (!(opt & kWContinued)) continue;
      status = kContinued;
    } else if (c.pending_change) {
      if (!(opt & kWUntraced)) continue;
      status = c.pending_change;
    } else {
      continue;
    }
    reply = m.reply(pid);
    reply.arg[1] = status;
    reply.arg[2] = int64_t(uint64_t(uint32_t(child_code(status).first)) | uint64_t(c.uid) << 32);
    if (!(opt & kWNowait)) {
      if (c.alive)
        c.pending_change = 0;
      else
        reap(pid);
    }
    return true;
  }
  if (!eligible) {
    reply = m.reply(-ECHILD);
    return true;
  }
  if (opt & kWNohang) {
    reply = m.reply(0);
    return true;
  }
  return false;
}

void Proc::wait(Kernel& k, const Message& m) {
  Message reply;
  if (try_wait(m, reply)) return k.send(reply);
  waits_.push_back(m);
}

void Proc::wake_waits(Kernel& k, int parent) {
  for (size_t i = 0; i < waits_.size();) {
    Message reply;
    if (int(waits_[i].src.way) == parent && try_wait(waits_[i], reply)) {
      k.send(reply);
      waits_.erase(waits_.begin() + long(i));
    } else {
      i++;
    }
  }
}

void Proc::cancel(Kernel& k, const Message& m) {
  for (size_t i = 0; i < waits_.size(); i++)
    if (waits_[i].src == m.src && waits_[i].tag == uint32_t(m.arg[0])) {
      k.send(waits_[i].reply(-EINTR));
      waits_.erase(waits_.begin() + long(i));
      return;
    }
}

void Proc::state_changed(Kernel& k, const Message& m) {
  Record* r = alive(int(m.arg[0]));
  if (!r) return;
  int sig = int(m.arg[1]);
  r->stopped = sig != 0;
  // A continue replaces a stop not yet reported, and the other way round.
  r->pending_change = sig ? 0x7f | (sig & 0xff) << 8 : kContinued;
  Record* parent = alive(r->ppid);
  if (!parent) return;
  auto [code, st] = child_code(r->pending_change);
  if (!parent->nocldstop) notify_parent(k, *r, code, st);
  wake_waits(k, parent->pid);
}

// ---- kill ----

void Proc::kill(Kernel& k, const Message& m) {
  int64_t target = m.arg[0];
  int sig = int(m.arg[1]);
  int from = lo32(m.arg[2]);
  uint32_t from_uid = hi32(m.arg[2]);
  if (sig < 0 || sig > 64) return k.send(m.reply(-EINVAL));
  Record* sender = any(from);
  int sender_sid = sender ? sender->sid : 0;
  // Linux: root, or the same uid; SIGCONT also within one session.
  auto permitted = [&](const Record& t) {
    return from_uid == 0 || from_uid == t.uid || (sig == kSigCont && sender && sender_sid == t.sid);
  };
  // A zombie is there to be named, but takes no signal.
  auto deliver = [&](const Record& t) {
    if (sig && t.alive) signal(k, t.pid, sig, kSiUser, 0, from, from_uid);
  };
  int64_t result;
  if (target > 0) {
    Record* t = target <= INT32_MAX ? task(int(target)) : nullptr;
    if (!t) {
      result = -ESRCH;
    } else if (!permitted(*t)) {
      result = -EPERM;
    } else {
      deliver(*t);
      result = 0;
    }
  } else if (target == -1) {
    // Everyone but pid 1 and the caller; 0 even if every one refused (as Linux).
    int count = 0;
    for (auto& [pid, t] : table_) {
      if (pid <= 1 || pid == from) continue;
      count++;
      if (permitted(t)) deliver(t);
    }
    result = count ? 0 : -ESRCH;
  } else {
    int64_t g = target == 0 ? (sender ? sender->pgid : -1) : -target;
    bool found = false, ok = false;
    for (auto& [pid, t] : table_) {
      if (t.pgid != g) continue;
      found = true;
      if (permitted(t)) {
        ok = true;
        deliver(t);
      }
    }
    result = !found ? -ESRCH : ok ? 0 : -EPERM;
  }
  k.send(m.reply(result));
}

// ---- groups and sessions ----

void Proc::setpgid(Kernel& k, const Message& m) {
  int caller = int(m.arg[0]);
  int64_t pid = m.arg[1] ? m.arg[1] : caller;
  int64_t pgid = m.arg[2] ? m.arg[2] : pid;
  if (pgid < 0 || pgid > INT32_MAX) return k.send(m.reply(-EINVAL));
  Record* c = any(caller);
  Record* p = pid > 0 && pid <= INT32_MAX ? any(int(pid)) : nullptr;
  if (!c) return k.send(m.reply(-ESRCH));
  if (!p) {
    auto res = reserved_.find(int(pid));
    bool thread = pid > 0 && res != reserved_.end() && res->second.thread;
    return k.send(m.reply(thread ? -EINVAL : -ESRCH));  // a thread is not a group leader
  }
  if (p->pid != caller) {
    if (p->ppid != caller) return k.send(m.reply(-ESRCH));  // only itself or its own children
    if (p->sid != c->sid) return k.send(m.reply(-EPERM));
    if (p->execed) return k.send(m.reply(-EACCES));
  }
  if (p->sid == p->pid) return k.send(m.reply(-EPERM));  // a session leader stays
  if (pgid != p->pid) {
    bool there = false;
    for (auto& [n, t] : table_)
      if (t.pgid == pgid && t.sid == c->sid) there = true;
    if (!there) return k.send(m.reply(-EPERM));
  }
  p->pgid = int(pgid);
  k.send(m.reply(0));
}

void Proc::setsid(Kernel& k, const Message& m) {
  int caller = int(m.arg[0]);
  Record* c = alive(caller);
  if (!c) return k.send(m.reply(-ESRCH));
  // Refused if a group already bears the caller's pid (its own included).
  for (auto& [n, t] : table_)
    if (t.pgid == caller) return k.send(m.reply(-EPERM));
  c->sid = c->pgid = caller;
  k.send(m.reply(caller));
}

void Proc::set_foreground(Kernel& k, const Message& m) {
  Record* c = any(int(m.arg[0]));
  if (!c || !tty_session_ || c->sid != tty_session_) return k.send(m.reply(-ENOTTY));
  int64_t g = m.arg[1];
  if (g < 0) return k.send(m.reply(-EINVAL));
  // The group's session; Linux also takes a number that is only some process's pid.
  int sid = -1;
  for (auto& [n, t] : table_)
    if (t.pgid == g) {
      sid = t.sid;
      break;
    }
  if (sid < 0) {
    Record* t = g <= INT32_MAX ? any(int(g)) : nullptr;
    if (!t) return k.send(m.reply(-ESRCH));
    sid = t->sid;
  }
  if (sid != c->sid) return k.send(m.reply(-EPERM));
  foreground_ = int(g);
  k.send(m.reply(0));
}

}  // namespace psx
