// The proc kernel process: the table of guest processes (pid, parent, state,
// exit status). It stops the event kernel when the last guest is gone.
#pragma once
#include <map>

#include "kernelprocs/kernel.h"

namespace psx {

enum ProcOp : uint16_t {
  kProcSpawned = 0x0300,  // arg[0] = pid, arg[1] = parent pid, arg[2] = host pid
  kProcExited,            // arg[0] = pid, arg[1] = wait status (Linux encoding)
};

class Proc : public KernelProcess {
 public:
  static constexpr Address kAddress{0, kProc, 0};
  struct Record {
    int pid = 0, ppid = 0, host_pid = 0;
    bool alive = true;
    int wait_status = 0;
  };
  void on_message(Kernel& k, const Message& m) override;
  const char* name() const override { return "proc"; }

  int next_pid() { return next_pid_++; }
  const Record* find(int pid) const;
  size_t live() const { return live_; }
  // Stop the kernel when no guest remains (on for `psx run`).
  void set_stop_when_empty(bool on) { stop_when_empty_ = on; }

 private:
  std::map<int, Record> table_;
  size_t live_ = 0;
  int next_pid_ = 1;
  bool stop_when_empty_ = true;
};

}  // namespace psx
