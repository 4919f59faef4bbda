// The proc kernel process: the table of guest processes (pid, parent,
// process group, session, state, exit status), wait, the routing of kill to
// processes and groups, and /proc. It stops the event kernel when the last
// guest is gone. Personalities (one per guest process) tell it what happens
// to their process; it tells them about signals and new parents. It never
// touches a personality's state: everything goes by message.
#pragma once
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "kernelprocs/kernel.h"
#include "kernelprocs/procfs.h"

namespace psx {

// Messages to and from proc. "pid" is a guest pid. Wait statuses use Linux's
// encoding (exit code << 8; signal number | 0x80 if core; 0x7f | sig << 8 stopped; 0xffff continued).
enum ProcOp : uint16_t {
  // personality -> proc, no reply. A process exists: arg[0] = pid,
  // arg[1] = parent pid (0: none, the first guest), arg[2] = host pid | uid << 32.
  // A forked child inherits its parent's process group and session.
  kProcSpawned = 0x0300,
  // personality -> proc, no reply: the process ended (its descriptors are
  // closed): arg[0] = pid, arg[1] = wait status. It becomes a zombie until its
  // parent reaps it (or at once if the parent ignores SIGCHLD / has
  // SA_NOCLDWAIT: arg[2] & 1 is set on the *parent's* kProcDisposition).
  // Its children go to pid 1 (the first guest; if that is gone, proc reaps
  // them itself), each told with kProcReparented. The parent gets kProcSignal
  // SIGCHLD (CLD_EXITED / CLD_KILLED / CLD_DUMPED) and its parked waits are answered.
  kProcExited,
  // request: reserve a pid for a new process or thread. arg[0] = uid,
  // arg[1] = the caller's RLIMIT_NPROC soft limit (UINT64_MAX: none),
  // arg[2] = 1 for a process, 0 for a thread (threads share the pid space and
  // count toward RLIMIT_NPROC as on Linux, which counts tasks). Reply arg[0]
  // = the new pid/tid, or -EAGAIN over the limit (uid 0 too, unlike Linux: the
  // host's resources are at stake).
  kProcReserve,
  // personality -> proc, no reply: a reserved tid is gone (a thread exited):
  // arg[0] = tid. Also gives back a pid reserved for a fork that failed.
  // A process's threads (reserved from its personality's address) go with
  // it at kProcExited even without this.
  kProcThreadGone,
  // request from a parent: wait4/waitid. arg[0] = idtype (P_ALL 0, P_PID 1,
  // P_PGID 2) | id << 32 (P_PGID with id 0: the caller's group),
  // arg[1] = options (WNOHANG, WUNTRACED, WEXITED, WCONTINUED, WNOWAIT, __WALL …;
  // wait4 callers pass WEXITED themselves). Reply: arg[0] = pid (0: WNOHANG
  // and nothing yet), arg[1] = wait status, arg[2] = si_code | uid << 32; or
  // -ECHILD (no such child), -EINVAL. Parked until a child changes state;
  // kOpCancel answers -EINTR. Reaping frees the child's record. The waiter is
  // the sender's process (src.way); of several ready children the lowest pid
  // is reported (Linux: the oldest, the same order unless pids wrapped).
  kProcWait,
  // personality -> proc, no reply: the process stopped (arg[1] = signal) or
  // continued (arg[1] = 0): arg[0] = pid. The parent gets SIGCHLD
  // (CLD_STOPPED / CLD_CONTINUED) unless it set SA_NOCLDSTOP (kProcDisposition).
  kProcStateChanged,
  // personality -> proc, no reply: how this process treats SIGCHLD:
  // arg[0] = pid, arg[1] = bit 0: SIGCHLD ignored or SA_NOCLDWAIT (children
  // are reaped at once), bit 1: SA_NOCLDSTOP.
  kProcDisposition,
  // request: kill(2). arg[0] = kill's pid argument (>0 one process, 0 the
  // caller's group, -1 every process but 1 and the caller, < -1 group -pid),
  // arg[1] = signal (0: only check), arg[2] = sender pid | sender uid << 32.
  // Reply arg[0] = 0, -ESRCH, -EPERM. Each target gets kProcSignal *before*
  // the reply is sent (so a process signalling itself sees it first).
  kProcKill,
  // proc -> personality, no reply: a signal for the process. arg[0] = signal,
  // arg[1] = si_code | si_status << 32 (si_status for SIGCHLD),
  // arg[2] = si_pid | si_uid << 32.
  kProcSignal,
  // proc -> personality, no reply: your parent is now arg[0].
  kProcReparented,
  // requests: arg[0] = caller pid. setpgid: arg[1] = pid (0: caller),
  // arg[2] = pgid (0: that pid). Reply 0 or -ESRCH/-EPERM/-EINVAL/-EACCES,
  // with Linux's rules (only self or own children not yet exec'd; same session;
  // a session leader cannot move).
  kProcSetpgid,
  kProcGetpgid,  // arg[1] = pid (0: caller). Reply: pgid or -ESRCH.
  kProcSetsid,   // Reply: the new sid, or -EPERM (already a group leader).
  kProcGetsid,   // arg[1] = pid (0: caller). Reply: sid or -ESRCH.
  // The console's foreground process group (tcsetpgrp/tcgetpgrp on a console
  // descriptor). kProcSetForeground: arg[0] = caller pid, arg[1] = pgid ->
  // 0 / -EPERM (no such group in the caller's session) / -EINVAL (pgid < 0).
  kProcSetForeground,
  kProcGetForeground,  // Reply: the foreground pgid.
  // personality -> proc, no reply: the process ran execve (it may no longer be
  // moved by its parent's setpgid). buf = the new image's path, NUL-terminated
  // (in the sender's scratch memory: proc copies it, for /proc/PID/exe);
  // arg[0] = pid, arg[1] = new host pid.
  // Optionally (for /proc/PID/cmdline and comm) the path's NUL is followed by
  // argv, each string NUL-terminated, within buf.length. The launcher sends
  // this too for the first guest, right after kProcSpawned.
  kProcExec,
  // Host -> proc (posted by psx's host signal forwarder): a terminal signal
  // (SIGINT, SIGQUIT, SIGTSTP, SIGHUP …): arg[0] = signal; sent to the
  // foreground process group.
  kProcTerminalSignal,
  // TIOCGSID on a console descriptor: arg[0] = caller pid. Reply: the sid of
  // the session the console is the controlling terminal of, or -ENOTTY if it
  // is not the caller's controlling terminal. (kProcSetForeground and
  // kProcGetForeground answer -ENOTTY the same way; kProcSetForeground answers
  // -ESRCH when no process or group has that number, as Linux does.)
  kProcGetTerminalSession,
  // /proc (kernelprocs/procfs.h says who serves what): buf = a ProcFsRequest
  // in the caller's scratch memory; results are written into it. Reply
  // arg[0] = 0, bytes (kReadlink) or -errno.
  kProcFs,
  // read(2) of a /proc file: arg[0] = the object (ProcFsRequest::object of
  // its open), arg[1] = offset; buf = the guest's range. Reply: bytes. The
  // text is made anew on each read (as Linux's seq files are), so proc holds
  // nothing for an open descriptor and close needs no message. -ESRCH once
  // the process is gone.
  kProcFsRead,
  // getdents64 of a /proc directory: arg[0] = object, arg[1] = position;
  // buf = the guest's range. Reply: bytes, arg[1] = the new position.
  kProcFsGetdents,
  // personality -> proc, no reply: the process's real uid and gid changed
  // (the setuid family): arg[0] = pid, arg[1] = uid | gid << 32. Its
  // RLIMIT_NPROC count moves to the new uid, and kill's permission check and
  // /proc use the new ids, as Linux counts and checks the real uid.
  kProcCredentials,
};

class Proc : public KernelProcess {
 public:
  static constexpr Address kAddress{0, kProc, 0};
  struct Record {
    int pid = 0, ppid = 0, host_pid = 0;
    int pgid = 0, sid = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;      // learned from the process's /proc requests; inherited at fork
    uint32_t count_uid = 0;  // the uid its RLIMIT_NPROC count was taken under
    bool alive = true;     // false: a zombie (or reaped by proc itself)
    bool execed = false;   // ran execve (setpgid by the parent: EACCES)
    bool stopped = false;
    int wait_status = 0;   // when not alive
    // A state change not yet reported to a WUNTRACED/WCONTINUED wait.
    int pending_change = 0;  // 0, or the wait status of the stop/continue
    bool nocldwait = false, nocldstop = false;
    bool first = false;    // started with no parent (the first guest): kept after it ends
    std::string exe;
    std::vector<std::string> argv;  // for /proc/PID/cmdline (kProcExec)
    int64_t start_sec = 0;          // CLOCK_REALTIME at kProcSpawned (/proc times)
  };
  Proc();
  void on_message(Kernel& k, const Message& m) override;
  const char* name() const override { return "proc"; }

  // For the launcher of the first guest only (before any message flows): a
  // free pid, counted for RLIMIT_NPROC like a kProcReserve'd one.
  int next_pid();
  // A process, alive or zombie; also a parentless process that ended (the
  // first guest), kept so `psx run` can end the way it did.
  const Record* find(int pid) const;
  size_t live() const { return live_; }
  // Tasks (processes, zombies, threads, reservations) counted for RLIMIT_NPROC under uid.
  size_t tasks_of(uint32_t uid) const;
  int foreground() const { return foreground_; }
  // Stop the kernel when no guest remains (on for `psx run`).
  void set_stop_when_empty(bool on) { stop_when_empty_ = on; }

 private:
  // A pid or tid handed out by kProcReserve that is not (yet) a process in
  // the table: a thread, or a fork whose child has not said kProcSpawned.
  struct Reservation {
    uint32_t uid = 0;
    int owner = 0;  // the reserving process: its threads go when it exits
    bool thread = false;
  };
  // Process table, wait, groups, kill (proc.cpp).
  void spawned(Kernel& k, const Message& m);
  void exited(Kernel& k, const Message& m);
  void reserve(Kernel& k, const Message& m);
  void unreserve(int tid);
  void wait(Kernel& k, const Message& m);
  void cancel(Kernel& k, const Message& m);
  void state_changed(Kernel& k, const Message& m);
  void kill(Kernel& k, const Message& m);
  void setpgid(Kernel& k, const Message& m);
  void setsid(Kernel& k, const Message& m);
  void set_foreground(Kernel& k, const Message& m);
  void exec(Kernel& k, const Message& m);
  // Answers the parked waits of `parent` that can be answered now.
  void wake_waits(Kernel& k, int parent);
  // A wait's answer now: true if `reply` is final (a child, ECHILD, EINVAL,
  // or nothing under WNOHANG); false: park.
  bool try_wait(const Message& m, Message& reply);
  void reap(int pid);
  void notify_parent(Kernel& k, const Record& child, int code, int status);
  void signal(Kernel& k, int pid, int sig, int code, int status, int from_pid, uint32_t from_uid);
  bool orphaned(int pgid) const;
  bool has_stopped(int pgid) const;
  int alloc_pid();
  bool pid_in_use(int pid) const;
  Record* alive(int pid);
  Record* any(int pid);
  // The process a pid or a thread's tid belongs to.
  Record* task(int id);
  // /proc (proc_fs.cpp).
  void fs_request(Kernel& k, const Message& m);
  void fs_read(Kernel& k, const Message& m);
  void fs_getdents(Kernel& k, const Message& m);
  std::string fs_text(ProcNode node, const Record* r, int caller);
  int threads_of(int pid) const;

  std::map<int, Record> table_;
  std::map<int, Record> released_;
  std::map<int, Reservation> reserved_;
  std::map<uint32_t, size_t> tasks_;
  std::vector<Message> waits_;  // parked kProcWait requests, in arrival order
  size_t live_ = 0;
  int next_pid_ = 1;
  bool stop_when_empty_ = true;
  int foreground_ = 0;   // the console's foreground process group
  int tty_session_ = 0;  // the session the console is the controlling terminal of (0: none)
  int64_t boot_sec_ = 0;
};

}  // namespace psx
