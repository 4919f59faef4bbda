#include "run_capture.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace psx::test {

TempDir::TempDir() {
  char tmpl[] = "/tmp/psx-test-XXXXXX";
  path = mkdtemp(tmpl) ? tmpl : "/tmp";
}

TempDir::~TempDir() {
  if (path == "/tmp") return;
  std::string cmd = "rm -rf '" + path + "'";
  (void)!system(cmd.c_str());
}

void save_coverage(const std::string& abi, const std::string& case_name, const std::string& trace) {
#ifdef PSX_COVERAGE_DIR
  FILE* in = fopen(trace.c_str(), "r");
  if (!in) return;
  mkdir(PSX_COVERAGE_DIR, 0755);
  std::string out_path = std::string(PSX_COVERAGE_DIR) + "/" + abi + "." + case_name + ".calls";
  FILE* out = fopen(out_path.c_str(), "w");
  char line[4096];
  while (out && fgets(line, sizeof line, in)) {
    // "[pid 1] name(args) = result"
    const char* start = strstr(line, "] ");
    const char* paren = start ? strchr(start, '(') : nullptr;
    if (!start || !paren || start[2] == '+' || start[2] == '-') continue;
    fprintf(out, "%.*s\n", int(paren - start - 2), start + 2);
  }
  if (out) fclose(out);
  fclose(in);
#else
  (void)abi, (void)case_name, (void)trace;
#endif
}

std::string import_file(const std::string& psx_bin, const std::string& store, const std::string& host_file,
                        const std::string& store_path) {
  size_t slash = store_path.rfind('/');
  if (slash == std::string::npos || slash + 1 == store_path.size()) return "not an absolute file path: " + store_path;
  TempDir stage;
  std::string name = store_path.substr(slash + 1);
  std::string cmd = "cp '" + host_file + "' '" + stage.path + "/" + name + "'";
  if (system(cmd.c_str()) != 0) return "cannot copy " + host_file;
  RunSpec s;
  s.argv = {psx_bin, "store", "import", "--store", store, stage.path, slash ? store_path.substr(0, slash) : "/"};
  s.stdin_kind = Stdin::kDevNull;
  RunResult r = run_capture(s);
  if (r.status != 0) return "psx store import: " + describe_status(r.status) + ": " + r.out + r.err;
  return "";
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status)) + (WCOREDUMP(status) ? " (core)" : "");
  return "status " + std::to_string(status);
}

namespace {

// In the child: becomes spec's program with exactly spec's environment.
[[noreturn]] void exec_spec(const RunSpec& spec) {
  std::vector<char*> argv, envp;
  for (auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  execve(argv[0], argv.data(), envp.data());
  _exit(127);
}

RunResult run_on_pty(const RunSpec& spec) {
  RunResult r;
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  grantpt(master);
  unlockpt(master);
  std::string slave_name = ptsname(master);
  struct winsize ws = {24, 80, 0, 0};
  ioctl(master, TIOCSWINSZ, &ws);
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    int slave = open(slave_name.c_str(), O_RDWR);  // becomes the controlling terminal
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    dup2(slave, 0);
    dup2(slave, 1);
    dup2(slave, 2);
    syscall(SYS_close_range, 3, ~0u, 0);
    exec_spec(spec);
  }
  // Type the input only once the program waits for it (its prompt ends in ": ").
  bool typed = spec.stdin_data.empty();
  time_t deadline = time(nullptr) + spec.timeout_s;
  while (true) {
    pollfd p = {master, POLLIN, 0};
    int n = poll(&p, 1, 100);
    if (n > 0) {
      char buf[4096];
      ssize_t got = read(master, buf, sizeof buf);
      if (got <= 0) break;  // EIO: the last slave fd closed
      r.out.append(buf, size_t(got));
    }
    if (!typed && r.out.size() >= 2 && r.out.compare(r.out.size() - 2, 2, ": ") == 0) {
      (void)!write(master, spec.stdin_data.data(), spec.stdin_data.size());
      typed = true;
    }
    if (time(nullptr) > deadline) {
      kill(pid, SIGKILL);
      r.timed_out = true;
      break;
    }
  }
  waitpid(pid, &r.status, 0);
  close(master);
  return r;
}

}  // namespace

RunResult run_capture(const RunSpec& spec) {
  if (spec.pty) return run_on_pty(spec);
  int out[2], err[2], in[2] = {-1, -1};
  pipe2(out, O_CLOEXEC);
  pipe2(err, O_CLOEXEC);
  if (spec.stdin_kind == Stdin::kData) pipe2(in, O_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);
  // A broken pipe must be broken before the program starts, not after.
  if (spec.stdout_broken_pipe) {
    close(out[0]);
    out[0] = -1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    // Its own process group, so a guest's kill(0, sig) reaches only itself.
    setpgid(0, 0);
    // Same limits for the native run and psx: no core files.
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    signal(SIGPIPE, SIG_DFL);
    if (spec.stdin_kind == Stdin::kData) dup2(in[0], 0);
    else if (spec.stdin_kind == Stdin::kDevNull) dup2(open("/dev/null", O_RDONLY), 0);
    else close(0);
    dup2(out[1], 1);
    dup2(spec.merge_stderr ? out[1] : err[1], 2);
    // The same descriptors for both runs: only 0, 1 and 2 (ctest, for one,
    // leaks a pipe without close-on-exec into the tests it starts).
    syscall(SYS_close_range, 3, ~0u, 0);
    exec_spec(spec);
  }
  close(out[1]);
  close(err[1]);
  if (in[0] >= 0) close(in[0]);
  RunResult r;
  size_t sent = 0;
  if (in[1] >= 0) {
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    if (spec.stdin_data.empty()) {
      close(in[1]);
      in[1] = -1;
    }
  }
  time_t deadline = time(nullptr) + spec.timeout_s;
  while (out[0] >= 0 || err[0] >= 0) {
    pollfd fds[3];
    int n = 0;
    if (out[0] >= 0) fds[n++] = {out[0], POLLIN, 0};
    if (err[0] >= 0) fds[n++] = {err[0], POLLIN, 0};
    if (in[1] >= 0) fds[n++] = {in[1], POLLOUT, 0};
    if (poll(fds, nfds_t(n), 1000) < 0 && errno != EINTR) break;
    if (time(nullptr) > deadline) {
      kill(pid, SIGKILL);
      r.timed_out = true;
      break;
    }
    for (int i = 0; i < n; i++) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == in[1]) {
        ssize_t w = write(in[1], spec.stdin_data.data() + sent, spec.stdin_data.size() - sent);
        if (w > 0) sent += size_t(w);
        if (w < 0 || sent == spec.stdin_data.size()) {
          close(in[1]);
          in[1] = -1;
        }
        continue;
      }
      char buf[65536];
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      std::string& dst = fds[i].fd == out[0] ? r.out : r.err;
      if (got > 0) {
        dst.append(buf, size_t(got));
      } else {
        close(fds[i].fd);
        (fds[i].fd == out[0] ? out[0] : err[0]) = -1;
      }
    }
  }
  if (in[1] >= 0) close(in[1]);
  if (out[0] >= 0) close(out[0]);
  if (err[0] >= 0) close(err[0]);
  waitpid(pid, &r.status, 0);
  return r;
}

std::string pattern(size_t n) {
  std::string s(n, 0);
  uint32_t x = 7;
  for (size_t i = 0; i < n; i++) {
    x = x * 1664525u + 1013904223u;
    s[i] = char(x >> 24);
  }
  return s;
}

}  // namespace psx::test
