// The columns and rows of `psx bench`, and how each path runs the guest.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "subsystem/cli/bench_report.h"

namespace psx::cli::bench {

// Where the programs psx bench runs live (found next to the psx binary).
struct Tools {
  std::string build;      // the build tree
  std::string psx;        // bin/psx
  std::string guest;      // guests/syscall_ops (x86-64)
  std::string guest_rv32; // guests/syscall_ops.rv32
  std::string exec_target;       // guests/exec_target: what fork_exec_wait executes
  std::string exec_target_rv32;  // guests/exec_target.rv32
  std::string qemu;       // qemu-riscv32 on PATH
  std::string ptrace;     // bench/ptrace/psx_bench_ptrace
  std::string transport;  // bench/kernelprocs/psx_bench_transport
  std::string rv32_bench; // bench/rv32/psx_bench_rv32
};
Tools locate_tools(const std::string& build_override);

const std::vector<Path>& all_paths();
const std::vector<Operation>& all_ops();

// Where psx bench puts the exec targets in its store (psx paths execute
// from the store, as every guest does).
inline constexpr const char* kStoreExecDir = "/psx-bench";

// How a path runs: the command before the guest's own arguments, the guest
// directory (in the store for psx paths, on the host otherwise), or why the
// path cannot run here (a missing tool). `psx_stats` adds --stats for psx.
struct Invocation {
  std::vector<std::string> argv;  // ends with the guest binary
  std::string dir;                // the guest's DIR argument
  std::string unavailable;
  std::string exec_target;        // fork_exec_wait's program as the guest sees it (-x)
  std::string no_exec;            // why there is none (exec_target empty)
};
Invocation invocation(const Path& p, const Tools& t, const std::string& store, const std::string& host_tmp,
                      bool psx_stats);

// Operations a path can do at all: the in-guest-host path answers only the
// identity calls (getppid here); for the others, the reason.
std::string not_on_path(const Path& p, const Operation& op);

// Reads the guest's lines ("op=NAME ns=... iters=... reps=... calls=..." or
// "op=NAME unavailable=REASON") into cells[op].
struct GuestLine {
  std::string op;
  std::optional<double> ns;
  long iters = 0;
  long long calls = 0;
  std::string unavailable;
};
std::vector<GuestLine> parse_guest_output(const std::string& out);

// `psx run --stats` lines: the kernel host's counts and the bytes copied.
struct RunStats {
  bool found = false;  // the bytes-copied line was there
  double transport_bytes = 0, process_bytes = 0, kernel_calls = 0;
  double rewritten = 0, sud = 0, local = 0;
};
RunStats parse_run_stats(const std::string& err);

}  // namespace psx::cli::bench
