// The report psx bench prints: Markdown tables (readable in a terminal and
// pasteable into the README), footnotes for what could not be measured, the
// transport and RV32 compute figures, and the targets of issue 7.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

#include "subsystem/cli/bench_report.h"

namespace psx::cli::bench {
namespace {

std::string format_ratio(double r) {
  char buf[32];
  if (r < 10) snprintf(buf, sizeof buf, "%.2f×", r);
  else if (r < 100) snprintf(buf, sizeof buf, "%.1f×", r);
  else snprintf(buf, sizeof buf, "%.0f×", r);
  return buf;
}

std::string format_bytes(double b) {
  // Per-op figures are differences over 2N calls: 2.9999 is 3, as it is for
  // the path beside it (the cell merges paths that agree).
  char buf[32];
  snprintf(buf, sizeof buf, std::fabs(b - std::round(b)) < 0.05 || b >= 100 ? "%.0f" : "%.1f", b);
  return buf;
}

// Numbered notes for the reasons cells are empty: each reason once.
class Footnotes {
 public:
  std::string mark(const std::string& why) {
    auto it = index_.find(why);
    if (it == index_.end()) {
      notes_.push_back(why);
      it = index_.emplace(why, notes_.size()).first;
    }
    return "[" + std::to_string(it->second) + "]";
  }
  std::string text() const {
    std::string s;
    for (size_t i = 0; i < notes_.size(); i++) s += "[" + std::to_string(i + 1) + "] " + notes_[i] + "\n";
    return s;
  }

 private:
  std::map<std::string, size_t> index_;
  std::vector<std::string> notes_;
};

// "transport · kernel processes" per operation on the psx paths: one pair
// when they agree, else one per path.
std::string bytes_cell(const Report& r, const Operation& op) {
  std::vector<std::pair<std::string, std::string>> seen;
  for (const Path& p : r.paths) {
    const Cell* c = r.cell(op.id, p.id);
    if (!p.counts_copies || !c || !c->copies) continue;
    seen.push_back({p.label, format_bytes(c->copies->transport_bytes) + " · " + format_bytes(c->copies->process_bytes)});
  }
  if (seen.empty()) return "—";
  bool same = true;
  for (auto& s : seen) same &= s.second == seen[0].second;
  if (same) return seen[0].second;
  std::string out;
  for (auto& s : seen) out += (out.empty() ? "" : "; ") + s.first + " " + s.second;
  return out;
}

// Which road the psx paths' calls took (from psx run --stats), summed over
// the operations: shows that "psx rewrite" really ran rewritten sites.
std::string roads(const Report& r) {
  std::ostringstream o;
  for (const Path& p : r.paths) {
    if (!p.counts_copies) continue;
    CopyFigures sum;
    int ops = 0;
    for (const Operation& op : r.ops) {
      const Cell* c = r.cell(op.id, p.id);
      if (!c || !c->copies) continue;
      ops++;
      sum.kernel_calls += c->copies->kernel_calls;
      sum.rewritten += c->copies->rewritten;
      sum.sud += c->copies->sud;
      sum.local += c->copies->local;
    }
    if (!ops) continue;
    char line[256];
    if (p.id == "rv32")
      snprintf(line, sizeof line, "- %s: %.1f calls per round of the %d operations, %.1f reached the kernel host\n",
               p.label.c_str(), sum.kernel_calls, ops, sum.kernel_calls);
    else
      snprintf(line, sizeof line,
               "- %s: %.1f calls per round of the %d operations: %.1f by rewritten site, %.1f by SUD trap; %.1f "
               "answered in the guest host process, %.1f reached the kernel host\n",
               p.label.c_str(), sum.rewritten + sum.sud, ops, sum.rewritten, sum.sud, sum.local, sum.kernel_calls);
    o << line;
  }
  std::string s = o.str();
  return s.empty() ? s : "\nRoads the calls took (psx run --stats, per operation, summed):\n" + s;
}

// The null syscall taken apart by differences between figures of this run
// (each a median, so the parts are estimates, not a sum that must add up).
std::string breakdown(const Report& r) {
  const Cell* sud = r.cell("getppid", "sud");
  const Cell* rw = r.cell("getppid", "rewrite");
  const Cell* local = r.cell("getppid", "local");
  const Cell* host = r.cell("getppid", "host");
  if (!rw || !rw->available()) return "";
  std::optional<double> spin, sleep, kmsg;
  for (auto& e : r.transport) {
    if (e.id == "channel_rt_spinning") spin = e.value;
    if (e.id == "channel_rt_sleeping") sleep = e.value;
    if (e.id == "kernel_message_rt") kmsg = e.value;
  }
  std::ostringstream o;
  o << "\nThe null syscall taken apart (differences of this run's medians):\n";
  if (host && host->available()) o << "- host kernel getppid: " << format_ns(host->median_ns()) << "\n";
  o << "- rewritten site -> kernel process -> answer, whole: " << format_ns(rw->median_ns()) << "\n";
  if (sud && sud->available()) {
    // From the fastest runs: medians may come from different regimes (the
    // two sides on one core or on two), and their difference would mix them.
    double best_sud = *std::min_element(sud->samples_ns.begin(), sud->samples_ns.end());
    double best_rw = *std::min_element(rw->samples_ns.begin(), rw->samples_ns.end());
    o << "- trap: a SUD trap costs " << format_ns(best_sud - best_rw)
      << " more than a rewritten site (signal delivery and sigreturn; fastest runs)\n";
  }
  if (spin || sleep)
    o << "- transport: channel round trip alone " << (spin ? format_ns(*spin) : "n/a") << " spinning, "
      << (sleep ? format_ns(*sleep) : "n/a") << " sleeping\n";
  if (spin) {
    double rest = rw->median_ns() - *spin;
    o << "- dispatch and handler (stub, decode, personality, reply), the rest over spinning transport: "
      << (rest > 0 ? format_ns(rest) : "below the noise") << "\n";
  }
  if (kmsg) o << "- one message round trip between kernel processes: " << format_ns(*kmsg) << "\n";
  if (local && local->available())
    o << "- answered in the guest host process instead: " << format_ns(local->median_ns()) << "\n";
  // On a busy two-core machine the runs fall into two regimes (both sides of
  // the channel on their own core, or sharing one): the fastest run shows the
  // first beside the median.
  o << "- fastest of the " << r.repetitions << " runs:";
  for (const char* id : {"host", "sud", "rewrite", "rv32", "qemu", "ptrace"}) {
    const Cell* c = r.cell("getppid", id);
    if (!c || !c->available()) continue;
    double best = *std::min_element(c->samples_ns.begin(), c->samples_ns.end());
    o << " " << id << " " << format_ns(best) << ";";
  }
  o << "\n";
  return o.str();
}

}  // namespace

std::string text_report(const Report& r) {
  std::ostringstream o;
  Footnotes notes;
  o << "psx bench — " << r.date << " — `" << r.command << "`\n\n";
  o << "machine: " << r.machine.cpu << ", " << r.machine.cores << " cores, " << r.machine.kernel << ", KPTI "
    << (r.machine.kpti ? "on" : "off") << " (meltdown: " << r.machine.meltdown << "), load average "
    << r.machine.loadavg << "\n";
  // A busy machine hurts the paths that spin (both sides of the channel want
  // a core) far more than the host's own call: say so next to the figures.
  if (double load = atof(r.machine.loadavg.c_str()); r.machine.cores > 0 && load > double(r.machine.cores))
    o << "note: the load average exceeded the " << r.machine.cores
      << " cores when the run began: the channel's spinning sides compete with other work, so psx paths read slow\n";
  o << "repetitions: " << r.repetitions << " runs per path, paths interleaved; each figure is the median over the runs "
    << "of the guest's own median of its timed loops (~" << r.budget_ms << " ms each), per call (fork rows: per "
       "child; ping-pongs: per round trip); ratio = path / host\n\n";

  o << "| operation |";
  for (const Path& p : r.paths) o << " " << p.label << " |";
  o << " bytes copied per op (transport · kernel processes) |\n|---|";
  for (size_t i = 0; i < r.paths.size(); i++) o << "---:|";
  o << "---:|\n";
  for (const Operation& op : r.ops) {
    o << "| " << op.label << " |";
    for (const Path& p : r.paths) {
      const Cell* c = r.cell(op.id, p.id);
      if (c && c->available()) {
        o << " " << format_ns(c->median_ns());
        if (auto q = r.ratio(op.id, p.id)) o << " " << format_ratio(*q);
        o << " |";
      } else {
        o << " n/a " << notes.mark(c && !c->unavailable.empty() ? c->unavailable : "not measured") << " |";
      }
    }
    o << " " << bytes_cell(r, op) << " |\n";
  }
  o << "\nFiles: under psx in the record store (LMDB; each pwrite is one transaction, durability \"group\"); on the "
       "host, qemu and ptrace paths in a page-cache file under $TMPDIR (default /tmp). Bytes copied: counted by the "
       "kernel host (psx run --stats) from runs of N and 3N calls, per operation; only psx paths have the count.\n";
  std::string fn = notes.text();
  if (!fn.empty()) o << "\n" << fn;

  o << roads(r) << breakdown(r);

  if (!r.transport.empty()) {
    double host = 0;
    for (auto& e : r.transport)
      if (e.id == "host_getppid" && e.value) host = *e.value;
    o << "\nThe transport alone (psx_bench_transport, in this run):\n\n| transport | median | over host getppid |\n"
      << "|---|---:|---:|\n";
    for (auto& e : r.transport) {
      o << "| " << e.label << " | " << (e.value ? format_ns(*e.value) : "n/a") << " | "
        << (e.value && host > 0 ? format_ratio(*e.value / host) : "") << " |\n";
      if (!e.value) o << "|  | " << e.note << " | |\n";
    }
  }
  if (!r.rv32_compute.empty()) {
    o << "\nRV32 compute, psx (Unicorn) time over qemu-riscv32 time (psx_bench_rv32, in this run; below 1: psx "
         "faster):\n\n| workload | psx / qemu | per iteration |\n|---|---:|---|\n";
    for (auto& e : r.rv32_compute)
      o << "| " << e.label << " | " << (e.value ? format_ratio(*e.value) : "n/a") << " | " << e.note << " |\n";
  }

  o << "\nTargets (issue 7; reported, not asserted):\n";
  for (const Target& t : r.targets) {
    std::string mark = !t.met ? "not measured" : *t.met ? "met" : "MISSED";
    o << "- [" << mark << "] " << t.text;
    if (!t.detail.empty()) o << ": " << t.detail;
    o << "\n";
  }
  if (!r.errors.empty()) {
    o << "\nRuns that failed:\n";
    for (auto& e : r.errors) o << "- " << e << "\n";
  }
  o << "\nPaths: ";
  for (size_t i = 0; i < r.paths.size(); i++) o << (i ? "; " : "") << r.paths[i].label << " = " << r.paths[i].description;
  o << ".\n";
  return o.str();
}

}  // namespace psx::cli::bench
