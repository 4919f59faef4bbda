// psx bench --json FILE: every figure of the run, raw samples included.
// Layout: {psx_bench, date, command, quick, repetitions, budget_ms, machine,
// paths[], operations[{id, label, results{PATH: {available, reason |
// median_ns, ratio_to_host, samples_ns[], iterations, bytes_copied_per_op,
// syscalls_per_op}}}], transport[], rv32_compute[], targets[], errors[]}.
#include <cmath>
#include <cstdio>

#include "subsystem/cli/bench_report.h"
#include "subsystem/cli/store_json.h"

namespace psx::cli::bench {
namespace {

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void optional_number(JsonWriter& w, std::string_view key, std::optional<double> v) {
  w.key(key);
  if (v) w.raw(num(*v));
  else w.null();
}

}  // namespace

std::string json_report(const Report& r) {
  JsonWriter w;
  w.begin_object();
  w.field("psx_bench", 1).field("date", r.date).field("command", r.command).field("quick", r.quick);
  w.field("repetitions", r.repetitions).field("budget_ms", r.budget_ms);
  w.key("machine").begin_object();
  w.field("cpu", r.machine.cpu).field("cores", int64_t(r.machine.cores)).field("kernel", r.machine.kernel);
  w.field("kpti", r.machine.kpti).field("meltdown", r.machine.meltdown).field("loadavg", r.machine.loadavg);
  w.end_object();

  w.key("paths").begin_array();
  for (const Path& p : r.paths) {
    w.begin_object().field("id", p.id).field("label", p.label).field("description", p.description);
    w.field("counts_copies", p.counts_copies).end_object();
  }
  w.end_array();

  w.key("operations").begin_array();
  for (const Operation& op : r.ops) {
    w.begin_object().field("id", op.id).field("label", op.label);
    w.key("results").begin_object();
    for (const Path& p : r.paths) {
      const Cell* c = r.cell(op.id, p.id);
      w.key(p.id).begin_object();
      bool ok = c && c->available();
      w.field("available", ok);
      if (!ok) {
        w.field("reason", c && !c->unavailable.empty() ? c->unavailable : std::string("not measured"));
      } else {
        w.key("median_ns").raw(num(c->median_ns()));
        optional_number(w, "ratio_to_host", r.ratio(op.id, p.id));
        w.key("samples_ns").begin_array();
        for (double s : c->samples_ns) w.raw(num(s));
        w.end_array();
        w.field("iterations", int64_t(c->iterations));
      }
      if (c && c->copies) {
        w.key("bytes_copied_per_op").begin_object();
        w.key("transport").raw(num(c->copies->transport_bytes));
        w.key("kernel_processes").raw(num(c->copies->process_bytes));
        w.end_object();
        w.key("syscalls_per_op").begin_object();
        w.key("kernel_host").raw(num(c->copies->kernel_calls));
        w.key("rewritten_site").raw(num(c->copies->rewritten));
        w.key("sud_trap").raw(num(c->copies->sud));
        w.key("answered_in_guest_host").raw(num(c->copies->local));
        w.end_object();
      } else if (p.counts_copies && c && !c->copies_error.empty()) {
        w.field("bytes_copied_error", c->copies_error);
      }
      w.end_object();
    }
    w.end_object().end_object();
  }
  w.end_array();

  auto extras = [&](std::string_view key, const std::vector<Extra>& list) {
    w.key(key).begin_array();
    for (const Extra& e : list) {
      w.begin_object().field("id", e.id).field("label", e.label).field("unit", e.unit);
      optional_number(w, "value", e.value);
      w.field("note", e.note).end_object();
    }
    w.end_array();
  };
  extras("transport", r.transport);
  extras("rv32_compute", r.rv32_compute);

  w.key("targets").begin_array();
  for (const Target& t : r.targets) {
    w.begin_object().field("id", t.id).field("text", t.text).field("unit", t.unit);
    optional_number(w, "value", t.value);
    w.key("goal").raw(num(t.goal));
    w.field("strict", t.strict);
    w.key("met");
    if (t.met) w.value(*t.met);
    else w.null();
    w.field("detail", t.detail).end_object();
  }
  w.end_array();
  w.key("errors").begin_array();
  for (auto& e : r.errors) w.value(e);
  w.end_array();
  w.end_object();
  return w.str() + "\n";
}

}  // namespace psx::cli::bench
