// The POSIX personality of one guest process: a kernel process at
// (node, kSubsystem, pid) holding the guest's POSIX state (fd table, creds,
// memory map, signal dispositions) and running its system calls. A frame
// from the channel is decoded with the ABI's table and handed to the
// operation's handler; a handler that needs another kernel process sends it
// a message and parks the call; the reply resumes it. Nothing blocks.
#pragma once
#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "kernelprocs/channel.h"
#include "kernelprocs/kernel.h"
#include "subsystem/guest_memory.h"
#include "subsystem/shim/shim_layout.h"
#include "syscalls/operations.h"

namespace psx {

// What an open file description refers to.
enum class FileKind : uint8_t { kConsole, kRegular, kDirectory, kDevice, kSymlink, kOther };

// An open file description: shared by dup (and later fork), as on Linux.
struct OpenFile {
  Address owner;        // the kernel process that owns the object's I/O
  uint64_t object = 0;  // the owner's name for it (console: host fd; storage: ino; device: rdev)
  uint64_t ino = 0;     // its inode in the store (0 for console objects)
  FileKind kind = FileKind::kConsole;
  uint32_t status_flags = 0;  // O_ACCMODE | O_APPEND | O_NONBLOCK …
  uint64_t offset = 0;        // file offset; for directories the readdir position
  bool seekable() const { return kind == FileKind::kRegular || kind == FileKind::kDirectory || kind == FileKind::kDevice; }
};

struct FdEntry {
  std::shared_ptr<OpenFile> file;
  bool cloexec = false;
};

struct SignalAction {
  uint64_t handler = 0;  // SIG_DFL (0), SIG_IGN (1) or a guest address
  uint64_t flags = 0;
  uint64_t restorer = 0;
  uint64_t mask = 0;
};

struct PersonalityOptions {
  bool trace = false;
  FILE* trace_out = stderr;
  uint32_t uid = 0, gid = 0;
  // How a native guest's system calls reach psx (`psx run --trap=`).
  shim::TrapMode trap = shim::TrapMode::kRewrite;
  // May the guest host process answer identity and clock calls itself?
  // (off: every call reaches the kernel host; --trace implies off)
  bool answer_locally = true;
};

// Per-personality counters (`psx run --stats`).
struct CallStats {
  uint64_t calls = 0;
  uint64_t parked = 0;
  uint64_t unknown = 0;
};

class Personality : public KernelProcess {
 public:
  Personality(Kernel& k, int pid, int ppid, Abi abi, std::unique_ptr<GuestMemory> mem,
              std::unique_ptr<Channel> channel, const PersonalityOptions& opt);
  ~Personality() override;
  void on_message(Kernel& k, const Message& m) override;
  const char* name() const override { return "personality"; }

  Address address() const { return Address{0, kSubsystem, uint32_t(pid)}; }
  // The guest host process that runs this guest: watch it so its death is noticed.
  void attach_host_process(int host_pid, int pidfd);

  // ---- for the handlers in syscalls/ ----
  Kernel& kernel() { return kernel_; }
  GuestMemory& mem() { return *mem_; }
  uint32_t mem_space() const { return mem_space_; }
  BufRef guest_buf(uint64_t addr, uint64_t len) const { return BufRef{addr, uint32_t(len), mem_space_}; }
  // A small buffer of the personality's own that other processes can fill.
  uint8_t* scratch() { return scratch_.bytes.data(); }
  BufRef scratch_buf(uint32_t len) const { return BufRef{0, len, scratch_space_}; }
  // Send a request on behalf of call c and park it until the reply.
  Outcome request(Call& c, Address to, uint16_t op, BufRef buf, Continuation k, int64_t a0 = 0,
                  int64_t a1 = 0, int64_t a2 = 0);
  // Park call c until a reply with the returned tag arrives (e.g. from a timer).
  Outcome park(Call& c, Continuation k) {
    c.wait_tag = next_tag_++;
    c.cont = k;
    return Outcome::parked();
  }
  FdEntry* fd(int n);
  // Drops descriptor n; the last reference of a store object is released.
  void close_fd(int n);
  // Lowest free descriptor >= lowest; EMFILE past RLIMIT_NOFILE.
  SysResult<int> install_fd(FdEntry e, int lowest = 0);
  // Puts e at exactly n (closing what was there).
  void set_fd(int n, FdEntry e);
  uint64_t nofile_limit = 1024;
  PersonalityOptions& options() { return opt_; }

  int pid, ppid;
  Abi abi;
  uint32_t uid, gid;
  std::vector<FdEntry> fds;
  uint64_t brk_start = 0, brk_cur = 0, heap_off = 0, heap_max = 0;
  uint64_t clear_child_tid = 0, robust_list = 0;
  uint64_t fs_base = 0;
  uint64_t cwd_ino = 1;  // the store's root
  uint32_t umask = 022;
  std::array<SignalAction, 65> sigactions{};
  uint64_t sigmask = 0;     // blocked signals (bit sig-1)
  uint64_t sigpending = 0;  // raised while blocked, or awaiting a handler
  CallStats stats;
  shim::ShimSetup shim;  // native guests: the shim region (identity page, counters)
  bool exited = false;  // the guest asked to exit; its host process is ending
  // Process resources (syscalls/sys_limits.cpp, sys_lock.cpp).
  struct Rlimit {
    uint64_t cur = UINT64_MAX, max = UINT64_MAX;
  };
  std::array<Rlimit, 16> rlimits{};  // RLIMIT_*; RLIMIT_NOFILE's cur is nofile_limit
  bool rlimits_loaded = false;       // filled from the host's limits on first use
  char comm[16] = {};                // prctl(PR_SET_NAME); empty: not yet set
  bool uses_locks = false;           // took a record lock or flock: closes tell the storage process
  int host_pid() const { return host_pid_; }

 private:
  struct Scratch : MemorySpace {
    std::array<uint8_t, 16384> bytes{};  // holds a StorageRequest (two paths)
    SysResult<uint8_t*> translate(uint64_t addr, uint64_t len, bool) override {
      if (addr > bytes.size() || len > bytes.size() - addr) return fail(EFAULT);
      return bytes.data() + addr;
    }
  };
  void start_call(uint32_t slot);
  void finish(Outcome o);
  void host_exited();
  void trace_call(const Outcome& o);

  Kernel& kernel_;
  std::unique_ptr<GuestMemory> mem_;
  std::unique_ptr<Channel> channel_;
  PersonalityOptions opt_;
  uint32_t mem_space_ = 0, scratch_space_ = 0;
  Scratch scratch_;
  Call call_;
  bool busy_ = false;
  uint32_t next_tag_ = 1;
  int host_pid_ = -1, pidfd_ = -1;
};

// Personality message operations (besides kOpChannelFrame).
inline constexpr uint16_t kOpHostExit = 0x0101;  // the guest host process ended

}  // namespace psx
