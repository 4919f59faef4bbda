#include "subsystem/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

constexpr uint64_t kGuestMemoryCapacity = 64ull << 30;  // most a guest may map at once (sparse)
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

}  // namespace

std::vector<int> Subsystem::live_host_pids() const {
  std::vector<int> out;
  for (auto& [hp, p] : host_pids_)
    if (proc_.find(p->pid) && proc_.find(p->pid)->alive) out.push_back(hp);
  return out;
}

Result<Personality*, LoadError> Subsystem::launch(const LaunchSpec& spec) {
  auto bytes = spec.program.empty() ? read_program(spec.host_path)
                                    : Result<std::vector<uint8_t>, LoadError>(spec.program);
  if (!bytes) return Err{bytes.error()};
  auto abi = probe_elf(*bytes);
  if (!abi) return Err{abi.error()};
  auto mem = GuestMemory::create(kGuestMemoryCapacity);
  if (!mem) return Err{LoadError{mem.error().value, "cannot create guest memory"}};
  if (*abi == Abi::kLinuxX86_64) reserve_own_mappings(**mem);

  LoadRequest req;
  req.file = *bytes;
  req.execfn = spec.execfn;
  req.argv = spec.argv;
  req.envp = spec.envp;
  req.uid = spec.options.uid;
  req.gid = spec.options.gid;
  auto img = load_elf(req, **mem);
  if (!img) return Err{img.error()};
  // Native guests: the shim region, and in rewrite mode the patched image.
  shim::ShimSetup shim_setup;
  shim::ShimSetup rv32_identity;  // riscv32: an identity page outside the guest's address space
  if (*abi == Abi::kLinuxX86_64) {
    auto region = shim::prepare_shim_region(**mem, spec.options.trap, img->brk_start + layout_for(*abi).heap_max);
    if (!region) return Err{LoadError{region.error().value, "cannot place the shim region"}};
    shim_setup = region->setup;
  } else {
    auto page = (*mem)->alloc(kPage);
    if (!page) return Err{LoadError{ENOMEM, "out of guest memory for the identity page"}};
    rv32_identity.len = kPage;
    rv32_identity.off = *page;
  }
  auto channel = Channel::create();
  if (!channel) return Err{LoadError{channel.error().value, "cannot create the channel"}};

  int memory_fd = (*mem)->fd(), channel_fd = (*channel)->memfd(), doorbell_fd = (*channel)->doorbell_fd();
  int pid = proc_.next_pid();
  auto pers = std::make_unique<Personality>(kernel_, pid, 0, *abi, std::move(*mem), std::move(*channel), spec.options);
  Personality* p = pers.get();
  p->brk_start = p->brk_cur = img->brk_start;
  p->heap_off = img->heap_off;
  p->heap_max = layout_for(*abi).heap_max;
  p->shim = shim_setup;
  // Identity answered in the guest host process; under --trace everything
  // goes to the kernel host so that every call is traced.
  const shim::Identity identity{0, spec.options.answer_locally && !spec.options.trace, pid, p->ppid, pid,
                                p->uid, p->uid, p->gid, p->gid};
  shim::publish_identity(p->mem(), shim_setup, identity);
  shim::publish_identity(p->mem(), rv32_identity, identity);
  // The guest inherits psx's descriptor limit, as a child process would.
  struct rlimit nofile;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) p->nofile_limit = std::min<uint64_t>(nofile.rlim_cur, 1u << 20);
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

  fflush(nullptr);
  pid_t parent = getpid();
  pid_t child = fork();
  if (child < 0) return Err{LoadError{errno, "fork failed"}};
  if (child == 0) {
    GuestStart gs{img->boot, memory_fd, channel_fd, doorbell_fd, uint32_t(pid), parent, shim_setup, rv32_identity.off};
    start_guest_host_process(gs);  // never returns
  }
  int pidfd = int(syscall(SYS_pidfd_open, child, 0));
  if (pidfd < 0) {
    kill(child, SIGKILL);
    return Err{LoadError{errno, "pidfd_open failed (needs Linux 5.3 or later)"}};
  }
  p->attach_host_process(child, pidfd);
  Message m;
  m.dst = Proc::kAddress;
  m.src = p->address();
  m.op = kProcSpawned;
  m.arg[0] = pid;
  m.arg[1] = 0;
  m.arg[2] = child;
  kernel_.send(m);
  host_pids_.push_back({child, p});
  all_.push_back(std::move(pers));
  return p;
}

}  // namespace psx
