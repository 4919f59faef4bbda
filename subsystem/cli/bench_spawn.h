// Running one measured program for `psx bench`: its stdout and stderr
// captured, a deadline, and nothing left behind if it overruns.
#pragma once
#include <string>
#include <vector>

namespace psx::cli::bench {

struct Outcome {
  bool started = false;
  bool timed_out = false;
  int status = 0;  // as from waitpid
  std::string out, err;
  bool ok() const;          // started, exited 0 in time
  std::string why() const;  // one line on what went wrong, for the report
};

// Runs argv (argv[0] a path) with the environment plus `env` (NAME=VALUE).
// The child leads its own process group, so on timeout the whole group —
// psx and its guest host process, a tracer and its tracee — is killed.
Outcome spawn_and_wait(const std::vector<std::string>& argv, double timeout_s,
                       const std::vector<std::string>& env = {});

}  // namespace psx::cli::bench
