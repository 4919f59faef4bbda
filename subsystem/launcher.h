// Starts guest processes: reads the program, loads it into a new guest memory
// object, creates the channel and the personality, and forks the guest host
// process that runs it (natively, or in the RV32 emulator).
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
  std::vector<std::string> argv, envp;
  PersonalityOptions options;
};

class Subsystem {
 public:
  Subsystem(Kernel& k, Proc& proc) : kernel_(k), proc_(proc) {}
  Result<Personality*, LoadError> launch(const LaunchSpec& spec);
  const std::vector<std::unique_ptr<Personality>>& personalities() const { return all_; }
  // Host pids of guest host processes still running (for signal forwarding).
  std::vector<int> live_host_pids() const;

 private:
  Kernel& kernel_;
  Proc& proc_;
  std::vector<std::unique_ptr<Personality>> all_;
  std::vector<std::pair<int, Personality*>> host_pids_;
};

}  // namespace psx
