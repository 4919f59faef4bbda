// Runs the transport and RV32 benchmark programs and reads their JSON.
#include "subsystem/cli/bench_extras.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "subsystem/cli/bench_json_read.h"
#include "subsystem/cli/bench_spawn.h"

namespace psx::cli::bench {
namespace {

double to_ns(double v, const std::string& unit) {
  if (unit == "us") return v * 1e3;
  if (unit == "ms") return v * 1e6;
  if (unit == "s") return v * 1e9;
  return v;
}

Extra missing(std::string id, std::string label, std::string unit, std::string why) {
  return Extra{std::move(id), std::move(label), std::nullopt, std::move(unit), std::move(why)};
}

}  // namespace

std::vector<Extra> measure_transport(const Tools& t, bool quick, std::vector<std::string>& errors) {
  struct Want {
    const char* id;
    const char* label;
    const char* name;  // Google Benchmark's run name
  };
  const Want wants[] = {
      {"host_getppid", "host getppid (the same program, for the ratio)", "BM_HostGetppid"},
      {"kernel_message_rt", "message round trip, two kernel processes in the event kernel",
       "BM_KernelMessageRoundTrip"},
      {"channel_rt_spinning", "channel round trip to another host process, both sides spinning",
       "BM_ChannelRoundTrip/spin:1/real_time"},
      {"channel_rt_sleeping", "channel round trip to another host process, both sides sleeping (futex)",
       "BM_ChannelRoundTrip/spin:0/real_time"},
  };
  std::vector<Extra> out;
  auto all_missing = [&](const std::string& why) {
    out.clear();
    for (auto& w : wants) out.push_back(missing(w.id, w.label, "ns", why));
    return out;
  };
  if (access(t.transport.c_str(), X_OK) != 0) return all_missing("not built: " + t.transport);
  Outcome o = spawn_and_wait({t.transport, "--benchmark_format=json",
                              quick ? "--benchmark_min_time=0.1" : "--benchmark_min_time=0.5"},
                             quick ? 30 : 120);
  if (!o.ok()) {
    errors.push_back("transport benchmark: " + o.why());
    return all_missing("the transport benchmark failed: " + o.why());
  }
  std::string perr;
  auto doc = parse_json(o.out, &perr);
  const JsonValue* list = doc ? doc->get("benchmarks") : nullptr;
  if (!list || !list->is_array()) {
    errors.push_back("transport benchmark: unreadable JSON: " + perr);
    return all_missing("unreadable output");
  }
  for (auto& w : wants) {
    Extra e = missing(w.id, w.label, "ns", "not in the benchmark's output");
    for (auto& b : list->array) {
      const JsonValue* name = b.get("name");
      if (!name || name->string != w.name) continue;
      const JsonValue* unit = b.get("time_unit");
      const JsonValue* real = b.get("real_time");
      const JsonValue* per_rt = b.get("ns_per_round_trip");
      if (per_rt && per_rt->is_number()) {
        // An inverted rate counter: seconds per round trip, whatever its name.
        e.value = per_rt->number * 1e9;
        e.note = "batches of 100000 round trips";
      } else if (real && real->is_number()) {
        e.value = to_ns(real->number, unit ? unit->string : "ns");
        e.note = "";
      }
    }
    out.push_back(e);
  }
  return out;
}

std::vector<Extra> measure_rv32_compute(const Tools& t, bool quick, const std::string& tmp,
                                        std::vector<std::string>& errors) {
  struct Want {
    const char* id;
    const char* label;
  };
  const Want wants[] = {
      {"compute", "compute (hashing, merge sort, bytecode interpreter)"},
      {"alu", "ALU-only loop"},
      {"load", "load-heavy loop"},
      {"store", "store-heavy loop (Unicorn 2.0.1 slow path)"},
  };
  std::vector<Extra> out;
  auto all_missing = [&](const std::string& why) {
    out.clear();
    for (auto& w : wants) out.push_back(missing(w.id, w.label, "ratio", why));
    return out;
  };
  if (access(t.rv32_bench.c_str(), X_OK) != 0) return all_missing("not built: " + t.rv32_bench);
  std::string file = tmp + "/rv32.json";
  std::vector<std::string> argv = {t.rv32_bench, "--json", file, "--only", "compute,alu,load,store",
                                   "--psx", t.psx};
  if (quick) argv.push_back("--quick");
  Outcome o = spawn_and_wait(argv, quick ? 40 : 300);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::string perr;
  auto doc = parse_json(text.str(), &perr);
  const JsonValue* list = doc ? doc->get("workloads") : nullptr;
  if (!list || !list->is_array()) {
    std::string why = o.ok() ? "unreadable JSON: " + perr : o.why();
    errors.push_back("RV32 benchmark: " + why);
    return all_missing("the RV32 benchmark failed: " + why);
  }
  for (auto& w : wants) {
    Extra e = missing(w.id, w.label, "ratio", "not in the benchmark's output");
    for (auto& item : list->array) {
      const JsonValue* name = item.get("name");
      const JsonValue* runs = item.get("runs");
      if (!name || name->string != w.id || !runs) continue;
      const JsonValue* psx = runs->get("psx-rv32");
      const JsonValue* qemu = runs->get("qemu-rv32");
      const JsonValue* host = runs->get("host-x86_64");
      auto per_iter = [](const JsonValue* r) {
        const JsonValue* v = r ? r->get("loop_ns_per_iter") : nullptr;
        return v && v->is_number() ? v->number : 0.0;
      };
      double p = per_iter(psx), q = per_iter(qemu), h = per_iter(host);
      if (p > 0 && q > 0) {
        e.value = p / q;
        char note[160];
        snprintf(note, sizeof note, "psx-rv32 %.2f ns/iter, qemu-rv32 %.2f ns/iter, host x86-64 %.2f ns/iter", p, q,
                 h);
        e.note = note;
      }
    }
    out.push_back(e);
  }
  return out;
}

}  // namespace psx::cli::bench
