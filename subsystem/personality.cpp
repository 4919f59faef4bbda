#include "subsystem/personality.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernelprocs/proc.h"
#include "kernelprocs/storage_protocol.h"
#include "syscalls/abi_table.h"
#include "syscalls/trace.h"

namespace psx {

Personality::Personality(Kernel& k, int pid_, int ppid_, Abi abi_, std::unique_ptr<GuestMemory> mem,
                         std::unique_ptr<Channel> channel, const PersonalityOptions& opt)
    : pid(pid_), ppid(ppid_), abi(abi_), uid(opt.uid), gid(opt.gid), kernel_(k), mem_(std::move(mem)),
      channel_(std::move(channel)), opt_(opt) {
  mem_space_ = k.add_space(mem_.get());
  scratch_space_ = k.add_space(&scratch_);
  channel_->set_owner(address());
  channel_->attach(k);
  k.attach(address(), this);
}

Personality::~Personality() {
  kernel_.detach(address());
  kernel_.remove_space(mem_space_);
  kernel_.remove_space(scratch_space_);
  if (channel_) channel_->detach(kernel_);
  if (pidfd_ >= 0) {
    kernel_.unwatch_fd(pidfd_);
    close(pidfd_);
  }
}

void Personality::attach_host_process(int host_pid, int pidfd) {
  host_pid_ = host_pid;
  pidfd_ = pidfd;
  Message m;
  m.dst = address();
  m.src = address();
  m.op = kOpHostExit;
  (void)kernel_.watch_fd(pidfd_, EPOLLIN, m);
}

FdEntry* Personality::fd(int n) {
  if (n < 0 || size_t(n) >= fds.size() || !fds[size_t(n)].file) return nullptr;
  return &fds[size_t(n)];
}

SysResult<int> Personality::install_fd(FdEntry e, int lowest) {
  size_t i = size_t(lowest);
  while (i < fds.size() && fds[i].file) i++;
  if (i >= nofile_limit) return fail(EMFILE);
  if (i >= fds.size()) fds.resize(i + 1);
  fds[i] = std::move(e);
  return int(i);
}

void Personality::set_fd(int n, FdEntry e) {
  if (fds.size() <= size_t(n)) fds.resize(size_t(n) + 1);
  close_fd(n);
  fds[size_t(n)] = std::move(e);
}

void Personality::close_fd(int n) {
  if (n < 0 || size_t(n) >= fds.size() || !fds[size_t(n)].file) return;
  std::shared_ptr<OpenFile> f = std::move(fds[size_t(n)].file);
  fds[size_t(n)] = FdEntry{};
  // Record locks: any close drops the process's POSIX locks on the file; the
  // last close of the description drops its flock and OFD locks.
  if (uses_locks && f->ino) {
    Message m;
    m.dst = kStorageAddress;
    m.src = address();
    m.op = kStorageLockClose;
    m.arg[0] = int64_t(f->ino);
    m.arg[1] = int64_t(reinterpret_cast<uintptr_t>(f.get()));
    m.arg[2] = f.use_count() == 1;
    kernel_.send(m);
  }
  // The last reference of the description: the store may now drop an
  // unlinked inode. Nothing waits for the answer; messages keep their order.
  if (f.use_count() == 1 && f->ino) {
    Message m;
    m.dst = kStorageAddress;
    m.src = address();
    m.op = kStorageRelease;
    m.arg[0] = int64_t(f->ino);
    kernel_.send(m);
  }
}

Outcome Personality::request(Call& c, Address to, uint16_t op, BufRef buf, Continuation k, int64_t a0,
                             int64_t a1, int64_t a2) {
  Message m;
  m.dst = to;
  m.src = address();
  m.op = op;
  m.tag = next_tag_++;
  m.buf = buf;
  m.arg[0] = a0;
  m.arg[1] = a1;
  m.arg[2] = a2;
  c.wait_tag = m.tag;
  c.cont = k;
  kernel_.send(m);
  return Outcome::parked();
}

void Personality::on_message(Kernel& k, const Message& m) {
  if (m.op == kOpChannelFrame && !m.is_reply()) {
    start_call(uint32_t(m.arg[0]));
    return;
  }
  if (m.op == kOpHostExit && !m.is_reply()) {
    host_exited();
    return;
  }
  if (m.is_reply() && busy_ && m.tag == call_.wait_tag && call_.cont) {
    Continuation cont = call_.cont;
    call_.cont = nullptr;
    Outcome o = cont(*this, call_, m);
    if (o.kind == Outcome::kParked) return;
    finish(o);
    return;
  }
  // A stale reply (its call already finished) is dropped.
}

void Personality::start_call(uint32_t slot) {
  const Frame& f = channel_->frame(slot);
  call_ = Call{};
  call_.abi = f.abi == abi ? f.abi : abi;  // the frame cannot choose another ABI
  call_.nr = f.nr;
  call_.frame_tag = f.tag;
  call_.tid = f.tid;
  for (int i = 0; i < 6; i++) call_.a[i] = f.args[i];
  call_.entry = lookup_syscall(abi, f.nr);
  busy_ = true;
  stats.calls++;
  if (exited) {  // a frame after exit: the host process is going away
    finish(Outcome::error(ESRCH));
    return;
  }
  Outcome o;
  if (f.flags & kFrameFault) {
    // A CPU fault: the signal's action decides (default: end the process).
    call_.entry = nullptr;
    if (opt_.trace)
      fprintf(opt_.trace_out, "[pid %d] --- fault: signal %d at pc 0x%llx, address 0x%llx ---\n", pid, f.nr,
              (unsigned long long)f.args[1], (unsigned long long)f.args[0]);
    int sig = f.nr >= 1 && f.nr <= 64 ? f.nr : SIGSEGV;
    o = Outcome::done(0).with(Action::kKillSelf, uint64_t(sig));
    finish(o);
    return;
  }
  if (!call_.entry || call_.entry->op == Op::kNone) {
    if (!call_.entry) stats.unknown++;
    o = Outcome::error(ENOSYS);
  } else {
    call_.op = call_.entry->op;
    o = handler_for(call_.op)(*this, call_);
  }
  if (o.kind == Outcome::kParked) {
    stats.parked++;
    return;
  }
  finish(o);
}

void Personality::finish(Outcome o) {
  if (opt_.trace) trace_call(o);
  Completion c{};
  c.tag = call_.frame_tag;
  c.result = o.result;
  c.action = o.action;
  for (int i = 0; i < 6; i++) c.a[i] = o.a[i];
  if (o.action == Action::kExit || o.action == Action::kKillSelf) exited = true;
  busy_ = false;
  channel_->complete(c);
}

void Personality::trace_call(const Outcome& o) {
  std::string line = format_call(*this, call_, o);
  fprintf(opt_.trace_out, "[pid %d] %s\n", pid, line.c_str());
  fflush(opt_.trace_out);
}

void Personality::host_exited() {
  siginfo_t si{};
  if (waitid(P_PIDFD, id_t(pidfd_), &si, WEXITED | WNOHANG) != 0 || si.si_pid == 0) {
    // Not yet reapable (spurious): watch again.
    attach_host_process(host_pid_, pidfd_);
    return;
  }
  int status = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 : (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
  if (busy_ && !exited && opt_.trace) fprintf(opt_.trace_out, "[pid %d] +++ killed during a call +++\n", pid);
  if (opt_.trace) {
    if (WIFEXITED(status))
      fprintf(opt_.trace_out, "[pid %d] +++ exited with %d +++\n", pid, WEXITSTATUS(status));
    else
      fprintf(opt_.trace_out, "[pid %d] +++ killed by signal %d +++\n", pid, WTERMSIG(status));
  }
  kernel_.unwatch_fd(pidfd_);
  close(pidfd_);
  pidfd_ = -1;
  // The process is gone: its descriptors close.
  for (size_t n = 0; n < fds.size(); n++) close_fd(int(n));
  channel_->detach(kernel_);
  Message m;
  m.dst = Proc::kAddress;
  m.src = address();
  m.op = kProcExited;
  m.arg[0] = pid;
  m.arg[1] = status;
  kernel_.send(m);
}

}  // namespace psx
