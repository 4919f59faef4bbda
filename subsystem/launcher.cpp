#include "subsystem/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "kernelprocs/console.h"
#include "subsystem/guest_start.h"
#include "subsystem/host_stdio.h"
#include "subsystem/shim/shim_region.h"

namespace psx {
namespace {

// Most a guest may map at once (sparse; the kernel host maps each guest's
// object whole, so this times the number of processes must fit its address space).
constexpr uint64_t kGuestMemoryCapacity = 16ull << 30;
constexpr size_t kMaxProgramSize = 1ull << 30;

Result<std::vector<uint8_t>, LoadError> read_program(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Err{LoadError{errno, strerror(errno)}};
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Err{LoadError{EACCES, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file"}};
  }
  if (size_t(st.st_size) > kMaxProgramSize) {
    close(fd);
    return Err{LoadError{ENOMEM, "program larger than 1 GiB"}};
  }
  std::vector<uint8_t> bytes(size_t(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = read(fd, bytes.data() + got, bytes.size() - got);
    if (n <= 0) break;
    got += size_t(n);
  }
  close(fd);
  bytes.resize(got);
  return bytes;
}

// psx's own mappings, which a native guest's fixed addresses must not hit.
void reserve_own_mappings(GuestMemory& mem) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long lo, hi;
    if (sscanf(line.c_str(), "%lx-%lx", &lo, &hi) == 2) mem.reserve_host_range(lo, hi);
  }
  mem.reserve_host_range(0, kPage);  // page zero: vm.mmap_min_addr
}

struct Image {
  std::unique_ptr<GuestMemory> mem;
  LoadedImage img;
  shim::ShimSetup shim;
  uint64_t identity_off = 0;
  Abi abi = Abi::kNone;
};

// A program's bytes in a fresh memory object, ready to run.
Result<Image, LoadError> load_image(const std::vector<uint8_t>& bytes, const std::string& execfn,
                                    const std::vector<std::string>& argv, const std::vector<std::string>& envp,
                                    const PersonalityOptions& opt) {
  Image out;
  auto abi = probe_elf(bytes);
  if (!abi) return Err{abi.error()};
  out.abi = *abi;
  auto mem = GuestMemory::create(kGuestMemoryCapacity);
  if (!mem) return Err{LoadError{mem.error().value, "cannot create guest memory"}};
  if (*abi == Abi::kLinuxX86_64) reserve_own_mappings(**mem);
  LoadRequest req;
  req.file = bytes;
  req.execfn = execfn;
  req.argv = argv;
  req.envp = envp;
  req.uid = opt.uid;
  req.gid = opt.gid;
  auto img = load_elf(req, **mem);
  if (!img) return Err{img.error()};
  out.img = *img;
  if (*abi == Abi::kLinuxX86_64) {
    // Native guests: the shim region, and in rewrite mode the patched image.
    auto region = shim::prepare_shim_region(**mem, opt.trap, img->brk_start + layout_for(*abi).heap_max);
    if (!region) return Err{LoadError{region.error().value, "cannot place the shim region"}};
    out.shim = region->setup;
  } else {
    // riscv32: an identity page outside the guest's address space.
    auto page = (*mem)->alloc(kPage);
    if (!page) return Err{LoadError{ENOMEM, "out of guest memory for the identity page"}};
    out.identity_off = *page;
  }
  out.mem = std::move(*mem);
  return out;
}

void apply_image(Personality& p, const Image& im) {
  p.brk_start = p.brk_cur = im.img.brk_start;
  p.heap_off = im.img.heap_off;
  p.heap_max = layout_for(im.abi).heap_max;
  p.shim = im.shim;
  p.identity_off = im.identity_off;
}

int pidfd_of(int pid) { return int(syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

Subsystem::Subsystem(Kernel& k, Proc& proc) : kernel_(k), proc_(proc) {
  k.attach(kAddress, this);
  // Guests inherit psx's descriptor limit, as a child process would; the
  // kernel host itself holds five descriptors per guest process (memory,
  // channel, doorbell, control socket, pidfd), so it takes its hard limit.
  struct rlimit nofile;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    guest_nofile_ = std::min<uint64_t>(nofile.rlim_cur, 1u << 20);
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
}

Subsystem::~Subsystem() {
  kernel_.detach(kAddress);
  for (auto& [hp, fd] : retired_hosts_) {
    kernel_.unwatch_fd(fd);
    close(fd);
  }
}

Personality* Subsystem::find(int pid) {
  for (auto& p : all_)
    if (p->pid == pid) return p.get();
  return nullptr;
}

Result<int, LoadError> Subsystem::start_host(Personality& p, GuestThread& t, int guest_control, const BootInfo& boot) {
  fflush(nullptr);
  pid_t parent = getpid();
  pid_t child = fork();
  if (child < 0) {
    close(guest_control);
    return Err{LoadError{errno, "fork failed"}};
  }
  if (child == 0) {
    GuestStart gs{boot,     p.mem().fd(),        t.channel->memfd(), t.channel->doorbell_fd(),
                  guest_control, uint32_t(t.tid), parent, p.shim, p.identity_off};
    start_guest_host_process(gs);  // never returns
  }
  close(guest_control);
  int pidfd = pidfd_of(child);
  if (pidfd < 0) {
    kill(child, SIGKILL);
    return Err{LoadError{errno, "pidfd_open failed (needs Linux 5.3 or later)"}};
  }
  p.attach_host_process(child, pidfd);
  return int(child);
}

Result<Personality*, LoadError> Subsystem::launch(const LaunchSpec& spec) {
  auto bytes = spec.program.empty() ? read_program(spec.host_path)
                                    : Result<std::vector<uint8_t>, LoadError>(spec.program);
  if (!bytes) return Err{bytes.error()};
  auto im = load_image(*bytes, spec.execfn, spec.argv, spec.envp, spec.options);
  if (!im) return Err{im.error()};

  int pid = proc_.next_pid();
  auto pers = std::make_unique<Personality>(kernel_, *this, pid, 0, im->abi, std::move(im->mem), spec.options);
  Personality* p = pers.get();
  apply_image(*p, *im);
  p->exe = spec.store_path.empty() ? spec.execfn : spec.store_path;
  p->cmdline = spec.argv;
  p->publish_identity();
  p->nofile_limit = guest_nofile_;
  // The host's 0, 1, 2 as they are, owned by the console.
  for (int fd = 0; fd < 3; fd++) {
    int fl = host_stdio_open(fd) ? fcntl(fd, F_GETFL) : -1;
    FdEntry e;
    if (fl >= 0) {
      e.file = std::make_shared<OpenFile>();
      e.file->owner = Console::kAddress;
      e.file->object = uint64_t(fd);
      e.file->status_flags = uint32_t(fl);  // as F_GETFL shows them natively (O_LARGEFILE included)
    }
    if (p->fds.size() <= size_t(fd)) p->fds.resize(size_t(fd) + 1);
    p->fds[size_t(fd)] = e;
  }
  int guest_control = -1;
  auto t = p->add_thread(pid, &guest_control);
  if (!t) return Err{LoadError{t.error().value, "cannot create the channel"}};
  auto host = start_host(*p, **t, guest_control, im->img.boot);
  if (!host) return Err{host.error()};
  Message m;
  m.dst = Proc::kAddress;
  m.src = p->address();
  m.op = kProcSpawned;
  m.arg[0] = pid;
  m.arg[1] = 0;
  m.arg[2] = int64_t(uint64_t(uint32_t(*host)) | uint64_t(p->uid) << 32);
  kernel_.send(m);
  // Its program and arguments, for /proc/1/exe and /proc/1/cmdline.
  Message ex;
  ex.dst = Proc::kAddress;
  ex.src = p->address();
  ex.op = kProcExec;
  ex.buf = BufRef{0, p->set_exe_text(), p->exe_space()};
  ex.arg[0] = pid;
  ex.arg[1] = *host;
  kernel_.send(ex);
  all_.push_back(std::move(pers));
  if (!first_) first_ = p;
  return p;
}

SysResult<Personality*> Subsystem::fork_child(Personality& parent, int child_pid, int fds[4], bool share_memory) {
  std::shared_ptr<GuestMemory> mem = parent.memory_object();
  if (!share_memory) {
    auto copy = parent.mem().clone_layout();
    if (!copy) return fail(copy.error().value);
    mem = std::move(*copy);
  }
  auto pers = std::make_unique<Personality>(kernel_, *this, child_pid, parent.pid, parent.abi, std::move(mem),
                                            parent.options());
  Personality& c = *pers;
  c.shares_memory = share_memory;
  c.uid = parent.uid;
  c.gid = parent.gid;
  c.fds = parent.fds;  // descriptions shared, as fork shares them
  c.nofile_limit = parent.nofile_limit;
  c.brk_start = parent.brk_start;
  c.brk_cur = parent.brk_cur;
  c.heap_off = parent.heap_off;
  c.heap_max = parent.heap_max;
  c.fs_base = parent.fs_base;
  c.cwd_ino = parent.cwd_ino;
  c.umask = parent.umask;
  c.sigactions = parent.sigactions;
  c.shim = parent.shim;
  c.identity_off = parent.identity_off;
  c.rlimits = parent.rlimits;
  c.rlimits_loaded = parent.rlimits_loaded;
  memcpy(c.comm, parent.comm, sizeof c.comm);
  c.uses_locks = parent.uses_locks;
  c.exe = parent.exe;
  c.cmdline = parent.cmdline;
  int guest_control = -1;
  auto t = c.add_thread(child_pid, &guest_control);
  if (!t) return fail(t.error().value);
  GuestThread& from = parent.thread();
  (*t)->sigmask = from.sigmask;
  (*t)->ss_sp = from.ss_sp;
  (*t)->ss_size = from.ss_size;
  (*t)->ss_flags = from.ss_flags;
  fds[0] = c.mem().fd();
  fds[1] = (*t)->channel->memfd();
  fds[2] = (*t)->channel->doorbell_fd();
  fds[3] = guest_control;
  all_.push_back(std::move(pers));
  return &c;
}

void Subsystem::finish_fork(Personality& parent, Personality& child) {
  if (child.shares_memory) return;
  child.mem().copy_contents_from(parent.mem());
  child.publish_identity();
}

void Subsystem::abandon(Personality& child) {
  child.exited = true;
  retire(child.pid);
}

Result<void, LoadError> Subsystem::exec(Personality& p, const ExecImage& x) {
  auto im = load_image(x.program, x.execfn, x.argv, x.envp, p.options());
  if (!im) return Err{im.error()};
  // The point of no return: the old image's host process goes.
  GuestThread* caller = &p.thread();
  uint64_t mask = caller->sigmask;
  PendingSignals pending = caller->pending;
  int old_host = p.host_pid();
  p.keep_only(nullptr);
  int old_pidfd = p.take_pidfd();
  if (old_host > 0) {
    kill(old_host, SIGKILL);
    retire_host(old_host, old_pidfd);
  }
  p.abi = im->abi;
  p.replace_memory(std::move(im->mem));
  apply_image(p, *im);
  p.exe = x.path;
  p.cmdline = x.argv;
  p.robust_list = 0;
  p.fs_base = 0;
  // POSIX: close-on-exec descriptors close; caught signals return to their
  // default action (ignored ones stay ignored); the mask and pending stay.
  for (size_t n = 0; n < p.fds.size(); n++)
    if (p.fds[n].file && p.fds[n].cloexec) p.close_fd(int(n));
  for (auto& a : p.sigactions)
    if (a.handler > 1) a = SignalAction{};
  std::string base = x.path.substr(x.path.rfind('/') + 1);
  memset(p.comm, 0, sizeof p.comm);
  memcpy(p.comm, base.data(), std::min(base.size(), sizeof p.comm - 1));
  p.publish_identity();
  int guest_control = -1;
  auto t = p.add_thread(p.pid, &guest_control);
  if (t) {
    (*t)->sigmask = mask;
    (*t)->pending = pending;
  }
  auto host = t ? start_host(p, **t, guest_control, im->img.boot)
                : Result<int, LoadError>(Err{LoadError{t.error().value, "cannot create the channel"}});
  if (!host) {
    // Nothing runs the process any more: it ends as if killed.
    fprintf(stderr, "psx: execve %s: %s\n", x.path.c_str(), host.error().message.c_str());
    p.exited = true;
    p.exit_status = SIGKILL;
    Message m;
    m.dst = Proc::kAddress;
    m.src = p.address();
    m.op = kProcExited;
    m.arg[0] = p.pid;
    m.arg[1] = SIGKILL;
    kernel_.send(m);
    retire(p.pid);
    return {};
  }
  p.release_vfork_parent();
  uint32_t len = p.set_exe_text();  // proc copies the path from there
  Message m;
  m.dst = Proc::kAddress;
  m.src = p.address();
  m.op = kProcExec;
  m.buf = BufRef{0, len, p.exe_space()};
  m.arg[0] = p.pid;
  m.arg[1] = *host;
  kernel_.send(m);
  // Caught signals are back to their defaults: SIGCHLD's treatment may have changed.
  p.tell_proc_sigchld();
  return {};
}

void Subsystem::retire_host(int host_pid, int pidfd) {
  if (pidfd < 0) return;
  retired_hosts_.push_back({host_pid, pidfd});
  Message m;
  m.dst = kAddress;
  m.src = kAddress;
  m.op = kOpHostReaped;
  m.arg[0] = pidfd;
  (void)kernel_.watch_fd(pidfd, EPOLLIN, m);
}

void Subsystem::retire(int pid) {
  Message m;
  m.dst = kAddress;
  m.src = kAddress;
  m.op = kOpRetire;
  m.arg[0] = pid;
  kernel_.send(m);
}

void Subsystem::on_message(Kernel&, const Message& m) {
  if (m.op == kOpRetire) {
    for (size_t i = 0; i < all_.size(); i++)
      if (all_[i]->pid == int(m.arg[0]) && all_[i]->exited && all_[i].get() != first_) {
        all_.erase(all_.begin() + long(i));
        return;
      }
    return;
  }
  if (m.op == kOpHostReaped) {
    int fd = int(m.arg[0]);
    for (size_t i = 0; i < retired_hosts_.size(); i++) {
      if (retired_hosts_[i].second != fd) continue;
      siginfo_t si{};
      if (waitid(P_PIDFD, id_t(fd), &si, WEXITED | WNOHANG) == 0 && si.si_pid != 0) {
        kernel_.unwatch_fd(fd);
        close(fd);
        retired_hosts_.erase(retired_hosts_.begin() + long(i));
      } else {
        retire_host(retired_hosts_[i].first, fd);
        retired_hosts_.erase(retired_hosts_.begin() + long(i));
      }
      return;
    }
  }
}

}  // namespace psx
