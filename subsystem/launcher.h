// Starts guest processes: reads the program, loads it into a new guest memory
// object, creates the personality and its first thread's channel, and forks
// the guest host process that runs it (natively, or in the RV32 emulator).
// It also carries out what only it can for fork (the child's personality and
// memory object), execve (a new image and a new guest host process for the
// same personality) and the end of a process (freeing its personality).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "kernelprocs/kernel.h"
#include "kernelprocs/proc.h"
#include "subsystem/elf_loader.h"
#include "subsystem/personality.h"

namespace psx {

struct LaunchSpec {
  std::string host_path;         // where the program's bytes are read from, or
  std::vector<uint8_t> program;  // the bytes themselves (read from the store)
  std::string execfn;     // how the guest names it (AT_EXECFN)
  std::string store_path;  // its path in the store, if it came from there (/proc/PID/exe)
  std::vector<std::string> argv, envp;
  PersonalityOptions options;
};

// What execve hands over once the program's bytes are read.
struct ExecImage {
  std::vector<uint8_t> program;
  std::string execfn, path;
  std::vector<std::string> argv, envp;
};

class Subsystem : public KernelProcess {
 public:
  static constexpr Address kAddress{0, kSubsystem, 0};
  Subsystem(Kernel& k, Proc& proc);
  ~Subsystem() override;
  void on_message(Kernel& k, const Message& m) override;
  const char* name() const override { return "subsystem"; }

  Result<Personality*, LoadError> launch(const LaunchSpec& spec);
  // fork: the child's personality (state copied from the parent, memory
  // object laid out but not yet filled) and its first thread; *fds gets the
  // descriptors the parent's guest host process must receive: memory object,
  // channel object, doorbell, control socket (close them after sending).
  // share_memory: vfork (CLONE_VM|CLONE_VFORK): the child uses the parent's
  // memory object itself until it execs or ends.
  SysResult<Personality*> fork_child(Personality& parent, int child_pid, int fds[4], bool share_memory);
  // Fill a fork child's memory from its parent's, publish its identity.
  void finish_fork(Personality& parent, Personality& child);
  // A fork whose host clone failed: drop the child.
  void abandon(Personality& child);
  // execve's point of no return: the new image in a new memory object, run by
  // a new guest host process; the old one is killed. Errors before the
  // switch leave the process as it was.
  Result<void, LoadError> exec(Personality& p, const ExecImage& img);
  // The process is gone: free its personality once the current handler returns.
  void retire(int pid);
  Personality* find(int pid);
  // The first guest (its counters are shown by `psx run --stats`).
  Personality* first() { return first_; }

 private:
  // Forks the guest host process for p's main thread and registers it.
  Result<int, LoadError> start_host(Personality& p, GuestThread& t, int guest_control, const BootInfo& boot);
  // Reaps a guest host process nobody waits for any more (the image before execve).
  void retire_host(int host_pid, int pidfd);

  Kernel& kernel_;
  Proc& proc_;
  std::vector<std::unique_ptr<Personality>> all_;
  Personality* first_ = nullptr;
  std::vector<std::pair<int, int>> retired_hosts_;  // host pid, pidfd
  uint64_t guest_nofile_ = 1024;
};

// Personality message operations handled by the Subsystem.
inline constexpr uint16_t kOpRetire = 0x0110;      // arg[0] = guest pid
inline constexpr uint16_t kOpHostReaped = 0x0111;  // arg[0] = pidfd of a retired host process

}  // namespace psx
