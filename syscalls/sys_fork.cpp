// fork, vfork, clone (processes and threads). A new process: proc reserves
// its pid (RLIMIT_NPROC), the Subsystem makes its personality and memory
// object, the descriptors go to the guest host process over its control
// socket and the completion tells it to clone itself (Action::kFork); its
// kPsxForkDone frame then carries the child's host pid, and the kernel host
// copies the memory and lets the child run. A new thread: a GuestThread with
// its own channel (Action::kCloneThread).
#include <linux/sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "kernelprocs/proc.h"
#include "subsystem/launcher.h"
#include "syscalls/operations.h"

namespace psx {
namespace {

constexpr uint64_t kThreadFlags = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
// What psx does not model: namespaces, pidfds, ptrace, I/O contexts …
constexpr uint64_t kRefused = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                              CLONE_NEWPID | CLONE_NEWNET | CLONE_PIDFD | CLONE_PTRACE | CLONE_UNTRACED |
                              CLONE_IO | CLONE_PARENT;

// SCM_RIGHTS over the thread's control socket.
bool send_fds(int sock, const int* fds, int n) {
  char data = 'f';
  iovec iov{&data, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * size_t(n));
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * size_t(n));
  memcpy(CMSG_DATA(c), fds, sizeof(int) * size_t(n));
  return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1;
}

void give_back_pid(Personality& p, int pid) {
  Message m;
  m.dst = Proc::kAddress;
  m.src = p.address();
  m.op = kProcThreadGone;
  m.arg[0] = pid;
  p.kernel().send(m);
}

uint64_t nproc_limit(Personality& p) { return p.rlimits_loaded ? p.rlimits[RLIMIT_NPROC].cur : 1024; }

bool put_tid(Personality& p, uint64_t addr, int tid) {
  auto h = p.mem().translate(addr, 4, true);
  if (!h) return false;
  int32_t v = tid;
  memcpy(*h, &v, 4);
  return true;
}

// Call state: st[0] = flags, st[1] = new stack pointer, st[2] = parent_tid
// address, st[3] = child_tid address, st[4] = tls.
Outcome process_reserved(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  int child_pid = int(reply.arg[0]);
  int fds[4];
  bool share = (c.st[0] & (CLONE_VM | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK);
  auto child = p.subsystem().fork_child(p, child_pid, fds, share);
  if (!child) {
    give_back_pid(p, child_pid);
    return Outcome::error(child.error().value == ENOMEM ? ENOMEM : EAGAIN);
  }
  bool sent = send_fds(p.thread().control_fd, fds, 4);
  close(fds[3]);  // the child's end of its control socket now lives in the guest host process
  if (!sent) {
    p.subsystem().abandon(**child);
    give_back_pid(p, child_pid);
    return Outcome::error(EAGAIN);
  }
  if ((c.st[0] & CLONE_PARENT_SETTID) && c.st[2]) put_tid(p, c.st[2], child_pid);
  GuestThread& t = p.thread();
  t.fork_child = child_pid;
  t.vfork = c.st[0] & CLONE_VFORK;
  return Outcome::done(0).with(Action::kFork, uint64_t(child_pid), c.st[1], share ? 1 : 0);
}

Outcome thread_reserved(Personality& p, Call& c, const Message& reply) {
  if (reply.arg[0] < 0) return Outcome::done(reply.arg[0]);
  int tid = int(reply.arg[0]);
  int guest_control = -1;
  GuestThread& caller = p.thread();
  uint64_t mask = caller.sigmask;
  int control = caller.control_fd;
  auto t = p.add_thread(tid, &guest_control);
  if (!t) {
    give_back_pid(p, tid);
    return Outcome::error(EAGAIN);
  }
  (*t)->sigmask = mask;
  uint64_t flags = c.st[0];
  if ((flags & CLONE_PARENT_SETTID) && !put_tid(p, c.st[2], tid)) {
    close(guest_control);
    p.remove_thread(*t);
    give_back_pid(p, tid);
    return Outcome::error(EFAULT);
  }
  if (flags & CLONE_CHILD_SETTID) put_tid(p, c.st[3], tid);
  if (flags & CLONE_CHILD_CLEARTID) (*t)->clear_child_tid = c.st[3];
  int fds[3] = {(*t)->channel->memfd(), (*t)->channel->doorbell_fd(), guest_control};
  bool sent = send_fds(control, fds, 3);
  close(guest_control);
  if (!sent) {
    p.remove_thread(*t);
    give_back_pid(p, tid);
    return Outcome::error(EAGAIN);
  }
  return Outcome::done(tid).with(Action::kCloneThread, uint64_t(tid), c.st[1], c.st[4],
                                 (flags & CLONE_SETTLS) ? 1 : 0);
}

Outcome start_clone(Personality& p, Call& c, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t ctid,
                    uint64_t tls) {
  if (flags & kRefused) return Outcome::error(EINVAL);
  c.st[0] = flags;
  c.st[1] = sp;
  c.st[2] = ptid;
  c.st[3] = ctid;
  c.st[4] = tls;
  if (flags & CLONE_THREAD) {
    if ((flags & kThreadFlags) != kThreadFlags) return Outcome::error(EINVAL);
    // Unicorn runs each engine alone: two engines on one memory would make
    // the guest's atomic instructions non-atomic.
    if (p.abi == Abi::kLinuxRiscv32) return Outcome::error(ENOSYS);
    return p.request(c, Proc::kAddress, kProcReserve, BufRef{}, thread_reserved, p.uid, int64_t(nproc_limit(p)), 0);
  }
  if (flags & CLONE_SIGHAND) return Outcome::error(EINVAL);  // without CLONE_VM (Linux) or a thread (psx)
  // Sharing memory without being a thread: only vfork's way, which psx runs
  // as a copy the parent waits on (POSIX allows vfork to be fork).
  if ((flags & CLONE_VM) && !(flags & CLONE_VFORK)) return Outcome::error(EINVAL);
  return p.request(c, Proc::kAddress, kProcReserve, BufRef{}, process_reserved, p.uid, int64_t(nproc_limit(p)), 1);
}

Outcome vfork_released(Personality&, Call& c, const Message&) { return Outcome::done(int64_t(c.st[0])); }

}  // namespace

Outcome sys_fork(Personality& p, Call& c) { return start_clone(p, c, SIGCHLD, 0, 0, 0, 0); }
Outcome sys_vfork(Personality& p, Call& c) { return start_clone(p, c, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0); }

Outcome sys_clone(Personality& p, Call& c) {
  // x86-64: flags, stack, parent_tid, child_tid, tls; riscv32: flags, stack, parent_tid, tls, child_tid.
  if (c.wide()) return start_clone(p, c, c.ul(0), c.ptr(1), c.ptr(2), c.ptr(3), c.ul(4));
  return start_clone(p, c, c.ul(0), c.ptr(1), c.ptr(2), c.ptr(4), c.ul(3));
}

Outcome sys_clone3(Personality&, Call&) { return Outcome::error(ENOSYS); }

// The parent's guest host process cloned itself (or failed to).
Outcome fork_done(Personality& p, Call& c, int64_t host_pid) {
  GuestThread& t = p.thread();
  Personality* child = t.fork_child ? p.subsystem().find(t.fork_child) : nullptr;
  int child_pid = t.fork_child;
  t.fork_child = 0;
  if (!child) return Outcome::error(EAGAIN);
  if (host_pid <= 0) {
    p.subsystem().abandon(*child);
    give_back_pid(p, child_pid);
    return Outcome::error(host_pid < 0 ? int(-host_pid) : EAGAIN);
  }
  p.subsystem().finish_fork(p, *child);
  int pidfd = int(syscall(SYS_pidfd_open, pid_t(host_pid), 0));
  if (pidfd < 0) {
    kill(pid_t(host_pid), SIGKILL);
    p.subsystem().abandon(*child);
    give_back_pid(p, child_pid);
    return Outcome::error(EAGAIN);
  }
  child->attach_host_process(int(host_pid), pidfd);
  Message m;
  m.dst = Proc::kAddress;
  m.src = p.address();
  m.op = kProcSpawned;
  m.arg[0] = child_pid;
  m.arg[1] = p.pid;
  m.arg[2] = int64_t(uint64_t(uint32_t(host_pid)) | uint64_t(p.uid) << 32);
  p.kernel().send(m);
  Message ready;
  ready.dst = child->address();
  ready.src = p.address();
  ready.op = kOpForkReady;
  p.kernel().send(ready);
  if (t.vfork) {
    t.vfork = false;
    // The parent waits until the child execs or ends (Personality::release_vfork_parent).
    Outcome o = p.park(c, vfork_released);
    c.interruptible = false;
    c.st[0] = uint64_t(child_pid);
    child->vfork_parent = p.pid;
    child->vfork_tag = c.wait_tag;
    return o;
  }
  return Outcome::done(child_pid);
}

}  // namespace psx
