// What `psx bench` measured: the figures of one run, shared by the runner
// (bench_command.cpp), the text table (bench_text.cpp), the JSON
// (bench_json.cpp) and the chart (bench_svg.cpp).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace psx::cli::bench {

// One road from a program's system call to an answer (a column).
struct Path {
  std::string id;           // "host", "sud", ... (JSON keys, --paths)
  std::string label;        // the column heading
  std::string description;  // one line for --help, the JSON and the legend
  bool counts_copies;       // a psx path: the kernel host counts copied bytes
};

// One operation the guest times (a row).
struct Operation {
  std::string id;     // the guest's name for it (syscall_ops OP)
  std::string label;  // the row heading
  // Forks or uses pipes (issue 5): run in a guest run of its own, so that a
  // road where these hang or crash cannot take the other rows with it.
  bool processes = false;
};

// Bytes psx copied per operation, and which roads its calls took (from
// `psx run --stats`, two iteration counts, the difference per operation).
struct CopyFigures {
  double transport_bytes = 0;  // payload bytes the channel and messages copied
  double process_bytes = 0;    // bytes kernel processes copied between buffers
  double kernel_calls = 0;     // calls that reached the kernel host
  double rewritten = 0, sud = 0, local = 0;  // calls by road (native paths)
};

// One operation on one path.
struct Cell {
  std::vector<double> samples_ns;  // one per repetition: the guest's median ns per call
  std::string unavailable;         // why there is no figure (empty: there is one)
  long iterations = 0;             // the guest's calibrated count, last repetition
  std::optional<CopyFigures> copies;
  std::string copies_error;        // why copies were not counted, when a psx path

  bool available() const { return !samples_ns.empty(); }
  double median_ns() const;
};

// A figure that is not per path (transport alone, RV32 compute).
struct Extra {
  std::string id, label;
  std::optional<double> value;  // ns, or a ratio for kind "ratio"
  std::string unit;             // "ns" or "ratio"
  std::string note;             // how it was measured / why it is missing
};

// A target from issue 7, checked against this run (reported, not asserted).
struct Target {
  std::string id, text;
  std::optional<double> value;  // the measured figure (ratio or ns)
  std::string unit;
  double goal = 0;              // met when value <= goal (or < for strict)
  bool strict = false;
  std::optional<bool> met;      // nothing: not measured in this run
  std::string detail;
};

struct Machine {
  std::string cpu, kernel, meltdown, loadavg;
  long cores = 0;
  bool kpti = false;
};

struct Report {
  std::string date, command;
  bool quick = false;
  int repetitions = 0;
  int budget_ms = 0;  // per guest repetition
  Machine machine;
  std::vector<Path> paths;
  std::vector<Operation> ops;
  std::map<std::string, std::map<std::string, Cell>> cells;  // [op][path]
  std::vector<Extra> transport, rv32_compute;
  std::vector<Target> targets;
  std::vector<std::string> errors;  // runs that failed, with the reason

  const Cell* cell(const std::string& op, const std::string& path) const;
  // The path's median over the host's for the same operation, in this run.
  std::optional<double> ratio(const std::string& op, const std::string& path) const;
};

Machine describe_machine();
std::string format_ns(double ns);  // "850 ns", "1.23 µs", "4.5 ms"
// The text table and notes, as printed (Markdown tables, readable as text).
std::string text_report(const Report& r);
std::string json_report(const Report& r);
std::string svg_report(const Report& r);
void check_targets(Report& r);

}  // namespace psx::cli::bench
