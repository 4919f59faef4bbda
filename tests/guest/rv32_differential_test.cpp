// RV32 differential tests (issue 6): each guest program's riscv32 build runs
// under `psx run` and under qemu-riscv32, and both are compared with the
// native x86-64 build run directly on Linux — Linux is the reference. stdout,
// stderr and the wait status must be identical: the guest programs are written
// to print the same on both ABIs.
//
// Under psx nothing is excused. qemu-user is a peer, not the reference: where
// qemu 7.2 departs from Linux, the case names the departure and its reason,
// and only the lines it affects are left out of that comparison.
#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "run_capture.h"

namespace psx::test {
namespace {

namespace fs = std::filesystem;

// How qemu-riscv32 7.2 departs from Linux for one case, and why.
struct QemuDeviation {
  enum Kind {
    kNone,
    kEnvReversed,  // the guest's environment arrives in reverse order
    kLinesDiffer,  // stdout lines containing one of `lines` are not compared
    kCannotRun,    // qemu cannot run the case at all: not compared
  } kind = kNone;
  std::vector<std::string> lines;
  std::string reason;
};

struct Case {
  std::string name;
  std::string program;
  std::vector<std::string> args;
  Stdin stdin_kind = Stdin::kData;
  std::string stdin_data;
  bool broken_pipe = false;
  bool pty = false;  // stdin, stdout and stderr are one pseudo-terminal
  QemuDeviation qemu;
  std::string not_on_riscv32;  // why the program has no riscv32 build: neither run
};

const QemuDeviation kEnvOrder{QemuDeviation::kEnvReversed, {},
                              "qemu-user builds the guest's envp in reverse order"};
const QemuDeviation kErrnoDepartures{
    QemuDeviation::kLinesDiffer,
    {
        // target_mprotect and madvise do not check that the range is mapped.
        "mprotect((void*)(uintptr_t)0x3f000000", "mprotect((void*)4097",
        "madvise((void*)(uintptr_t)0x3f000000",
        // unknown ioctl requests answer ENOSYS in qemu, ENOTTY on Linux.
        "ioctl(1, 0x12345678",
        // lock_iovec checks each iovec alone and writes the valid prefix
        // (4 bytes); Linux fails the whole writev on a pipe with EFAULT.
        "writev(1, iov, 2)",
    },
    "qemu answers mprotect/madvise of unmapped ranges with 0 (Linux: ENOMEM), unknown ioctls"
    " with ENOSYS (Linux: ENOTTY), and writes the valid prefix of a writev with a bad iovec"
    " (Linux on a pipe: EFAULT)"};

const QemuDeviation kRobustList{QemuDeviation::kLinesDiffer,
                                {"syscall(SYS_set_robust_list"},
                                "qemu-user answers set_robust_list with ENOSYS (Linux: 0, or EINVAL for a wrong size)"};

const QemuDeviation kExecveat{QemuDeviation::kLinesDiffer,
                              {"syscall(SYS_execveat"},
                              "qemu-riscv32 answers execveat with ENOSYS (Linux resolves the path first: ENOENT, EINVAL)"};

Case run(std::string name, std::string program, std::vector<std::string> args = {}) {
  Case c;
  c.name = std::move(name);
  c.program = std::move(program);
  c.args = std::move(args);
  return c;
}
Case with_stdin(Case c, Stdin kind, std::string data = "") {
  c.stdin_kind = kind;
  c.stdin_data = std::move(data);
  return c;
}
Case reader_gone(Case c) {
  c.broken_pipe = true;
  return c;
}
Case on_terminal(Case c, std::string typed) {
  c.pty = true;
  c.stdin_data = std::move(typed);
  return c;
}
Case qemu_departs(Case c, const QemuDeviation& d) {
  c.qemu = d;
  return c;
}
Case not_on_riscv32(Case c, std::string why) {
  c.not_on_riscv32 = std::move(why);
  return c;
}

// Programs that exec themselves ("@SELF") or count processes.
const QemuDeviation kNoExec{QemuDeviation::kCannotRun, {},
                            "qemu-user hands execve of the RV32 program to the host, which cannot run it without"
                            " binfmt_misc (ENOEXEC); psx runs it from the store"};
const QemuDeviation kNprocThreads{QemuDeviation::kCannotRun, {},
                                  "qemu-user's own threads count against RLIMIT_NPROC: at the limit it fails"
                                  " to create one and aborts"};
const char kNoThreads[] =
    "psx answers clone(CLONE_THREAD) from a riscv32 guest with ENOSYS (Unicorn runs one CPU per engine, and"
    " guest atomics would not be atomic between engines), so threads.c is built for x86-64 only";

const QemuDeviation kClockGetresFault{QemuDeviation::kLinesDiffer,
                                      {"clock_getres(CLOCK_MONOTONIC, BAD)"},
                                      "qemu's clock_getres does not check the result pointer (Linux: EFAULT)"};
const QemuDeviation kMsyncHole{QemuDeviation::kLinesDiffer,
                               {"msync(p, 3 * page, MS_SYNC)"},
                               "qemu's msync does not check that the range is mapped (Linux: ENOMEM)"};
const QemuDeviation kMremapDepartures{
    QemuDeviation::kLinesDiffer,
    {"in place:", "shrunk in place:", "msync(c + pg, pg, MS_SYNC)", "mremap(m, pg, 0, MREMAP_MAYMOVE)",
     "mremap(m, pg, 2 * pg, MREMAP_MAYMOVE)", "mremap(f, pg, 2 * pg, 0)", "mremap(t + pg, pg, 2 * pg, 0)",
     "mremap(src, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, t)"},
    "qemu's mremap cannot grow a mapping in place (ENOMEM), answers ENOMEM for a zero new length (Linux:"
    " EINVAL), remaps an unmapped range with MREMAP_MAYMOVE or MREMAP_FIXED (Linux: EFAULT) and answers ENOMEM"
    " for growing one without (Linux: EFAULT), and its msync does not check that the range is mapped"};

const QemuDeviation kProcSelfStat{
    QemuDeviation::kLinesDiffer,
    {"stat: running", "stat has 52 fields", "lseek(fd, 0, SEEK_END)", "open(\"/proc/self/stat\", O_RDONLY | O_DIRECTORY)",
     "readlink /proc/self/exe ends with"},
    "qemu makes /proc/self/stat up itself (44 fields; state, pgrp and session 0) and serves it from a"
    " temporary file, where SEEK_END works (Linux: EINVAL) and O_DIRECTORY is not refused (Linux:"
    " ENOTDIR); its /proc/self/exe is the program with links resolved (here NAME.rv32, not ./NAME)"};

const QemuDeviation kPipe2Departures{
    QemuDeviation::kLinesDiffer,
    {"pipe2(p, 0x40000000)", "no descriptor left behind"},
    "qemu's pipe2 drops flags it does not know (Linux: EINVAL) and keeps the new descriptors when the"
    " array is bad (Linux closes them: EFAULT and nothing left behind)"};

// The same cases as differential_test.cpp, with qemu's departures named.
std::vector<Case> cases() {
  std::vector<Case> c = {
      run("hello", "hello"),
      qemu_departs(run("args_env", "args_env", {"a", "b c", "", "--flag=x y", "ünï"}), kEnvOrder),
      qemu_departs(run("args_none", "args_env"), kEnvOrder),
      run("exit_0", "exit_code", {"0"}),
      run("exit_42", "exit_code", {"42"}),
      run("exit_255_exit", "exit_code", {"255", "exit"}),
      run("exit_256_wraps", "exit_code", {"256", "exit"}),
      run("exit_7__exit", "exit_code", {"7", "_exit"}),
      run("big_write", "big_write"),
      run("big_write_odd", "big_write", {"1234567"}),
      with_stdin(run("stdin_small", "read_stdin"), Stdin::kData, "first line\nsecond\n"),
      with_stdin(run("stdin_large", "read_stdin"), Stdin::kData, pattern(3 << 20)),
      with_stdin(run("stdin_lines", "read_stdin", {"lines"}), Stdin::kData, "a\nbb\nccc\n\nlast without newline"),
      with_stdin(run("stdin_empty", "read_stdin"), Stdin::kData, ""),
      with_stdin(run("stdin_devnull", "read_stdin"), Stdin::kDevNull),
      with_stdin(run("stdin_closed", "read_stdin"), Stdin::kClosed),
      run("signal_abort", "signals", {"abort"}),
      // A store to address 8: Unicorn's fault becomes a kFrameFault frame,
      // answered with kKillSelf(SIGSEGV).
      run("signal_segv", "signals", {"segv"}),
      run("signal_term", "signals", {"term"}),
      run("signal_kill", "signals", {"kill"}),
      run("signal_usr1", "signals", {"usr1"}),
      run("signal_ignored", "signals", {"ignored"}),
      run("signal_blocked", "signals", {"blocked"}),
      reader_gone(run("signal_pipe", "signals", {"pipe"})),
      reader_gone(run("signal_pipe_ignored", "signals", {"pipe-ignored"})),
      run("memory", "memory"),
      qemu_departs(run("errors", "errors"), kErrnoDepartures),
      run("time", "time"),
      run("fds", "fds"),
      run("files", "files", {"@WORK"}),
      qemu_departs(run("calls", "calls", {"@WORK"}), kRobustList),
      on_terminal(run("terminal", "tty"), "typed on a terminal\n"),
      with_stdin(run("poll_data", "poll"), Stdin::kData, "some bytes on stdin\n"),
      with_stdin(run("poll_eof", "poll"), Stdin::kData, ""),
      run("locks", "locks"),
      qemu_departs(run("limits", "limits"), kClockGetresFault),
      qemu_departs(run("mremap", "mremap"), kMremapDepartures),
      qemu_departs(run("creds", "creds"), kExecveat),
      qemu_departs(run("mmap_file", "mmap_file"), kMsyncHole),
      qemu_departs(run("pipe_basics", "pipe_basics", {"@WORK"}), kPipe2Departures),
      qemu_departs(run("procfs", "procfs"), kProcSelfStat),
  };
  // Issue 5, as in differential_test.cpp: one case per section.
  for (const char* s : {"exit", "wait", "waitid", "zombie", "ids", "vfork", "spawn", "exec", "groups", "nproc", "orphan"}) {
    Case k = run(std::string("procs_") + s, "procs", {s, "@WORK", "@SELF"});
    std::string n = s;
    if (n == "vfork" || n == "spawn" || n == "exec") k = qemu_departs(k, kNoExec);
    if (n == "nproc") k = qemu_departs(k, kNprocThreads);
    c.push_back(k);
  }
  for (const char* s : {"pipeline", "eof", "sigpipe", "exec_cat", "atomic"}) {
    Case k = run(std::string("pipes_") + s, "pipes_procs", {s, "@SELF"});
    c.push_back(std::string(s) == "exec_cat" ? qemu_departs(k, kNoExec) : k);
  }
  for (const char* s : {"siginfo", "nested", "flags", "pending", "timedwait", "timers", "sigchld", "restart",
                        "nanosleep", "altstack", "jump", "spin", "ignored"})
    c.push_back(run(std::string("sig_") + s, "sighandlers", {s}));
  for (const char* s : {"join", "counters", "condvar", "pingpong", "detach", "tsd", "exits", "exit_group", "kill",
                        "broadcast", "read", "main_exit"})
    c.push_back(not_on_riscv32(run(std::string("threads_") + s, "threads", {s}), kNoThreads));
  return c;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// Every program runs as "./NAME" from a directory where NAME is the build
// under test (the native one, or a link to NAME.rv32), so argv[0] and
// AT_EXECFN are the same string on every run.
class Rv32Differential : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/psx-rv32-diff-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    rv32_dir_ = tmpl;
    for (const Case& c : cases()) {
      fs::path link = fs::path(rv32_dir_) / c.program;
      if (!fs::exists(fs::symlink_status(link)))
        fs::create_symlink(fs::path(PSX_GUEST_DIR) / (c.program + ".rv32"), link);
    }
  }
  static void TearDownTestSuite() { fs::remove_all(rv32_dir_); }

  RunSpec spec_for(const Case& c) const {
    RunSpec spec;
    spec.env = {"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C", "PSX_TEST=differential", "EMPTY="};
    // Each test process its own store: parallel runs must not share the default one.
    spec.env.push_back("PSX_STORE=" + rv32_dir_ + "/store.psx");
    spec.stdin_kind = c.stdin_kind;
    spec.stdin_data = c.stdin_data;
    spec.stdout_broken_pipe = c.broken_pipe;
    spec.pty = c.pty;
    return spec;
  }
  // Runs `runner... ./PROGRAM args` with `dir` as the working directory;
  // "@SELF" in the arguments becomes `self`.
  RunResult run_in(const std::string& dir, std::vector<std::string> runner, const Case& c,
                   const std::string& self = "") const {
    RunSpec spec = spec_for(c);
    spec.argv = std::move(runner);
    spec.argv.push_back("./" + c.program);
    // "@WORK": a fresh working directory for each run (on the host natively and
    // for qemu, inside the store under psx); programs never print its name.
    static int work = 0;
    for (auto& a : c.args)
      spec.argv.push_back(a == "@WORK" ? rv32_dir_ + "/work" + std::to_string(++work) : a == "@SELF" ? self : a);
    char old[PATH_MAX];
    EXPECT_NE(getcwd(old, sizeof old), nullptr);
    EXPECT_EQ(chdir(dir.c_str()), 0) << dir;
    RunResult r = run_capture(spec);  // the child inherits the directory
    EXPECT_EQ(chdir(old), 0);
    return r;
  }
  // "@SELF" natively: the x86-64 build. Under psx the same path names the
  // riscv32 build, imported there into the store (the guest sees only the store).
  static std::string self_path(const Case& c) { return std::string(PSX_GUEST_DIR) + "/" + c.program; }
  static bool execs_itself(const Case& c) { return std::find(c.args.begin(), c.args.end(), "@SELF") != c.args.end(); }
  RunResult native(const Case& c) const { return run_in(PSX_GUEST_DIR, {}, c, self_path(c)); }

  static std::string rv32_dir_;
};
std::string Rv32Differential::rv32_dir_;

void expect_same(const RunResult& got, const RunResult& native, const char* who) {
  EXPECT_EQ(describe_status(got.status), describe_status(native.status)) << who;
  EXPECT_EQ(got.status, native.status) << who;
  EXPECT_EQ(got.out.size(), native.out.size()) << who;
  EXPECT_TRUE(got.out == native.out) << who << ": stdout differs\n--- native (first 2000)\n"
                                     << native.out.substr(0, 2000) << "\n--- " << who << "\n"
                                     << got.out.substr(0, 2000);
  EXPECT_EQ(got.err, native.err) << who;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}
std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (auto& l : v) s += l + "\n";
  return s;
}

// Undoes a named departure in qemu's output (or drops the lines it affects
// from both sides), so that everything else still compares exactly.
void apply_deviation(const QemuDeviation& d, RunResult& qemu, RunResult& native) {
  if (d.kind == QemuDeviation::kEnvReversed) {
    auto lines = split_lines(qemu.out);
    auto first = std::find_if(lines.begin(), lines.end(), [](auto& l) { return l.rfind("env=", 0) == 0; });
    auto last = std::find_if(first, lines.end(), [](auto& l) { return l.rfind("env=", 0) != 0; });
    std::reverse(first, last);
    qemu.out = join_lines(lines);
  } else if (d.kind == QemuDeviation::kLinesDiffer) {
    auto drop = [&](std::string& out) {
      auto lines = split_lines(out);
      std::erase_if(lines, [&](const std::string& l) {
        return std::any_of(d.lines.begin(), d.lines.end(),
                           [&](const std::string& key) { return l.find(key) != std::string::npos; });
      });
      out = join_lines(lines);
    };
    drop(qemu.out);
    drop(native.out);
  }
}

TEST_P(Rv32Differential, PsxSameAsNative) {
  const Case& c = GetParam();
  if (!c.not_on_riscv32.empty()) GTEST_SKIP() << c.not_on_riscv32;
  RunResult ref = native(c);
  ASSERT_FALSE(ref.timed_out);
  if (execs_itself(c))
    ASSERT_EQ(import_file(PSX_BIN, rv32_dir_ + "/store.psx", self_path(c) + ".rv32", self_path(c)), "");
  TempDir trace;
  RunResult psx = run_in(rv32_dir_, {PSX_BIN, "run", "--trace-file", trace.path + "/trace"}, c, self_path(c));
  ASSERT_FALSE(psx.timed_out) << "psx run did not finish";
  save_coverage("linux-riscv32", c.name, trace.path + "/trace");
  expect_same(psx, ref, "psx (riscv32)");
}

TEST_P(Rv32Differential, QemuSameAsNative) {
  const Case& c = GetParam();
  std::string qemu_bin = PSX_QEMU_RISCV32;
  if (qemu_bin.empty() || qemu_bin.find("NOTFOUND") != std::string::npos) GTEST_SKIP() << "no qemu-riscv32";
  if (!c.not_on_riscv32.empty()) GTEST_SKIP() << c.not_on_riscv32;
  if (c.qemu.kind == QemuDeviation::kCannotRun) GTEST_SKIP() << c.qemu.reason;
  RunResult ref = native(c);
  ASSERT_FALSE(ref.timed_out);
  RunResult qemu = run_in(rv32_dir_, {qemu_bin}, c, rv32_dir_ + "/" + c.program);
  ASSERT_FALSE(qemu.timed_out) << "qemu-riscv32 did not finish";
  if (c.qemu.kind != QemuDeviation::kNone) {
    RecordProperty("qemu_deviation", c.qemu.reason);
    apply_deviation(c.qemu, qemu, ref);
  }
  expect_same(qemu, ref, "qemu-riscv32");
}

INSTANTIATE_TEST_SUITE_P(Rv32Guests, Rv32Differential, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

}  // namespace
}  // namespace psx::test
