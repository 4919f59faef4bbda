// psx bench --quick --json F --svg G: the report has every path for every
// operation (a figure with its ratio, or "unavailable" with a reason), the
// machine line, the bytes-copied figures on the psx paths, the targets; the
// SVG is well-formed with one bar group per operation. The run happens once
// for the whole suite. No figure is compared with anything: tests do not
// time anything (CONVENTIONS), they check that the report is whole.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "subsystem/cli/bench_json_read.h"
#include "tests/bench/xml_check.h"
#include "tests/guest/run_capture.h"

namespace psx::test {
namespace {

using cli::bench::JsonValue;
using cli::bench::parse_json;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// One `psx bench --quick` run and what it wrote. gtest_discover_tests runs
// each TEST in its own process, so the run (tens of seconds) is made by one
// TEST that calls the checks below, not by a suite fixture.
struct QuickRun {
  RunResult result;
  std::string json_text, svg;
  JsonValue json;
};

const std::set<std::string> kPaths = {"host", "sud", "rewrite", "local", "rv32", "qemu", "ptrace"};
const std::set<std::string> kOps = {"getppid",         "read_zero_1",       "write_null_4k",  "stat",
                                    "open_close",      "pread_4k",          "pwrite_4k",      "pipe_pingpong_1",
                                    "pipe_pingpong_64k", "fork_exit_wait", "fork_exec_wait"};

void names_the_machine_and_the_repetitions(const QuickRun& q) {
  const JsonValue& json = q.json;
  const JsonValue* m = json.get("machine");
  ASSERT_TRUE(m && m->is_object());
  for (const char* k : {"cpu", "kernel", "meltdown"}) {
    ASSERT_TRUE(m->get(k) && m->get(k)->is_string()) << k;
    EXPECT_FALSE(m->get(k)->string.empty()) << k;
  }
  ASSERT_TRUE(m->get("cores") && m->get("cores")->is_number());
  EXPECT_GE(m->get("cores")->number, 1);
  ASSERT_TRUE(m->get("kpti") && m->get("kpti")->kind == JsonValue::Kind::kBool);
  ASSERT_TRUE(json.get("repetitions") && json.get("repetitions")->is_number());
  EXPECT_GE(json.get("repetitions")->number, 1);
  EXPECT_NE(q.result.out.find("machine: "), std::string::npos);
  EXPECT_NE(q.result.out.find("KPTI "), std::string::npos);
  EXPECT_NE(q.result.out.find("repetitions: "), std::string::npos);
}

void has_every_path_for_every_operation(const QuickRun& q) {
  const JsonValue& json = q.json;
  const JsonValue* paths = json.get("paths");
  ASSERT_TRUE(paths && paths->is_array());
  std::set<std::string> ids;
  for (auto& p : paths->array) ids.insert(p.get("id")->string);
  EXPECT_EQ(ids, kPaths);

  const JsonValue* ops = json.get("operations");
  ASSERT_TRUE(ops && ops->is_array());
  std::set<std::string> op_ids;
  for (auto& op : ops->array) {
    const std::string id = op.get("id")->string;
    op_ids.insert(id);
    const JsonValue* results = op.get("results");
    ASSERT_TRUE(results && results->is_object()) << id;
    for (const std::string& p : kPaths) {
      const JsonValue* cell = results->get(p);
      ASSERT_TRUE(cell && cell->is_object()) << id << " on " << p;
      const JsonValue* available = cell->get("available");
      ASSERT_TRUE(available && available->kind == JsonValue::Kind::kBool) << id << " on " << p;
      if (available->boolean) {
        ASSERT_TRUE(cell->get("median_ns") && cell->get("median_ns")->is_number()) << id << " on " << p;
        EXPECT_GT(cell->get("median_ns")->number, 0) << id << " on " << p;
        const JsonValue* samples = cell->get("samples_ns");
        ASSERT_TRUE(samples && samples->is_array()) << id << " on " << p;
        EXPECT_FALSE(samples->array.empty()) << id << " on " << p;
        // The ratio is computed wherever the host has a figure.
        bool host = results->get("host") && results->get("host")->get("available")->boolean;
        const JsonValue* ratio = cell->get("ratio_to_host");
        ASSERT_NE(ratio, nullptr) << id << " on " << p;
        if (host) {
          ASSERT_TRUE(ratio->is_number()) << id << " on " << p;
          EXPECT_GT(ratio->number, 0) << id << " on " << p;
        }
        if (p == "host") EXPECT_DOUBLE_EQ(ratio->number, 1.0) << id;
      } else {
        const JsonValue* reason = cell->get("reason");
        ASSERT_TRUE(reason && reason->is_string()) << id << " on " << p;
        EXPECT_FALSE(reason->string.empty()) << id << " on " << p;
      }
    }
  }
  EXPECT_EQ(op_ids, kOps);
}

void the_host_runs_every_operation(const QuickRun& q) {
  const JsonValue& json = q.json;
  // The reference column: the host kernel can do everything the guest asks.
  for (auto& op : json.get("operations")->array)
    EXPECT_TRUE(op.get("results")->get("host")->get("available")->boolean) << op.get("id")->string;
}

void psx_paths_count_copied_bytes(const QuickRun& q) {
  const JsonValue& json = q.json;
  std::set<std::string> psx_paths;
  for (auto& p : json.get("paths")->array)
    if (p.get("counts_copies")->boolean) psx_paths.insert(p.get("id")->string);
  EXPECT_EQ(psx_paths, (std::set<std::string>{"sud", "rewrite", "local", "rv32"}));
  int counted = 0;
  for (auto& op : json.get("operations")->array)
    for (const std::string& p : psx_paths) {
      const JsonValue* cell = op.get("results")->get(p);
      if (!cell->get("available")->boolean) continue;
      const JsonValue* bytes = cell->get("bytes_copied_per_op");
      ASSERT_TRUE(bytes && bytes->is_object())
          << op.get("id")->string << " on " << p << ": "
          << (cell->get("bytes_copied_error") ? cell->get("bytes_copied_error")->string : "");
      EXPECT_TRUE(bytes->get("transport") && bytes->get("transport")->is_number());
      EXPECT_TRUE(bytes->get("kernel_processes") && bytes->get("kernel_processes")->is_number());
      counted++;
    }
  EXPECT_GT(counted, 0);
  EXPECT_NE(q.result.out.find("bytes copied per op"), std::string::npos);
}

void reports_the_transport_and_the_targets(const QuickRun& q) {
  const JsonValue& json = q.json;
  const JsonValue* transport = json.get("transport");
  ASSERT_TRUE(transport && transport->is_array());
  std::set<std::string> ids;
  for (auto& t : transport->array) ids.insert(t.get("id")->string);
  for (const char* id : {"kernel_message_rt", "channel_rt_spinning", "channel_rt_sleeping"}) EXPECT_TRUE(ids.count(id)) << id;

  const JsonValue* targets = json.get("targets");
  ASSERT_TRUE(targets && targets->is_array());
  std::set<std::string> tids;
  for (auto& t : targets->array) {
    tids.insert(t.get("id")->string);
    const JsonValue* met = t.get("met");
    ASSERT_NE(met, nullptr);
    EXPECT_TRUE(met->is_null() || met->kind == JsonValue::Kind::kBool);
  }
  for (const char* id : {"null_rewrite", "local_answer", "store_pread", "rv32_compute", "rv32_null", "zero_copy_transport"})
    EXPECT_TRUE(tids.count(id)) << id;
}

void prints_one_table_row_per_operation_and_a_column_per_path(const QuickRun& q) {
  const JsonValue& json = q.json;
  const JsonValue* paths = json.get("paths");
  std::istringstream in(q.result.out);
  int header = 0, rows = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| operation |", 0) == 0) {
      header++;
      for (auto& p : paths->array) EXPECT_NE(line.find("| " + p.get("label")->string + " |"), std::string::npos);
    }
    for (auto& op : json.get("operations")->array)
      if (line.rfind("| " + op.get("label")->string + " |", 0) == 0) rows++;
  }
  EXPECT_EQ(header, 1);
  EXPECT_EQ(rows, int(kOps.size()));
}

void draws_a_well_formed_chart_with_one_group_per_operation(const QuickRun& q) {
  const JsonValue& json = q.json;
  ASSERT_FALSE(q.svg.empty());
  EXPECT_EQ(xml_problem(q.svg), "");
  EXPECT_NE(q.svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  std::set<std::string> groups;
  std::regex group_re("<g class=\"op\" id=\"op-([A-Za-z0-9-]+)\">");
  for (std::sregex_iterator it(q.svg.begin(), q.svg.end(), group_re), end; it != end; ++it) groups.insert((*it)[1]);
  std::set<std::string> expected;
  for (auto& op : kOps) {
    std::string id = op;
    for (char& c : id)
      if (c == '_') c = '-';
    expected.insert(id);
  }
  EXPECT_EQ(groups, expected);
  // Each group has, for every path, a bar or the reason it has none.
  for (auto& op : json.get("operations")->array) {
    std::string id = op.get("id")->string;
    for (char& c : id)
      if (c == '_') c = '-';
    size_t start = q.svg.find("<g class=\"op\" id=\"op-" + id + "\">");
    ASSERT_NE(start, std::string::npos) << id;
    std::string group = q.svg.substr(start, q.svg.find("</g>", start) - start);
    for (const std::string& p : kPaths) {
      bool available = op.get("results")->get(p)->get("available")->boolean;
      std::string mark = available ? "<rect class=\"bar\" data-path=\"" + p + "\"" : "<text class=\"na\" data-path=\"" + p + "\"";
      EXPECT_NE(group.find(mark), std::string::npos) << id << " on " << p;
    }
  }
}

TEST(BenchReport, QuickRunWritesAWholeReport) {
  TempDir dir;
  RunSpec spec;
  spec.argv = {PSX_BIN, "bench", "--quick", "--json", dir.path + "/bench.json", "--svg", dir.path + "/bench.svg"};
  spec.stdin_kind = Stdin::kDevNull;
  spec.timeout_s = 300;  // a limit for a hung run, not a timing check
  QuickRun q;
  q.result = run_capture(spec);
  ASSERT_FALSE(q.result.timed_out);
  ASSERT_TRUE(WIFEXITED(q.result.status) && WEXITSTATUS(q.result.status) == 0) << q.result.err;
  q.json_text = slurp(dir.path + "/bench.json");
  q.svg = slurp(dir.path + "/bench.svg");
  std::string err;
  auto doc = parse_json(q.json_text, &err);
  ASSERT_TRUE(doc) << "the JSON does not parse: " << err << "\n" << q.json_text;
  q.json = std::move(*doc);
  for (auto check : {names_the_machine_and_the_repetitions, has_every_path_for_every_operation,
                     the_host_runs_every_operation, psx_paths_count_copied_bytes,
                     reports_the_transport_and_the_targets, prints_one_table_row_per_operation_and_a_column_per_path,
                     draws_a_well_formed_chart_with_one_group_per_operation})
    check(q);
}

TEST(XmlCheck, CatchesWhatIsNotWellFormed) {
  EXPECT_EQ(xml_problem("<?xml version=\"1.0\"?>\n<a x=\"1\"><b/>t &amp; u</a>\n"), "");
  EXPECT_NE(xml_problem("<a><b></a></b>"), "");
  EXPECT_NE(xml_problem("<a x=1></a>"), "");
  EXPECT_NE(xml_problem("<a>&nope;</a>"), "");
  EXPECT_NE(xml_problem("<a></a><b></b>"), "");
  EXPECT_NE(xml_problem("<a x=\"1\" x=\"2\"/>"), "");
  EXPECT_NE(xml_problem("<a>"), "");
}

TEST(BenchCommand, HelpListsPathsAndOperations) {
  RunSpec spec;
  spec.argv = {PSX_BIN, "bench", "--help"};
  spec.stdin_kind = Stdin::kDevNull;
  RunResult r = run_capture(spec);
  ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << r.err;
  for (const std::string& p : kPaths) EXPECT_NE(r.out.find("  " + p + " "), std::string::npos) << p;
  for (const std::string& o : kOps) EXPECT_NE(r.out.find("  " + o + " "), std::string::npos) << o;
}

TEST(BenchCommand, RefusesUnknownOptions) {
  RunSpec spec;
  spec.argv = {PSX_BIN, "bench", "--frobnicate"};
  spec.stdin_kind = Stdin::kDevNull;
  RunResult r = run_capture(spec);
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 2);
  EXPECT_NE(r.err.find("unknown option"), std::string::npos);
}

}  // namespace
}  // namespace psx::test
