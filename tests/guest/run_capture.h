// Runs a command with given stdin and environment and captures everything
// that can be compared: stdout, stderr and the wait status.
#pragma once
#include <string>
#include <vector>

namespace psx::test {

enum class Stdin { kData, kDevNull, kClosed };

struct RunSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  Stdin stdin_kind = Stdin::kData;
  std::string stdin_data;
  bool stdout_broken_pipe = false;  // stdout is a pipe nobody reads
  // stdin, stdout and stderr are one pseudo-terminal (24x80); stdin_data is
  // typed into it and everything it shows is captured as `out`.
  bool pty = false;
  bool merge_stderr = false;  // stderr is the stdout pipe: one stream in write order (`2>&1`)
  int timeout_s = 60;
};

struct RunResult {
  std::string out, err;
  int status = -1;  // as waitpid reports it
  bool timed_out = false;
};

RunResult run_capture(const RunSpec& spec);

// Records which system calls a `psx run --trace-file TRACE` made, for the
// coverage test: the names go to PSX_COVERAGE_DIR/ABI.CASE.calls.
void save_coverage(const std::string& abi, const std::string& case_name, const std::string& trace);

// A fresh directory under /tmp, removed with everything in it at scope exit.
struct TempDir {
  std::string path;
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};
std::string describe_status(int status);
// n bytes of a fixed pseudo-random sequence (stdin for the large-input cases).
std::string pattern(size_t n);

// Puts the host file `host_file` into `store` (created if missing) as `store_path`, by
// `psx store import` of a one-file directory. A guest sees only its store's files, so a
// program that execs itself needs its own binary there; importing it at the host path
// gives it the same path in both worlds. Returns "" or what went wrong.
std::string import_file(const std::string& psx_bin, const std::string& store, const std::string& host_file,
                        const std::string& store_path);

}  // namespace psx::test
