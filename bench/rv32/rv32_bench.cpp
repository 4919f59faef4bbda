// The RV32 benchmark (issues 6 and 7): the same riscv32 binary (rv32_work.c)
// under `psx run` and under qemu-riscv32, workload by workload, in one run,
// and the null system call on every road: the host kernel itself, the native
// x86-64 build under psx, the riscv32 build under psx and under qemu.
//
// Each measurement is a whole process: the wall time from spawn to exit, and
// the loop's own time as the guest's clock saw it (which leaves out start-up).
// Runners alternate within each repetition so that the load of a shared
// machine falls on all of them alike; the figure is the median, and ratios
// are taken within the run (DESIGN.md, "Measuring"). Output: a table on stderr
// and JSON on stdout (or --json FILE), for `psx bench` to read.
//
//   psx_bench_rv32 [--quick] [--reps N] [--json FILE] [--only W1,W2] [--psx PATH] [--qemu PATH] [--guests DIR] [--apps DIR]
#include <fcntl.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Options {
  std::string psx = PSX_BIN;
  std::string qemu = PSX_QEMU_RISCV32;
  std::string guests = PSX_GUEST_DIR;
  std::string apps = PSX_APPS_DIR;  // $PSX_CACHE/apps/{riscv32,x86_64}/
  std::string json_file;
  std::string only;  // comma-separated workload names (psx bench runs a few)
  int reps = 5;
  bool quick = false;
};

// One way of running the workload program.
struct Runner {
  std::string name;         // column name in the report
  std::vector<std::string> prefix;  // argv before the program
  std::string program;      // path of the binary
};

struct Sample {
  double wall_ns = 0, loop_ns = 0;
  std::string sum;
};

struct Workload {
  std::string name;
  uint32_t n;                        // iterations
  std::vector<std::string> runners;  // which runners measure it
  // A real program instead of rv32_work: its riscv32 and x86-64 binaries and
  // arguments. It reports no loop time: its figure is the wall time.
  std::string app_rv32, app_x86;
  std::vector<std::string> app_args;
};

Workload loop(std::string name, uint32_t n, std::vector<std::string> runners) {
  Workload w;
  w.name = std::move(name);
  w.n = n;
  w.runners = std::move(runners);
  return w;
}

uint64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return uint64_t(t.tv_sec) * 1000000000u + uint64_t(t.tv_nsec);
}

// Runs argv, returns its stdout and the wall time, or nothing if it failed.
std::optional<std::pair<std::string, uint64_t>> run(const std::vector<std::string>& argv) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  uint64_t t0 = now_ns();
  pid_t pid;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  for (ssize_t got; (got = read(out[0], buf, sizeof buf)) > 0;) text.append(buf, size_t(got));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  uint64_t t1 = now_ns();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return std::make_pair(text, t1 - t0);
}

// "WORKLOAD ns=N sum=HEX" -> Sample; for an app, its whole output is the sum.
std::optional<Sample> measure(const Runner& r, const Workload& w) {
  std::vector<std::string> argv = r.prefix;
  if (!w.app_rv32.empty()) {
    argv.push_back(r.program.ends_with(".rv32") ? w.app_rv32 : w.app_x86);
    argv.insert(argv.end(), w.app_args.begin(), w.app_args.end());
    auto got = run(argv);
    if (!got) return std::nullopt;
    return Sample{double(got->second), double(got->second), got->first};
  }
  argv.push_back(r.program);
  argv.push_back(w.name);
  argv.push_back(std::to_string(w.n));
  auto got = run(argv);
  if (!got) return std::nullopt;
  std::istringstream in(got->first);
  std::string name, ns, sum;
  in >> name >> ns >> sum;
  if (name != w.name || ns.rfind("ns=", 0) != 0 || sum.rfind("sum=", 0) != 0) return std::nullopt;
  return Sample{double(got->second), std::strtod(ns.c_str() + 3, nullptr), sum.substr(4)};
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

std::string machine_json() {
  std::string model = "unknown";
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);)
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  std::string kpti = "unknown";
  std::ifstream m("/sys/devices/system/cpu/vulnerabilities/meltdown");
  std::getline(m, kpti);
  utsname u{};
  uname(&u);
  auto quote = [](std::string s) {
    std::string q = "\"";
    for (char c : s) q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return q + "\"";
  };
  std::ostringstream o;
  o << "{\"cpu\": " << quote(model) << ", \"cores\": " << sysconf(_SC_NPROCESSORS_ONLN)
    << ", \"kernel\": " << quote(u.release) << ", \"meltdown\": " << quote(kpti) << "}";
  return o.str();
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        fprintf(stderr, "%s needs a value\n", a.c_str());
        exit(2);
      }
      return argv[++i];
    };
    if (a == "--quick") o.quick = true;
    else if (a == "--reps") o.reps = std::max(1, atoi(next().c_str()));
    else if (a == "--json") o.json_file = next();
    else if (a == "--only") o.only = "," + next() + ",";
    else if (a == "--psx") o.psx = next();
    else if (a == "--qemu") o.qemu = next();
    else if (a == "--guests") o.guests = next();
    else if (a == "--apps") o.apps = next();
    else {
      fprintf(stderr, "usage: %s [--quick] [--reps N] [--json FILE] [--only W1,W2] [--psx PATH] [--qemu PATH] [--guests DIR] [--apps DIR]\n",
              argv[0]);
      exit(2);
    }
  }
  if (o.quick) o.reps = std::min(o.reps, 3);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse(argc, argv);
  std::string rv32 = opt.guests + "/rv32_work.rv32", x86 = opt.guests + "/rv32_work";
  std::vector<Runner> runners = {
      {"psx-rv32", {opt.psx, "run"}, rv32},
      {"qemu-rv32", {opt.qemu}, rv32},
      {"psx-x86_64", {opt.psx, "run"}, x86},
      {"host-x86_64", {}, x86},
  };
  // Sized so that qemu-riscv32 spends a few hundred milliseconds on each.
  uint32_t scale = opt.quick ? 4 : 1;
  std::vector<Workload> work = {
      loop("compute", 2000000 / scale, {"psx-rv32", "qemu-rv32", "host-x86_64"}),
      loop("alu", 20000000 / scale, {"psx-rv32", "qemu-rv32", "host-x86_64"}),
      loop("load", 20000000 / scale, {"psx-rv32", "qemu-rv32", "host-x86_64"}),
      loop("store", 5000000 / scale, {"psx-rv32", "qemu-rv32", "host-x86_64"}),
      loop("getppid", 20000 / scale, {"psx-rv32", "qemu-rv32", "psx-x86_64", "host-x86_64"}),
      loop("badclose", 20000 / scale, {"psx-rv32", "qemu-rv32", "psx-x86_64", "host-x86_64"}),
  };
  // Lua 5.4 (scripts/setup.d/30-guest-apps.sh) on a table build and sort:
  // interpreter dispatch, loads and, above all, stores.
  std::string apps = opt.apps;
  if (access((apps + "/riscv32/lua").c_str(), X_OK) == 0 && access((apps + "/x86_64/lua").c_str(), X_OK) == 0) {
    std::string script = "local t={} for i=1," + std::to_string(200000 / scale) +
                         " do t[i]=(i*7919)%1000003 end table.sort(t) local s=0"
                         " for i=1,#t,1000 do s=s+t[i] end print(s)";
    Workload lua = loop("lua", 200000 / scale, {"psx-rv32", "qemu-rv32", "host-x86_64"});
    lua.app_rv32 = apps + "/riscv32/lua";
    lua.app_x86 = apps + "/x86_64/lua";
    lua.app_args = {"-e", script};
    work.push_back(lua);
  }

  if (!opt.only.empty())
    std::erase_if(work, [&](const Workload& w) { return opt.only.find("," + w.name + ",") == std::string::npos; });

  // results[workload][runner] -> samples
  std::map<std::string, std::map<std::string, std::vector<Sample>>> results;
  std::vector<std::string> errors;
  for (int rep = 0; rep < opt.reps; ++rep)
    for (const Workload& w : work)
      for (const std::string& rn : w.runners) {
        const Runner& r = *std::find_if(runners.begin(), runners.end(), [&](auto& x) { return x.name == rn; });
        if (auto s = measure(r, w)) results[w.name][rn].push_back(*s);
        else if (rep == 0) errors.push_back(w.name + " under " + rn + " failed");
      }

  std::ostringstream js;
  js << "{\n  \"benchmark\": \"rv32\",\n  \"machine\": " << machine_json() << ",\n  \"repetitions\": " << opt.reps
     << ",\n  \"workloads\": [";
  fprintf(stderr, "%-8s %10s  %-12s %12s %12s %12s\n", "workload", "n", "runner", "wall ms", "loop ms", "ns/iter");
  bool first = true;
  for (const Workload& w : work) {
    auto& per = results[w.name];
    std::map<std::string, double> wall, loop;
    std::string sum;
    bool sums_agree = true;
    js << (first ? "" : ",") << "\n    {\"name\": \"" << w.name << "\", \"n\": " << w.n << ", \"runs\": {";
    first = false;
    bool first_run = true;
    for (const std::string& rn : w.runners) {
      auto& samples = per[rn];
      if (samples.empty()) continue;
      std::vector<double> ws, ls;
      for (auto& s : samples) {
        ws.push_back(s.wall_ns);
        ls.push_back(s.loop_ns);
        // The x86-64 build's sums are its own (the getppid check is the same).
        bool comparable = rn.find("rv32") != std::string::npos || w.name == "getppid" || w.name == "badclose" ||
                          w.name == "lua";
        if (comparable && !sum.empty() && s.sum != sum) sums_agree = false;
        if (comparable && sum.empty()) sum = s.sum;
      }
      wall[rn] = median(ws);
      loop[rn] = median(ls);
      fprintf(stderr, "%-8s %10u  %-12s %12.1f %12.1f %12.2f\n", w.name.c_str(), w.n, rn.c_str(), wall[rn] / 1e6,
              loop[rn] / 1e6, loop[rn] / w.n);
      js << (first_run ? "" : ",") << "\n      \"" << rn << "\": {\"wall_ns\": " << uint64_t(wall[rn])
         << ", \"loop_ns\": " << uint64_t(loop[rn]) << ", \"loop_ns_per_iter\": " << loop[rn] / w.n
         << ", \"samples\": " << samples.size() << "}";
      first_run = false;
    }
    js << "},\n      \"checksums_agree\": " << (sums_agree ? "true" : "false") << ",\n      \"ratios\": {";
    // Ratio = the first path's time over the second's: below 1, the first is faster.
    std::vector<std::pair<std::string, std::string>> pairs = {{"psx-rv32", "qemu-rv32"}};
    if (w.name == "getppid" || w.name == "badclose") {
      pairs.push_back({"psx-rv32", "psx-x86_64"});
      pairs.push_back({"psx-x86_64", "host-x86_64"});
      pairs.push_back({"qemu-rv32", "host-x86_64"});
    }
    bool first_ratio = true;
    for (auto& [a, b] : pairs) {
      if (!loop.count(a) || !loop.count(b) || loop[b] == 0) continue;
      double rl = loop[a] / loop[b], rw = wall[a] / wall[b];
      js << (first_ratio ? "" : ",") << "\n        \"" << a << "/" << b << "\": {\"loop\": " << rl
         << ", \"wall\": " << rw << "}";
      fprintf(stderr, "%-8s %10s  %-25s loop %.2f  wall %.2f\n", w.name.c_str(), "ratio", (a + "/" + b).c_str(), rl,
              rw);
      first_ratio = false;
    }
    js << "}}";
    if (!sums_agree) errors.push_back(w.name + ": runners computed different checksums");
  }
  js << "\n  ],\n  \"errors\": [";
  for (size_t i = 0; i < errors.size(); ++i) js << (i ? ", " : "") << "\"" << errors[i] << "\"";
  js << "]\n}\n";
  for (auto& e : errors) fprintf(stderr, "error: %s\n", e.c_str());

  if (opt.json_file.empty()) {
    fputs(js.str().c_str(), stdout);
  } else {
    std::ofstream f(opt.json_file);
    f << js.str();
  }
  return errors.empty() ? 0 : 1;
}
