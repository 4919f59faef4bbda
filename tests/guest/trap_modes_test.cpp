// Both native trap modes against Linux: every guest program runs natively,
// under `psx run --trap=sud` and under `psx run --trap=rewrite`; stdout,
// stderr and the wait status must be the same all three ways. Then
// `--stats` must show which road the calls took in each mode.
// The cases follow differential_test.cpp (keep them in step).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "run_capture.h"

namespace psx::test {
namespace {

struct Case {
  std::string name;
  std::string program;
  std::vector<std::string> args;
  Stdin stdin_kind = Stdin::kData;
  std::string stdin_data = {};
  bool broken_pipe = false;
};

std::string pattern(size_t n) {
  std::string s(n, 0);
  uint32_t x = 7;
  for (size_t i = 0; i < n; i++) {
    x = x * 1664525u + 1013904223u;
    s[i] = char(x >> 24);
  }
  return s;
}

std::vector<Case> cases() {
  return {
      {"hello", "hello", {}},
      {"args_env", "args_env", {"a", "b c", "", "--flag=x y", "ünï"}},
      {"exit_42", "exit_code", {"42"}},
      {"exit_255_exit", "exit_code", {"255", "exit"}},
      {"exit_7__exit", "exit_code", {"7", "_exit"}},
      {"big_write", "big_write", {}},
      {"big_write_odd", "big_write", {"1234567"}},
      {"stdin_small", "read_stdin", {}, Stdin::kData, "first line\nsecond\n"},
      {"stdin_large", "read_stdin", {}, Stdin::kData, pattern(3 << 20)},
      {"stdin_lines", "read_stdin", {"lines"}, Stdin::kData, "a\nbb\nccc\n\nlast without newline"},
      {"stdin_devnull", "read_stdin", {}, Stdin::kDevNull},
      {"stdin_closed", "read_stdin", {}, Stdin::kClosed},
      {"signal_abort", "signals", {"abort"}},
      {"signal_segv", "signals", {"segv"}},
      {"signal_term", "signals", {"term"}},
      {"signal_kill", "signals", {"kill"}},
      {"signal_usr1", "signals", {"usr1"}},
      {"signal_ignored", "signals", {"ignored"}},
      {"signal_blocked", "signals", {"blocked"}},
      {"signal_pipe", "signals", {"pipe"}, Stdin::kData, "", true},
      {"signal_pipe_ignored", "signals", {"pipe-ignored"}, Stdin::kData, "", true},
      {"memory", "memory", {}},
      {"errors", "errors", {}},
      {"time", "time", {}},
  };
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

RunSpec spec_for(const Case& c, const std::vector<std::string>& prefix) {
  RunSpec spec;
  spec.env = {"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C", "PSX_TEST=trap_modes", "EMPTY="};
  static TempDir store;  // each test process its own store: parallel runs must not share the default one
  spec.env.push_back("PSX_STORE=" + store.path + "/store.psx");
  spec.stdin_kind = c.stdin_kind;
  spec.stdin_data = c.stdin_data;
  spec.stdout_broken_pipe = c.broken_pipe;
  spec.argv = prefix;
  spec.argv.push_back(std::string(PSX_GUEST_DIR) + "/" + c.program);
  for (auto& a : c.args) spec.argv.push_back(a);
  return spec;
}

void expect_same(const RunResult& native, const RunResult& psx, const char* mode) {
  ASSERT_FALSE(psx.timed_out) << mode << ": psx run did not finish";
  EXPECT_EQ(describe_status(psx.status), describe_status(native.status)) << mode;
  EXPECT_EQ(psx.out.size(), native.out.size()) << mode;
  EXPECT_TRUE(psx.out == native.out) << mode << ": stdout differs\n--- native (first 2000)\n"
                                     << native.out.substr(0, 2000) << "\n--- psx\n" << psx.out.substr(0, 2000);
  EXPECT_EQ(psx.err, native.err) << mode;
}

class TrapModes : public ::testing::TestWithParam<Case> {};

TEST_P(TrapModes, BothModesSameAsNative) {
  const Case& c = GetParam();
  RunResult native = run_capture(spec_for(c, {}));
  ASSERT_FALSE(native.timed_out);
  expect_same(native, run_capture(spec_for(c, {PSX_BIN, "run", "--trap=sud"})), "--trap=sud");
  expect_same(native, run_capture(spec_for(c, {PSX_BIN, "run", "--trap=rewrite"})), "--trap=rewrite");
}

INSTANTIATE_TEST_SUITE_P(Guests, TrapModes, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

// The counters of `--stats`: "N system calls: R rewritten site (…), S SUD trap (…); L answered …".
struct Roads {
  unsigned long long total = 0, rewritten = 0, sud = 0, local = 0;
  bool found = false;
};

Roads roads_of(const std::string& err) {
  Roads r;
  size_t at = err.find("psx: trap=");
  if (at == std::string::npos) return r;
  double p1, p2, p3;
  int n = sscanf(err.c_str() + at, "psx: trap=%*s %llu system calls: %llu rewritten site (%lf%%), %llu SUD trap (%lf%%); %llu answered in the guest host process (%lf%%)",
                 &r.total, &r.rewritten, &p1, &r.sud, &p2, &r.local, &p3);
  r.found = n == 7;
  return r;
}

TEST(TrapModesStats, SudModeTrapsEveryCall) {
  RunResult res = run_capture(spec_for(Case{"hello", "hello", {}}, {PSX_BIN, "run", "--stats", "--trap=sud"}));
  Roads r = roads_of(res.err);
  ASSERT_TRUE(r.found) << res.err;
  EXPECT_GT(r.total, 0u);
  EXPECT_EQ(r.rewritten, 0u);
  EXPECT_EQ(r.sud, r.total);
}

TEST(TrapModesStats, RewriteModeTakesTheRewrittenRoad) {
  for (const char* prog : {"hello", "big_write", "memory", "time"}) {
    RunResult res = run_capture(spec_for(Case{prog, prog, {}}, {PSX_BIN, "run", "--stats", "--trap=rewrite"}));
    Roads r = roads_of(res.err);
    ASSERT_TRUE(r.found) << prog << ": " << res.err;
    EXPECT_EQ(r.rewritten + r.sud, r.total) << prog;
    // Every musl syscall site these programs reach is rewritable.
    EXPECT_GE(r.rewritten * 100, r.total * 95) << prog << ": " << res.err;
  }
}

TEST(TrapModesStats, IdentityIsAnsweredInTheGuestHostProcessButNotUnderTrace) {
  // time calls clock_gettime, time and gettimeofday; all are answered locally.
  RunResult fast = run_capture(spec_for(Case{"time", "time", {}}, {PSX_BIN, "run", "--stats"}));
  Roads r = roads_of(fast.err);
  ASSERT_TRUE(r.found) << fast.err;
  EXPECT_GT(r.local, 0u) << fast.err;
  RunResult traced =
      run_capture(spec_for(Case{"time", "time", {}}, {PSX_BIN, "run", "--stats", "--trace-file", "/dev/null"}));
  Roads t = roads_of(traced.err);
  ASSERT_TRUE(t.found) << traced.err;
  EXPECT_EQ(t.local, 0u) << "--trace must send every call to the kernel host";
}

}  // namespace
}  // namespace psx::test
