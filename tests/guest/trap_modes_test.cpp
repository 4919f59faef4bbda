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

// The differential suite (differential_test.cpp) compares every guest
// program natively and under both trap modes; these check which road the
// calls took.
RunSpec spec_for(const std::string& program, const std::vector<std::string>& prefix) {
  RunSpec spec;
  spec.env = {"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C", "PSX_TEST=trap_modes", "EMPTY="};
  static TempDir store;  // each test process its own store: parallel runs must not share the default one
  spec.env.push_back("PSX_STORE=" + store.path + "/store.psx");
  spec.stdin_kind = Stdin::kDevNull;
  spec.argv = prefix;
  spec.argv.push_back(std::string(PSX_GUEST_DIR) + "/" + program);
  return spec;
}

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
  RunResult res = run_capture(spec_for("hello", {PSX_BIN, "run", "--stats", "--trap=sud"}));
  Roads r = roads_of(res.err);
  ASSERT_TRUE(r.found) << res.err;
  EXPECT_GT(r.total, 0u);
  EXPECT_EQ(r.rewritten, 0u);
  EXPECT_EQ(r.sud, r.total);
}

TEST(TrapModesStats, RewriteModeTakesTheRewrittenRoad) {
  for (const char* prog : {"hello", "big_write", "memory", "time"}) {
    RunResult res = run_capture(spec_for(prog, {PSX_BIN, "run", "--stats", "--trap=rewrite"}));
    Roads r = roads_of(res.err);
    ASSERT_TRUE(r.found) << prog << ": " << res.err;
    EXPECT_EQ(r.rewritten + r.sud, r.total) << prog;
    // Every musl syscall site these programs reach is rewritable.
    EXPECT_GE(r.rewritten * 100, r.total * 95) << prog << ": " << res.err;
  }
}

TEST(TrapModesStats, IdentityIsAnsweredInTheGuestHostProcessButNotUnderTrace) {
  // time calls clock_gettime, time and gettimeofday; all are answered locally.
  RunResult fast = run_capture(spec_for("time", {PSX_BIN, "run", "--stats"}));
  Roads r = roads_of(fast.err);
  ASSERT_TRUE(r.found) << fast.err;
  EXPECT_GT(r.local, 0u) << fast.err;
  RunResult traced =
      run_capture(spec_for("time", {PSX_BIN, "run", "--stats", "--trace-file", "/dev/null"}));
  Roads t = roads_of(traced.err);
  ASSERT_TRUE(t.found) << traced.err;
  EXPECT_EQ(t.local, 0u) << "--trace must send every call to the kernel host";
}

}  // namespace
}  // namespace psx::test
