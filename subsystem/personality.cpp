#include "subsystem/personality.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernelprocs/pipe.h"
#include "kernelprocs/proc.h"
#include "kernelprocs/storage_protocol.h"
#include "subsystem/launcher.h"
#include "subsystem/shim/shim_region.h"
#include "syscalls/abi_table.h"
#include "syscalls/signals.h"
#include "syscalls/trace.h"

namespace psx {

Personality::Personality(Kernel& k, Subsystem& sub, int pid_, int ppid_, Abi abi_, std::shared_ptr<GuestMemory> mem,
                         const PersonalityOptions& opt)
    : pid(pid_), ppid(ppid_), abi(abi_), uid(opt.uid), gid(opt.gid), kernel_(k), sub_(sub), mem_(std::move(mem)),
      opt_(opt) {
  mem_space_ = k.add_space(mem_.get());
  exe_space_ = k.add_space(&exe_text_);
  k.attach(address(), this);
}

uint32_t Personality::set_exe_text() {
  // The path, then each argument, every one NUL-terminated (kProcExec).
  exe_text_.text = exe;
  exe_text_.text.push_back('\0');
  for (const std::string& a : cmdline) {
    exe_text_.text += a;
    exe_text_.text.push_back('\0');
  }
  uint32_t len = uint32_t(exe_text_.text.size());
  exe_text_.text.pop_back();  // the last NUL is std::string's own
  return len;
}

Personality::~Personality() {
  kernel_.detach(address());
  kernel_.remove_space(mem_space_);
  kernel_.remove_space(exe_space_);
  while (!threads_.empty()) remove_thread(threads_.back().get());
  if (pidfd_ >= 0) {
    kernel_.unwatch_fd(pidfd_);
    close(pidfd_);
  }
}

SysResult<GuestThread*> Personality::add_thread(int tid, int* guest_control) {
  auto t = std::make_unique<GuestThread>();
  auto ch = Channel::create();
  if (!ch) return fail(ch.error().value);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return fail(errno);
  t->tid = tid;
  t->channel = std::move(*ch);
  t->channel->not_inherited();
  t->control_fd = sv[0];
  *guest_control = sv[1];
  t->channel->set_owner(address(), uint32_t(tid));
  t->channel->attach(kernel_);
  t->scratch_space = kernel_.add_space(t->scratch.get());
  threads_.push_back(std::move(t));
  return threads_.back().get();
}

// A wait parked in another kernel process must not be answered to nobody (a
// reaped child's status would be lost): withdraw it.
void Personality::withdraw_wait(GuestThread& t) {
  if (!t.busy || !t.call.cont || t.call.parked_on.process == kNone) return;
  Message cancel;
  cancel.dst = t.call.parked_on;
  cancel.src = address();
  cancel.op = kOpCancel;
  cancel.arg[0] = t.call.wait_tag;
  kernel_.send(cancel);
}

void Personality::remove_thread(GuestThread* t) {
  for (size_t i = 0; i < threads_.size(); i++) {
    if (threads_[i].get() != t) continue;
    for (auto& [lo, hi] : t->unmapping) mem_->unhold(lo, hi);
    withdraw_wait(*t);
    if (t->wake_timer) kernel_.cancel_timer(t->wake_timer);
    t->channel->detach(kernel_);
    kernel_.remove_space(t->scratch_space);
    if (t->control_fd >= 0) close(t->control_fd);
    if (cur_ == t) cur_ = nullptr;
    threads_.erase(threads_.begin() + long(i));
    return;
  }
}

void Personality::keep_only(GuestThread* keep) {
  for (size_t i = threads_.size(); i-- > 0;)
    if (threads_[i].get() != keep) remove_thread(threads_[i].get());
  futex_waiters.clear();
}

GuestThread* Personality::find_thread(int tid) {
  for (auto& t : threads_)
    if (t->tid == tid) return t.get();
  return nullptr;
}

void Personality::replace_memory(std::shared_ptr<GuestMemory> mem) {
  kernel_.remove_space(mem_space_);
  mem_ = std::move(mem);
  mem_space_ = kernel_.add_space(mem_.get());
  shares_memory = false;
}

void Personality::publish_identity() {
  if (shares_memory) return;  // the page is the vfork parent's
  const shim::Identity id{0, opt_.answer_locally && !opt_.trace, pid, ppid, pid, uid, uid, gid, gid};
  shim::publish_identity(*mem_, shim, id);
  if (identity_off) {
    shim::ShimSetup page;
    page.len = kPage;
    page.off = identity_off;
    shim::publish_identity(*mem_, page, id);
  }
}

void Personality::attach_host_process(int host_pid, int pidfd) {
  if (pidfd_ >= 0 && pidfd_ != pidfd) {
    kernel_.unwatch_fd(pidfd_);
    close(pidfd_);
  }
  host_pid_ = host_pid;
  pidfd_ = pidfd;
  Message m;
  m.dst = address();
  m.src = address();
  m.op = kOpHostExit;
  (void)kernel_.watch_fd(pidfd_, EPOLLIN, m);
}

int Personality::take_pidfd() {
  int fd = pidfd_;
  if (fd >= 0) kernel_.unwatch_fd(fd);
  pidfd_ = -1;
  host_pid_ = -1;
  return fd;
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
  // A pipe counts its ends' descriptions: this one is gone (parked requests on it end too).
  if (f.use_count() == 1 && f->kind == FileKind::kPipe) {
    Message m;
    m.dst = f->owner;
    m.src = address();
    m.op = kPipeRelease;
    m.arg[0] = int64_t(f->object);
    m.arg[1] = f->status_flags;
    m.arg[2] = int64_t(reinterpret_cast<uintptr_t>(f.get()));  // the description's id (syscalls/pipe_file.h)
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
  c.parked_on = to;
  // Waits that may last (input, pipes, children, locks) are what a signal
  // interrupts; a store commit is not: it ends on its own, soon.
  c.interruptible = to.process == kPipe || to.process == kConsole || (to.process == kProc && op == kProcWait) ||
                    (to.process == kStorage && op == kStorageLock);
  kernel_.send(m);
  return Outcome::parked();
}

void Personality::on_message(Kernel&, const Message& m) {
  if (m.is_reply()) {
    for (auto& t : threads_)
      if (t->busy && t->call.cont && t->call.wait_tag == m.tag) {
        resume(*t, m);
        return;
      }
    return;  // a stale reply (its call already finished) is dropped
  }
  switch (m.op) {
    case kOpChannelFrame:
      if (GuestThread* t = find_thread(int(m.arg[1]))) start_call(*t, uint32_t(m.arg[0]));
      return;
    case kOpHostExit:
      host_exited();
      return;
    case kProcSignal: {
      SigInfo si;
      si.signo = int(m.arg[0]);
      si.code = int(int32_t(uint64_t(m.arg[1]) & 0xffffffff));
      si.status = int(int32_t(uint64_t(m.arg[1]) >> 32));
      si.pid = int(int32_t(uint64_t(m.arg[2]) & 0xffffffff));
      si.uid = uint32_t(uint64_t(m.arg[2]) >> 32);
      if (si.signo >= 1 && si.signo <= 64) post_signal(si);
      return;
    }
    case kProcReparented:
      ppid = int(m.arg[0]);
      publish_identity();
      return;
    case kOpWakeRetry:
      if (GuestThread* t = find_thread(int(m.arg[0]))) {
        t->wake_timer = 0;
        schedule_signals();
      }
      return;
    case kOpForkReady:
      fork_ready_ = true;
      for (auto& t : threads_)
        if (t->busy && t->call.cont == nullptr && t->call.st[5] == kPsxForkChild) finish(*t, Outcome::done(0));
      return;
    case kOpItimer:
      itimer_expired();
      return;
  }
}

Outcome fork_done(Personality& p, Call& c, int64_t host_pid);  // syscalls/sys_fork.cpp

Outcome Personality::psx_call(GuestThread& t, int32_t what) {
  t.call.internal = true;
  switch (what) {
    case kPsxForkChild:  // answered when the parent's kernel-host side has copied the memory
      if (fork_ready_) return Outcome::done(0);
      t.call.st[5] = kPsxForkChild;
      t.call.cont = nullptr;
      return Outcome::parked();
    case kPsxForkDone:
      return fork_done(*this, t.call, int64_t(t.call.a[0]));
    case kPsxSignalCheck:  // a signal, if one waits, comes with the answer
      return Outcome::done(0);
  }
  return Outcome::error(ENOSYS);
}

void Personality::resume(GuestThread& t, const Message& m) {
  Continuation cont = t.call.cont;
  t.call.cont = nullptr;
  cur_ = &t;
  Outcome o = cont(*this, t.call, m);
  if (o.kind == Outcome::kParked) return;
  finish(t, o);
}

void Personality::start_call(GuestThread& t, uint32_t slot) {
  const Frame& f = t.channel->frame(slot);
  // A new frame: the thread carried out its last completion's action.
  for (auto& [lo, hi] : t.unmapping) mem_->unhold(lo, hi);
  t.unmapping.clear();
  t.call = Call{};
  t.call.abi = abi;  // the frame cannot choose another ABI
  t.call.nr = f.nr;
  t.call.frame_tag = f.tag;
  t.call.tid = uint32_t(t.tid);
  for (int i = 0; i < 6; i++) t.call.a[i] = f.args[i];
  t.busy = true;
  cur_ = &t;
  stats.calls++;
  if (exited) {  // a frame after exit: the host process is going away
    finish(t, Outcome::error(ESRCH));
    return;
  }
  if (f.flags & kFramePsx) {
    Outcome o = psx_call(t, f.nr);
    if (o.kind != Outcome::kParked) finish(t, o);
    return;
  }
  if (f.flags & kFrameFault) {
    // A CPU fault: forced on the thread (a blocked or ignored fault signal
    // takes its default action, as Linux's force_sig does).
    if (opt_.trace)
      fprintf(opt_.trace_out, "[pid %d] --- fault: signal %d at pc 0x%llx, address 0x%llx ---\n", pid, f.nr,
              (unsigned long long)f.args[1], (unsigned long long)f.args[0]);
    int sig = f.nr >= 1 && f.nr <= 64 ? f.nr : SIGSEGV;
    SigInfo si;
    si.signo = sig;
    si.code = int(f.args[2]);
    si.addr = f.args[0];
    force_signal(t, si);
    finish(t, Outcome::done(0));
    return;
  }
  t.call.entry = lookup_syscall(abi, f.nr);
  run_call(t);
}

void Personality::run_call(GuestThread& t) {
  Outcome o;
  if (!t.call.entry || t.call.entry->op == Op::kNone) {
    if (!t.call.entry) stats.unknown++;
    o = Outcome::error(ENOSYS);
  } else {
    t.call.op = t.call.entry->op;
    o = handler_for(t.call.op)(*this, t.call);
  }
  if (o.kind == Outcome::kParked) {
    stats.parked++;
    return;
  }
  finish(t, o);
}

void Personality::finish(GuestThread& t, Outcome o) {
  // Interrupted by a signal that runs no handler (ignored, or a stop and
  // continue): the call goes on as if nothing happened, as Linux restarts it.
  if (o.result == -EINTR && t.call.interrupted && !exited && !handler_signal_ready(t)) {
    t.call.interrupted = false;
    if (t.call.mask_swapped) t.sigmask = t.call.saved_mask;
    t.call.mask_swapped = false;
    t.call.cont = nullptr;
    t.call.parked_on = Address{};
    for (auto& v : t.call.st) v = 0;
    cur_ = &t;
    run_call(t);
    return;
  }
  deliver_on_return(t, o);
  if (opt_.trace && !t.call.internal) trace_call(t, o);
  Completion c{};
  c.tag = t.call.frame_tag;
  c.result = o.result;
  c.action = o.action;
  for (int i = 0; i < 6; i++) c.a[i] = o.a[i];
  if (o.action == Action::kExit || o.action == Action::kKillSelf) {
    exited = true;
    if (exit_status < 0)
      exit_status = o.action == Action::kExit ? int((o.a[0] & 0xff) << 8) : int(o.a[0] & 0x7f);
  }
  t.busy = false;
  t.call.cont = nullptr;
  // Until this thread has unmapped, another thread's new mapping must not land there.
  if (threads_.size() > 1 && (o.action == Action::kUnmap || o.action == Action::kRemap)) {
    uint64_t lo = o.a[0], hi = o.a[0] + o.a[1];
    mem_->hold(lo, hi);
    t.unmapping.push_back({lo, hi});
  }
  t.channel->complete(c);
  if (o.action == Action::kExitThread) {
    thread_exited(t);  // t is gone now
    return;
  }
  if (!exited) schedule_signals();
}

void Personality::trace_call(GuestThread& t, const Outcome& o) {
  std::string line = format_call(*this, t.call, o);
  if (threads_.size() > 1 || t.tid != pid)
    fprintf(opt_.trace_out, "[pid %d] %s\n", t.tid, line.c_str());
  else
    fprintf(opt_.trace_out, "[pid %d] %s\n", pid, line.c_str());
  fflush(opt_.trace_out);
}

void Personality::thread_exited(GuestThread& t) {
  // CLONE_CHILD_CLEARTID: zero the word and wake its futex (pthread_join).
  if (t.clear_child_tid) {
    if (auto h = mem_->translate(t.clear_child_tid, 4, true)) {
      uint32_t zero = 0;
      memcpy(*h, &zero, 4);
      futex_wake(t.clear_child_tid, 1);
    }
  }
  int tid = t.tid;
  remove_thread(&t);
  Message m;
  m.dst = Proc::kAddress;
  m.src = address();
  m.op = kProcThreadGone;
  m.arg[0] = tid;
  kernel_.send(m);
}

void Personality::kill_process(int sig) {
  if (exited) return;
  exited = true;
  exit_status = sig & 0x7f;
  if (opt_.trace) fprintf(opt_.trace_out, "[pid %d] +++ killed by signal %d +++\n", pid, sig);
  if (host_pid_ > 0) ::kill(host_pid_, SIGKILL);
}

void Personality::host_exited() {
  siginfo_t si{};
  if (waitid(P_PIDFD, id_t(pidfd_), &si, WEXITED | WNOHANG) != 0 || si.si_pid == 0) {
    // Not yet reapable (spurious): watch again.
    attach_host_process(host_pid_, pidfd_);
    return;
  }
  int status = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 : (si.si_status & 0x7f);
  bool busy = false;
  for (auto& t : threads_) busy |= t->busy;
  if (exit_status >= 0) {
    status = exit_status;  // decided here (exit_group, a signal psx carried out)
  } else if (busy && opt_.trace) {
    fprintf(opt_.trace_out, "[pid %d] +++ killed during a call +++\n", pid);
  }
  if (opt_.trace && !(exited && exit_status >= 0 && !WIFEXITED(status))) {
    if (WIFEXITED(status))
      fprintf(opt_.trace_out, "[pid %d] +++ exited with %d +++\n", pid, WEXITSTATUS(status));
    else
      fprintf(opt_.trace_out, "[pid %d] +++ killed by signal %d +++\n", pid, WTERMSIG(status));
  }
  exited = true;
  exit_status = status;
  kernel_.unwatch_fd(pidfd_);
  close(pidfd_);
  pidfd_ = -1;
  host_pid_ = -1;
  // The process is gone: its descriptors close, its waits end.
  for (size_t n = 0; n < fds.size(); n++) close_fd(int(n));
  for (auto& t : threads_) {
    withdraw_wait(*t);
    t->busy = false;
    t->call.cont = nullptr;
  }
  if (itimer_real) kernel_.cancel_timer(itimer_real);
  itimer_real = 0;
  release_vfork_parent();
  Message m;
  m.dst = Proc::kAddress;
  m.src = address();
  m.op = kProcExited;
  m.arg[0] = pid;
  m.arg[1] = status;
  kernel_.send(m);
  sub_.retire(pid);  // freed once this handler has returned
}

void Personality::release_vfork_parent() {
  if (!vfork_parent) return;
  Message m;
  m.dst = Address{0, kSubsystem, uint32_t(vfork_parent)};
  m.src = address();
  m.flags = kMsgReply;
  m.tag = vfork_tag;
  m.arg[0] = pid;
  kernel_.send(m);
  vfork_parent = 0;
}

int Personality::futex_wake(uint64_t addr, int n, uint32_t bitset) {
  int woken = 0;
  auto [lo, hi] = futex_waiters.equal_range(addr);
  for (auto it = lo; it != hi && woken < n;) {
    if (!(it->second.bitset & bitset)) {
      ++it;
      continue;
    }
    Message m;
    m.dst = address();
    m.src = address();
    m.flags = kMsgReply;
    m.tag = it->second.tag;
    m.arg[0] = 0;
    kernel_.send(m);  // the waiter's call ends with 0 when this arrives
    it = futex_waiters.erase(it);
    woken++;
  }
  return woken;
}

}  // namespace psx
