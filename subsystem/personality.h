// The POSIX personality of one guest process: a kernel process at
// (node, kSubsystem, pid) holding the guest's POSIX state (fd table, creds,
// memory map, signal dispositions) and running its system calls. A frame
// from the channel is decoded with the ABI's table and handed to the
// operation's handler; a handler that needs another kernel process sends it
// a message and parks the call; the reply resumes it. Nothing blocks.
#pragma once
#include <array>
#include <deque>
#include <map>
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
enum class FileKind : uint8_t { kConsole, kRegular, kDirectory, kDevice, kSymlink, kOther, kPipe };

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

// What a signal carries (siginfo_t's fields psx fills in).
struct SigInfo {
  int signo = 0, code = 0;
  int pid = 0;
  uint32_t uid = 0;
  int status = 0;      // SIGCHLD
  uint64_t value = 0;  // sigqueue's value
  uint64_t addr = 0;   // faults
};

// Signals waiting for delivery: one slot per standard signal (they coalesce),
// a queue per real-time one.
struct PendingSignals {
  uint64_t set = 0;  // bit sig-1
  std::array<std::deque<SigInfo>, 65> info;
  void add(const SigInfo& si);
  SigInfo take(int sig);
  void discard(int sig);
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

class Subsystem;

// One guest thread: its channel (frames from it, completions to it), the call
// it has in progress, and its own signal state.
struct GuestThread {
  struct Scratch : MemorySpace {
    std::array<uint8_t, 16384> bytes{};  // holds a StorageRequest (two paths)
    SysResult<uint8_t*> translate(uint64_t addr, uint64_t len, bool) override {
      if (addr > bytes.size() || len > bytes.size() - addr) return fail(EFAULT);
      return bytes.data() + addr;
    }
  };
  int tid = 0;
  std::unique_ptr<Channel> channel;
  int control_fd = -1;  // the kernel host's end of the thread's control socket
  Call call;
  bool busy = false;
  uint64_t sigmask = 0;     // blocked signals (bit sig-1)
  PendingSignals pending;   // directed at this thread
  uint64_t clear_child_tid = 0;
  uint64_t ss_sp = 0, ss_size = 0;  // sigaltstack
  uint32_t ss_flags = 2;            // SS_DISABLE
  uint64_t wake_timer = 0;  // retry of kWakeSignal while a signal waits
  // Ranges its last completion told it to unmap: held (GuestMemory::hold)
  // until its next frame shows the unmap was done.
  std::vector<std::pair<uint64_t, uint64_t>> unmapping;
  int fork_child = 0;       // a fork's child awaiting kPsxForkDone
  bool vfork = false;
  std::shared_ptr<void> call_state;  // a long call's own state (execve's image)
  std::unique_ptr<Scratch> scratch = std::make_unique<Scratch>();
  uint32_t scratch_space = 0;
};

class Personality : public KernelProcess {
 public:
  Personality(Kernel& k, Subsystem& sub, int pid, int ppid, Abi abi, std::shared_ptr<GuestMemory> mem,
              const PersonalityOptions& opt);
  ~Personality() override;
  void on_message(Kernel& k, const Message& m) override;
  const char* name() const override { return "personality"; }

  Address address() const { return Address{0, kSubsystem, uint32_t(pid)}; }
  // A guest thread with a fresh channel and control socket; *guest_control
  // receives the guest host process's end of the socket.
  SysResult<GuestThread*> add_thread(int tid, int* guest_control);
  // The guest host process that runs this guest: watch it so its death is noticed.
  void attach_host_process(int host_pid, int pidfd);

  // ---- for the handlers in syscalls/ ----
  Kernel& kernel() { return kernel_; }
  Subsystem& subsystem() { return sub_; }
  GuestMemory& mem() { return *mem_; }
  uint32_t mem_space() const { return mem_space_; }
  BufRef guest_buf(uint64_t addr, uint64_t len) const { return BufRef{addr, uint32_t(len), mem_space_}; }
  // The thread whose call is running (handlers and continuations run for one).
  GuestThread& thread() { return *cur_; }
  GuestThread* find_thread(int tid);
  const std::vector<std::unique_ptr<GuestThread>>& threads() const { return threads_; }
  // A small buffer of the calling thread's own that other processes can fill.
  uint8_t* scratch() { return cur_->scratch->bytes.data(); }
  BufRef scratch_buf(uint32_t len) const { return BufRef{0, len, cur_->scratch_space}; }
  // Send a request on behalf of call c and park it until the reply.
  Outcome request(Call& c, Address to, uint16_t op, BufRef buf, Continuation k, int64_t a0 = 0,
                  int64_t a1 = 0, int64_t a2 = 0);
  // Park call c until a reply with the returned tag arrives (e.g. from a timer).
  // A signal interrupts it: k then runs with c.interrupted set.
  Outcome park(Call& c, Continuation k) {
    c.wait_tag = next_tag_++;
    c.cont = k;
    c.parked_on = Address{};
    c.interruptible = true;
    return Outcome::parked();
  }
  uint32_t new_tag() { return next_tag_++; }
  FdEntry* fd(int n);
  // Drops descriptor n; the last reference of a store object is released.
  void close_fd(int n);
  // Lowest free descriptor >= lowest; EMFILE past RLIMIT_NOFILE.
  SysResult<int> install_fd(FdEntry e, int lowest = 0);
  // Puts e at exactly n (closing what was there).
  void set_fd(int n, FdEntry e);
  uint64_t nofile_limit = 1024;
  PersonalityOptions& options() { return opt_; }

  // ---- signals (syscalls/signals.h holds the decisions) ----
  // A signal for the process (thread == null) or one thread.
  void post_signal(const SigInfo& si, GuestThread* thread = nullptr);
  // Look for a pending signal some thread can take now, and get it there.
  void schedule_signals();
  // The guest's process ends: by exit status (exit_group) or a signal.
  void kill_process(int sig);
  // Replace the guest memory (execve).
  void replace_memory(std::shared_ptr<GuestMemory> mem);
  // The memory object itself (a vfork child shares its parent's until it execs or ends).
  const std::shared_ptr<GuestMemory>& memory_object() const { return mem_; }
  bool shares_memory = false;  // a vfork child, until execve
  // Drop every thread but t (execve) and make t the main thread (tid = pid).
  void keep_only(GuestThread* t);
  void remove_thread(GuestThread* t);
  // Re-publish the identity page (after a change of ppid or credentials).
  void publish_identity();
  // A vfork child's parent goes on (the child exec'd or ended).
  void release_vfork_parent();
  // The exe path as a memory space other kernel processes can read (kProcExec);
  // returns its length with the NUL.
  uint32_t set_exe_text();
  uint32_t exe_space() const { return exe_space_; }
  // Tells proc how this process treats SIGCHLD (auto-reap, stop reports).
  void tell_proc_sigchld();

  int pid, ppid;
  Abi abi;
  uint32_t uid, gid;
  std::vector<FdEntry> fds;
  uint64_t brk_start = 0, brk_cur = 0, heap_off = 0, heap_max = 0;
  uint64_t robust_list = 0;
  uint64_t fs_base = 0;
  uint64_t cwd_ino = 1;  // the store's root
  uint32_t umask = 022;
  std::array<SignalAction, 65> sigactions{};
  PendingSignals pending;  // directed at the process
  CallStats stats;
  shim::ShimSetup shim;  // native guests: the shim region (identity page, counters)
  uint64_t identity_off = 0;  // riscv32 guests: the identity page in the memory object
  bool exited = false;  // the guest asked to exit; its host process is ending
  int exit_status = -1;  // the wait status it ends with, when decided here
  bool stopped = false;
  std::string exe;       // the program's path in the store (/proc/PID/exe)
  std::vector<std::string> cmdline;
  int vfork_parent = 0;  // a vfork child: its parent's pid, until exec or exit
  uint32_t vfork_tag = 0;
  // Process resources (syscalls/sys_limits.cpp, sys_lock.cpp).
  struct Rlimit {
    uint64_t cur = UINT64_MAX, max = UINT64_MAX;
  };
  std::array<Rlimit, 16> rlimits{};  // RLIMIT_*; RLIMIT_NOFILE's cur is nofile_limit
  bool rlimits_loaded = false;       // filled from the host's limits on first use
  char comm[16] = {};                // prctl(PR_SET_NAME); empty: not yet set
  bool uses_locks = false;           // took a record lock or flock: closes tell the storage process
  uint64_t itimer_real = 0;          // the ITIMER_REAL timer id (0: none)
  uint64_t itimer_deadline = 0, itimer_interval = 0;
  int host_pid() const { return host_pid_; }
  // Stop watching the host process (execve replaces it); returns its pidfd.
  int take_pidfd();

  // Futex waiters (syscalls/sys_futex.cpp): address -> waiting threads.
  struct FutexWaiter {
    int tid;
    uint32_t bitset;
    uint32_t tag;
  };
  std::multimap<uint64_t, FutexWaiter> futex_waiters;
  // ITIMER_REAL / alarm: arm (0: disarm) and what is left.
  void arm_itimer(uint64_t deadline_ns, uint64_t interval_ns);
  // Wake up to n waiters on addr whose bitset matches; returns how many.
  int futex_wake(uint64_t addr, int n, uint32_t bitset = ~0u);

 private:
  void start_call(GuestThread& t, uint32_t slot);
  void finish(GuestThread& t, Outcome o);
  void resume(GuestThread& t, const Message& m);
  void host_exited();
  void trace_call(GuestThread& t, const Outcome& o);
  void interrupt(GuestThread& t);
  void wake_thread(GuestThread& t);
  // Attach a pending signal's delivery to o, if t can take one now.
  void deliver_on_return(GuestThread& t, Outcome& o);
  void run_call(GuestThread& t);
  Outcome psx_call(GuestThread& t, int32_t what);
  // A fault's signal: a blocked or ignored one takes its default action.
  void force_signal(GuestThread& t, const SigInfo& si);
  // A pending signal t could take now whose action is a guest handler.
  bool handler_signal_ready(GuestThread& t) const;
  void thread_exited(GuestThread& t);
  void withdraw_wait(GuestThread& t);
  void tell_proc_state(int sig);  // stopped by sig, or continued (0)
  void itimer_expired();
  void stop_process(int sig);
  void continue_process();
  bool fork_ready_ = false;

  Kernel& kernel_;
  Subsystem& sub_;
  std::shared_ptr<GuestMemory> mem_;
  PersonalityOptions opt_;
  uint32_t mem_space_ = 0;
  struct TextSpace : MemorySpace {
    std::string text;
    SysResult<uint8_t*> translate(uint64_t addr, uint64_t len, bool write) override {
      if (write || addr > text.size() + 1 || len > text.size() + 1 - addr) return fail(EFAULT);
      return reinterpret_cast<uint8_t*>(text.data()) + addr;
    }
  };
  TextSpace exe_text_;
  uint32_t exe_space_ = 0;
  std::vector<std::unique_ptr<GuestThread>> threads_;
  GuestThread* cur_ = nullptr;
  uint32_t next_tag_ = 1;
  int host_pid_ = -1, pidfd_ = -1;
};

// Personality message operations (besides kOpChannelFrame).
inline constexpr uint16_t kOpHostExit = 0x0101;   // the guest host process ended
inline constexpr uint16_t kOpWakeRetry = 0x0102;  // arg[0] = tid: a signal still waits for that thread
inline constexpr uint16_t kOpForkReady = 0x0103;  // to a fork child: its memory is copied
inline constexpr uint16_t kOpVforkDone = 0x0104;  // to a vfork parent: arg[0] = parked tag
inline constexpr uint16_t kOpItimer = 0x0105;     // ITIMER_REAL expired

}  // namespace psx
