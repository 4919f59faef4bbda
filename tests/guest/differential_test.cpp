// Differential tests: each guest program runs directly on Linux and under
// `psx run`; stdout, stderr and the wait status must be identical.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "run_capture.h"

namespace psx::test {
namespace {

struct Case {
  std::string name;
  std::string program;
  // "@WORK" becomes a fresh working directory; "@SELF" the program's own path, for
  // programs that exec themselves: natively the host build, under psx the same path
  // inside the store, where the harness imports the binary first (the guest sees
  // only the store's files).
  std::vector<std::string> args;
  Stdin stdin_kind = Stdin::kData;
  std::string stdin_data;
  bool broken_pipe = false;
  bool pty = false;
};

std::vector<Case> cases() {
  std::vector<Case> c = {
      {"hello", "hello", {}},
      {"args_env", "args_env", {"a", "b c", "", "--flag=x y", "ünï"}},
      {"args_none", "args_env", {}},
      {"exit_0", "exit_code", {"0"}},
      {"exit_42", "exit_code", {"42"}},
      {"exit_255_exit", "exit_code", {"255", "exit"}},
      {"exit_256_wraps", "exit_code", {"256", "exit"}},
      {"exit_7__exit", "exit_code", {"7", "_exit"}},
      {"big_write", "big_write", {}},
      {"big_write_odd", "big_write", {"1234567"}},
      {"stdin_small", "read_stdin", {}, Stdin::kData, "first line\nsecond\n"},
      {"stdin_large", "read_stdin", {}, Stdin::kData, pattern(3 << 20)},
      {"stdin_lines", "read_stdin", {"lines"}, Stdin::kData, "a\nbb\nccc\n\nlast without newline"},
      {"stdin_empty", "read_stdin", {}, Stdin::kData, ""},
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
      {"fds", "fds", {}},
      {"files", "files", {"@WORK"}},
      {"calls", "calls", {"@WORK"}},
      {"terminal", "tty", {}, Stdin::kData, "typed on a terminal\n", false, true},
      {"poll_data", "poll", {"@WORK"}, Stdin::kData, "some bytes on stdin\n"},
      {"poll_eof", "poll", {"@WORK"}, Stdin::kData, ""},
      {"locks", "locks", {"@WORK"}},
      {"limits", "limits", {}},
      {"mremap", "mremap", {}},
      {"creds", "creds", {}},
      {"mmap_file", "mmap_file", {"@WORK"}},
      {"pipe_basics", "pipe_basics", {"@WORK"}},
      {"procfs", "procfs", {}},
  };
  // Issue 5: processes, pipes between them, signal handlers, threads; one case per section.
  for (const char* s : {"exit", "wait", "waitid", "zombie", "ids", "vfork", "spawn", "exec", "groups", "nproc", "orphan"})
    c.push_back({std::string("procs_") + s, "procs", {s, "@WORK", "@SELF"}});
  for (const char* s : {"pipeline", "eof", "sigpipe", "exec_cat", "atomic"})
    c.push_back({std::string("pipes_") + s, "pipes_procs", {s, "@SELF"}});
  for (const char* s : {"siginfo", "nested", "flags", "pending", "timedwait", "timers", "sigchld", "restart",
                        "nanosleep", "altstack", "jump", "spin", "ignored"})
    c.push_back({std::string("sig_") + s, "sighandlers", {s}});
  for (const char* s : {"join", "counters", "condvar", "pingpong", "detach", "tsd", "exits", "exit_group", "kill",
                        "broadcast", "read", "main_exit"})
    c.push_back({std::string("threads_") + s, "threads", {s}});
  return c;
}

// Keeps gtest from printing the parameter as raw bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Differential : public ::testing::TestWithParam<Case> {};

TEST_P(Differential, SameAsNative) {
  const Case& c = GetParam();
  std::string prog = std::string(PSX_GUEST_DIR) + "/" + c.program;
  RunSpec spec;
  // Each case gets its own store (named the same in both runs, so the
  // environment the program sees is identical).
  TempDir tmp;
  spec.env = {"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C", "PSX_TEST=differential", "EMPTY=",
              "PSX_STORE=" + tmp.path + "/store.psx"};
  spec.stdin_kind = c.stdin_kind;
  spec.stdin_data = c.stdin_data;
  spec.stdout_broken_pipe = c.broken_pipe;
  spec.pty = c.pty;
  // A working directory with the same name natively (on the host) and under
  // psx (inside the store, where the program creates it).
  std::vector<std::string> args;
  bool self = false;
  for (auto& a : c.args) {
    self |= a == "@SELF";
    args.push_back(a == "@WORK" ? tmp.path + "/work" : a == "@SELF" ? prog : a);
  }
  spec.argv = {prog};
  for (auto& a : args) spec.argv.push_back(a);
  RunResult native = run_capture(spec);
  ASSERT_FALSE(native.timed_out);

  // Both trap modes, each on a store of its own (named with --store, so the
  // environment stays the one the native run saw): the default, rewritten
  // sites with identity and clocks answered in the guest host process; and
  // SUD under --trace-file, which sends every call to the kernel host and
  // records the calls for the coverage test.
  struct Mode {
    const char* name;
    std::string store;
    std::vector<std::string> options;
  };
  const Mode modes[] = {
      {"--trap=rewrite", tmp.path + "/rewrite.psx", {"--trap=rewrite"}},
      {"--trap=sud", tmp.path + "/sud.psx", {"--trap=sud", "--trace-file", tmp.path + "/trace"}},
  };
  for (const Mode& m : modes) {
    if (self) ASSERT_EQ(import_file(PSX_BIN, m.store, prog, prog), "") << m.name;
    RunSpec under = spec;
    under.argv = {PSX_BIN, "run", "--store", m.store};
    under.argv.insert(under.argv.end(), m.options.begin(), m.options.end());
    under.argv.push_back(prog);
    for (auto& a : args) under.argv.push_back(a);
    RunResult psx = run_capture(under);
    ASSERT_FALSE(psx.timed_out) << m.name << ": psx run did not finish";
    EXPECT_EQ(describe_status(psx.status), describe_status(native.status)) << m.name;
    EXPECT_EQ(psx.status, native.status) << m.name;
    EXPECT_EQ(psx.out.size(), native.out.size()) << m.name;
    EXPECT_TRUE(psx.out == native.out) << m.name << ": stdout differs\n--- native (first 2000)\n"
                                       << native.out.substr(0, 2000) << "\n--- psx\n" << psx.out.substr(0, 2000);
    EXPECT_EQ(psx.err, native.err) << m.name;
  }
  save_coverage("linux-x86_64", c.name, tmp.path + "/trace");
}

INSTANTIATE_TEST_SUITE_P(Guests, Differential, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

}  // namespace
}  // namespace psx::test
