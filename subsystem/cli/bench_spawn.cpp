// spawn_and_wait (see bench_spawn.h).
#include "subsystem/cli/bench_spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace psx::cli::bench {
namespace {

double now_s() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

}  // namespace

bool Outcome::ok() const { return started && !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0; }

std::string Outcome::why() const {
  if (!started) return err.empty() ? "could not start" : err;
  if (timed_out) return "did not finish in time";
  // The last line of stderr usually says it ("psx: ...").
  std::string last;
  size_t end = err.find_last_not_of('\n');
  if (end != std::string::npos) {
    size_t begin = err.rfind('\n', end);
    last = err.substr(begin == std::string::npos ? 0 : begin + 1, end + 1 - (begin == std::string::npos ? 0 : begin + 1));
  }
  std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                      : std::string("killed by ") + strsignal(WTERMSIG(status));
  return last.empty() ? how : how + ": " + last;
}

Outcome spawn_and_wait(const std::vector<std::string>& argv, double timeout_s, const std::vector<std::string>& env) {
  Outcome o;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return o;
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return o;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<std::string> envs;
  for (char** e = environ; *e; e++) envs.push_back(*e);
  envs.insert(envs.end(), env.begin(), env.end());
  std::vector<char*> args, envp;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &fa, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    o.err = argv[0] + ": " + strerror(rc);
    return o;
  }
  o.started = true;
  double deadline = now_s() + timeout_s;
  pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* into[2] = {&o.out, &o.err};
  int open_fds = 2;
  while (open_fds > 0) {
    double left = deadline - now_s();
    if (left <= 0) {
      o.timed_out = true;
      kill(-pid, SIGKILL);  // the group this call started
      break;
    }
    int n = poll(p, 2, int(left * 1000) + 1);
    if (n < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; k++) {
      if (p[k].fd < 0 || !(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t got = read(p[k].fd, buf, sizeof buf);
      if (got > 0) {
        into[k]->append(buf, size_t(got));
      } else if (got == 0 || errno != EINTR) {
        close(p[k].fd);
        p[k].fd = -1;
        open_fds--;
      }
    }
  }
  for (auto& q : p)
    if (q.fd >= 0) close(q.fd);
  while (waitpid(pid, &o.status, 0) < 0 && errno == EINTR) {
  }
  return o;
}

}  // namespace psx::cli::bench
