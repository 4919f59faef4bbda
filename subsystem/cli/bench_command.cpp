// psx bench: every road from a program's system call to an answer, measured
// side by side in one run, as ratios to the host kernel's own call (issue 7;
// DESIGN.md, "Measuring"). The guest program bench/guest/syscall_ops.c times
// its own loops on each path; repetitions interleave the paths so that the
// load of a shared machine falls on all of them alike. Then, for the psx
// paths, two short runs under `psx run --stats` give the bytes psx copied and
// the roads the calls took, per operation. The transport alone and RV32
// compute come from the other benchmark programs (bench_extras.cpp).
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "subsystem/cli/bench_extras.h"
#include "subsystem/cli/bench_paths.h"
#include "subsystem/cli/bench_report.h"
#include "subsystem/cli/bench_spawn.h"
#include "subsystem/cli/commands.h"

namespace psx::cli {
namespace {

using namespace bench;

void bench_usage(FILE* out) {
  fprintf(out,
          "usage: psx bench [--quick] [--reps N] [--json FILE] [--svg FILE] [--paths LIST] [--ops LIST]\n"
          "                 [--no-extras] [--build DIR]\n"
          "\n"
          "Measures each system call path side by side in one run and prints one table:\n"
          "rows are operations, columns are paths, cells are the median time per call and\n"
          "its ratio to the host kernel's own call measured in the same run, plus the bytes\n"
          "psx copied per operation (by the transport · by kernel processes), the transport\n"
          "alone, RV32 compute against qemu-riscv32, and the targets of issue 7.\n"
          "\n"
          "options:\n"
          "  --quick        a first look: fewer and shorter repetitions (under a minute)\n"
          "  --reps N       runs per path (default 5, --quick 3); the figure is their median\n"
          "  --json FILE    write every figure, raw samples included\n"
          "  --svg FILE     draw a bar chart per operation (log scale, one colour per path)\n"
          "  --paths LIST   comma-separated paths to run (default: all; host is always run)\n"
          "  --ops LIST     comma-separated operations to run (default: all)\n"
          "  --no-extras    skip the transport and RV32 compute benchmarks\n"
          "  --build DIR    the build tree holding the guest and benchmark programs\n"
          "                 (default: the one this psx was built in)\n"
          "  --help         show this text\n"
          "\n"
          "paths:\n");
  for (const Path& p : all_paths()) fprintf(out, "  %-8s %s\n", p.id.c_str(), p.description.c_str());
  fprintf(out, "\noperations:\n");
  for (const Operation& o : all_ops()) fprintf(out, "  %-18s %s\n", o.id.c_str(), o.label.c_str());
}

struct Options {
  bool quick = false, extras = true;
  int reps = 0;
  std::string json, svg, build;
  std::set<std::string> paths, ops;  // empty: all
};

std::set<std::string> split(const std::string& s) {
  std::set<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.insert(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string utc_now() {
  time_t t = time(nullptr);
  tm u{};
  gmtime_r(&t, &u);
  char buf[40];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &u);
  return buf;
}

int remove_entry(const char* path, const struct stat*, int, FTW*) { return remove(path); }

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  return bool(f);
}

// The guest's arguments after its path-specific prefix.
std::vector<std::string> guest_args(const Invocation& inv, const std::vector<std::string>& extra,
                                    const std::vector<std::string>& ops) {
  std::vector<std::string> a = inv.argv;
  a.insert(a.end(), extra.begin(), extra.end());
  if (!inv.exec_target.empty() && std::find(ops.begin(), ops.end(), "fork_exec_wait") != ops.end())
    a.insert(a.end(), {"-x", inv.exec_target});
  a.push_back(inv.dir);
  a.insert(a.end(), ops.begin(), ops.end());
  return a;
}

class Runner {
 public:
  Runner(const Options& opt, Report& r, const Tools& t, std::string tmp)
      : opt_(opt), r_(r), t_(t), tmp_(std::move(tmp)), store_(tmp_ + "/bench.psx") {}

  // fork_exec_wait on the psx paths executes its program from the store, as
  // every guest's execve does: exec_target (and its riscv32 build) go into
  // the bench store first, with psx store import, under kStoreExecDir.
  void prepare_store() {
    bool wanted = std::any_of(r_.ops.begin(), r_.ops.end(), [](auto& o) { return o.id == "fork_exec_wait"; }) &&
                  std::any_of(r_.paths.begin(), r_.paths.end(), [](auto& p) { return p.counts_copies; });
    if (!wanted) return;
    std::string dir = tmp_ + "/exec-import";
    std::error_code ec;
    std::filesystem::create_directory(dir, ec);
    int files = 0;
    for (const std::string& f : {t_.exec_target, t_.exec_target_rv32}) {
      if (access(f.c_str(), X_OK) != 0) continue;  // invocation() says why it is missing
      std::filesystem::copy_file(f, dir + f.substr(f.rfind('/')), ec);
      if (ec) {
        import_error_ = "cannot copy " + f + " for the bench store: " + ec.message();
        return;
      }
      files++;
    }
    if (!files) return;
    Outcome o = spawn_and_wait({t_.psx, "store", "--store", store_, "import", dir, kStoreExecDir}, 60);
    if (!o.ok()) import_error_ = "psx store import of exec_target into the bench store failed: " + o.why();
  }

  void measure() {
    // Which paths run which operations; the others are marked here, once.
    std::vector<const Path*> active;
    for (const Path& p : r_.paths) {
      Invocation inv = invoke(p, false);
      std::vector<std::string> ops;
      for (const Operation& op : r_.ops) {
        std::string no = inv.unavailable.empty() ? not_on_path(p, op) : inv.unavailable;
        if (no.empty() && op.id == "fork_exec_wait" && inv.exec_target.empty()) no = inv.no_exec;
        if (no.empty()) ops.push_back(op.id);
        else r_.cells[op.id][p.id].unavailable = no;
      }
      if (!ops.empty()) {
        active.push_back(&p);
        plan_[p.id] = {inv, ops};
      }
    }
    const std::vector<std::string> timing = {"-t", std::to_string(r_.budget_ms), "-r", opt_.quick ? "3" : "5"};
    for (int rep = 0; rep < r_.repetitions; rep++) {
      fprintf(stderr, "psx bench: run %d of %d:", rep + 1, r_.repetitions);
      // Interleaved, and each repetition starts one path later: no path
      // always runs first (or right after a noisy neighbour).
      for (size_t k = 0; k < active.size(); k++) {
        const Path& p = *active[(k + size_t(rep)) % active.size()];
        fprintf(stderr, " %s", p.id.c_str());
        auto& [inv, ops] = plan_[p.id];
        // The calls first, then fork and pipes in a run of their own: where
        // those hang or crash (a road still growing them), only their rows
        // are lost, and sooner (they take well under a second on the host).
        for (bool processes : {false, true}) {
          std::vector<std::string> group;
          for (const std::string& op : ops)
            if (is_process_op(op) == processes) group.push_back(op);
          if (group.empty()) continue;
          double deadline = processes ? (opt_.quick ? 30 : 150) : (opt_.quick ? 60 : 300);
          take(p, rep, spawn_and_wait(guest_args(inv, timing, group), deadline), group);
        }
      }
      fprintf(stderr, "\n");
    }
  }

  // Bytes copied and roads per operation on the psx paths: runs of N and 3N
  // iterations; the difference over 2N leaves start-up and set-up out.
  void count_copies() {
    fprintf(stderr, "psx bench: counting copied bytes:");
    for (const Path& p : r_.paths) {
      if (!p.counts_copies || !plan_.count(p.id)) continue;
      fprintf(stderr, " %s", p.id.c_str());
      Invocation inv = invoke(p, true);
      for (const std::string& op : plan_[p.id].second) {
        Cell& c = r_.cells[op][p.id];
        if (!c.available()) continue;
        // About 2 ms of calls at the measured speed, within [20, 2000]; at
        // least 2 children for the process rows, whose copies do not vary
        // from one to the next (a fork+execve under psx takes tens of ms:
        // 20 and 60 of them would be seconds per path).
        long least = is_process_op(op) ? 2 : 20;
        long n = std::clamp(long(2e6 / std::max(c.median_ns(), 1.0)), least, 2000L);
        RunStats s[2];
        bool ok = true;
        for (int k = 0; k < 2 && ok; k++) {
          Outcome o = spawn_and_wait(guest_args(inv, {"-n", std::to_string(k ? 3 * n : n)}, {op}), 60);
          s[k] = parse_run_stats(o.err);
          if (!o.ok() || !s[k].found) {
            c.copies_error = o.ok() ? "psx run --stats printed no bytes-copied line" : o.why();
            ok = false;
          }
        }
        if (!ok) continue;
        double per = 1.0 / double(2 * n);
        c.copies = CopyFigures{(s[1].transport_bytes - s[0].transport_bytes) * per,
                               (s[1].process_bytes - s[0].process_bytes) * per,
                               (s[1].kernel_calls - s[0].kernel_calls) * per,
                               (s[1].rewritten - s[0].rewritten) * per,
                               (s[1].sud - s[0].sud) * per,
                               (s[1].local - s[0].local) * per};
      }
    }
    fprintf(stderr, "\n");
  }

 private:
  Invocation invoke(const Path& p, bool stats) {
    Invocation inv = invocation(p, t_, store_, tmp_, stats);
    if (p.counts_copies && !import_error_.empty() && !inv.exec_target.empty()) {
      inv.exec_target.clear();
      inv.no_exec = import_error_;
    }
    return inv;
  }

  bool is_process_op(const std::string& id) const {
    for (const Operation& op : r_.ops)
      if (op.id == id) return op.processes;
    return false;
  }

  // The guest's lines for the operations `ops` of one run of path p.
  void take(const Path& p, int rep, const Outcome& o, const std::vector<std::string>& ops) {
    std::set<std::string> seen;
    for (const GuestLine& g : parse_guest_output(o.out)) {
      Cell& c = r_.cells[g.op][p.id];
      seen.insert(g.op);
      if (g.ns) {
        c.samples_ns.push_back(*g.ns);
        c.iterations = g.iters;
      } else if (c.unavailable.empty()) {
        c.unavailable = "not available on this path yet: " + g.unavailable;
      }
    }
    if (o.ok()) return;
    std::string what = is_process_op(ops.front()) ? ", fork and pipe rows" : "";
    r_.errors.push_back(p.id + " (run " + std::to_string(rep + 1) + what + "): " + o.why());
    for (const std::string& op : ops) {
      Cell& c = r_.cells[op][p.id];
      if (!seen.count(op) && c.unavailable.empty()) c.unavailable = "the run failed: " + o.why();
    }
  }

  const Options& opt_;
  Report& r_;
  const Tools& t_;
  std::string tmp_, store_;
  std::string import_error_;  // why the exec targets are not in the store
  std::map<std::string, std::pair<Invocation, std::vector<std::string>>> plan_;
};

}  // namespace

int bench_main(int argc, char** argv) {
  Options opt;
  std::string command = "psx bench";
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    command += " " + a;
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        fprintf(stderr, "psx bench: %s needs a value\n", a.c_str());
        exit(2);
      }
      command += std::string(" ") + argv[i + 1];
      return argv[++i];
    };
    if (a == "--quick") opt.quick = true;
    else if (a == "--no-extras") opt.extras = false;
    else if (a == "--reps") opt.reps = atoi(value().c_str());
    else if (a == "--json") opt.json = value();
    else if (a == "--svg") opt.svg = value();
    else if (a == "--paths") opt.paths = split(value());
    else if (a == "--ops") opt.ops = split(value());
    else if (a == "--build") opt.build = value();
    else if (a == "--help" || a == "-h") {
      bench_usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "psx bench: unknown option %s\n", a.c_str());
      bench_usage(stderr);
      return 2;
    }
  }
  if (opt.reps < 0 || opt.reps > 50) {
    fprintf(stderr, "psx bench: --reps takes 1 to 50\n");
    return 2;
  }

  Report r;
  r.date = utc_now();
  r.command = command;
  r.quick = opt.quick;
  r.repetitions = opt.reps ? opt.reps : opt.quick ? 3 : 5;
  r.budget_ms = opt.quick ? 4 : 20;
  r.machine = describe_machine();
  for (const Path& p : all_paths())
    if (opt.paths.empty() || opt.paths.count(p.id) || p.id == "host") r.paths.push_back(p);
  for (const Operation& o : all_ops())
    if (opt.ops.empty() || opt.ops.count(o.id)) r.ops.push_back(o);
  for (auto& name : opt.paths)
    if (std::none_of(all_paths().begin(), all_paths().end(), [&](const Path& p) { return p.id == name; })) {
      fprintf(stderr, "psx bench: no path %s (see psx bench --help)\n", name.c_str());
      return 2;
    }
  if (r.ops.empty() || r.ops.size() != (opt.ops.empty() ? all_ops().size() : opt.ops.size())) {
    fprintf(stderr, "psx bench: unknown operation in --ops (see psx bench --help)\n");
    return 2;
  }

  Tools tools = locate_tools(opt.build);
  const char* tmpdir = getenv("TMPDIR");
  std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/psx-bench-XXXXXX";
  if (!mkdtemp(tmpl.data())) {
    fprintf(stderr, "psx bench: cannot make a temporary directory: %s\n", strerror(errno));
    return 1;
  }
  std::string tmp = tmpl;

  Runner run(opt, r, tools, tmp);
  run.prepare_store();
  run.measure();
  run.count_copies();
  if (opt.extras) {
    fprintf(stderr, "psx bench: the transport alone\n");
    r.transport = measure_transport(tools, opt.quick, r.errors);
    fprintf(stderr, "psx bench: RV32 compute against qemu-riscv32\n");
    r.rv32_compute = measure_rv32_compute(tools, opt.quick, tmp, r.errors);
  }
  check_targets(r);
  nftw(tmp.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);

  fputs(text_report(r).c_str(), stdout);
  int rc = 0;
  if (!opt.json.empty() && !write_file(opt.json, json_report(r))) {
    fprintf(stderr, "psx bench: cannot write %s\n", opt.json.c_str());
    rc = 1;
  }
  if (!opt.svg.empty() && !write_file(opt.svg, svg_report(r))) {
    fprintf(stderr, "psx bench: cannot write %s\n", opt.svg.c_str());
    rc = 1;
  }
  // Nothing measured at all (not even the host) is a failure; a path that
  // could not run is a row of the report, not an error of the command.
  bool any = false;
  for (auto& [op, row] : r.cells)
    for (auto& [path, c] : row) any |= c.available();
  return any ? rc : 1;
}

}  // namespace psx::cli
