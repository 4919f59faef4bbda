// The roads from a native guest's system call to an answer, measured in one
// run (issue 7, paths 1–4): the host's own getppid; getppid under psx through
// a Syscall User Dispatch trap and through a rewritten site, both answered by
// the kernel host's personality over the channel (--no-local-answers: the
// shim could answer getppid itself); and getpid / clock_gettime answered in
// the guest host process. Each figure comes from the guest
// program trap_loop timing its own loop (median of repetitions), so process
// start-up is not counted. Reported as manual time per call; the counter
// "ratio" is the figure over the host's getppid from the same run.
// Machine-readable: --benchmark_format=json.
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr const char* kIters = "200000";
constexpr const char* kReps = "7";
double g_host_ns = 0;

// Runs argv, returns the number it printed (ns per call), or a negative value.
double run(std::vector<std::string> argv) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return strtod(out.c_str(), nullptr);
}

void report(benchmark::State& state, double ns, bool is_host = false) {
  if (ns < 0) {
    state.SkipWithError("the guest did not run");
    return;
  }
  if (is_host) g_host_ns = ns;
  state.SetIterationTime(ns * 1e-9);
  state.counters["ns_per_call"] = ns;
  if (g_host_ns > 0) state.counters["ratio"] = ns / g_host_ns;
}

void BM_Host(benchmark::State& state, const char* op) {
  for (auto _ : state) report(state, run({PSX_TRAP_LOOP, op, kIters, kReps}), std::string(op) == "getppid");
}

// local: may the guest host process answer the call itself?
void BM_Psx(benchmark::State& state, const char* trap, bool local, const char* op) {
  std::vector<std::string> argv = {PSX_BIN, "run", std::string("--trap=") + trap};
  if (!local) argv.push_back("--no-local-answers");
  for (const char* a : {PSX_TRAP_LOOP, op, kIters, kReps}) argv.push_back(a);
  for (auto _ : state) report(state, run(argv));
}

// Host first: the ratios of the later rows are against it.
BENCHMARK_CAPTURE(BM_Host, getppid_host, "getppid")->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_Psx, getppid_sud_kernel_process, "sud", false, "getppid")->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_Psx, getppid_rewrite_kernel_process, "rewrite", false, "getppid")->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_Psx, getpid_sud_in_guest_host, "sud", true, "getpid")->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_Psx, getpid_rewrite_in_guest_host, "rewrite", true, "getpid")->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_Host, clock_gettime_host_vdso, "clock_gettime")->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_Psx, clock_gettime_rewrite_in_guest_host, "rewrite", true, "clock_gettime")
    ->Iterations(1)
    ->UseManualTime();

}  // namespace

BENCHMARK_MAIN();
