// Kills the whole `psx run` (SIGKILL, at random moments) while its guest
// writes files, many times over one store. After each kill the store opens,
// fsck is clean, every operation the guest saw acknowledged is there, and no
// record is half-written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <string>

#include "run_capture.h"

namespace psx::test {
namespace {

RunResult psx(std::vector<std::string> args, const std::string& store) {
  RunSpec s;
  s.argv = {PSX_BIN};
  for (auto& a : args) s.argv.push_back(a);
  s.env = {"PSX_STORE=" + store, "PATH=/usr/bin:/bin"};
  s.stdin_kind = Stdin::kDevNull;
  return run_capture(s);
}

// Starts psx run of the writer; lets it run ms milliseconds; SIGKILLs psx.
// Returns the highest record number acknowledged (-1 if none).
int run_and_kill(const std::string& store, int ms) {
  int out[2];
  EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    std::string env = "PSX_STORE=" + store;
    char* envp[] = {env.data(), nullptr};
    std::string prog = std::string(PSX_GUEST_DIR) + "/crash_writer";
    execle(PSX_BIN, PSX_BIN, "run", prog.c_str(), "/tmp/crash", (char*)nullptr, envp);
    _exit(127);
  }
  close(out[1]);
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 5) > 0) {
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, size_t(n));
    }
  }
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  // Whatever was already printed was acknowledged before the kill.
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) got.append(buf, size_t(n));
  close(out[0]);
  int last = -1;
  size_t pos = 0;
  while ((pos = got.find("ack ", pos)) != std::string::npos) {
    size_t nl = got.find('\n', pos);
    if (nl == std::string::npos) break;  // a partial line was never fully acknowledged
    last = std::stoi(got.substr(pos + 4, nl - pos - 4));
    pos = nl;
  }
  return last;
}

TEST(PsxCrash, SigkillOfPsxLosesNoAcknowledgedWrite) {
  TempDir tmp;
  std::string store = tmp.path + "/crash.psx";
  std::mt19937 rng(12345);
  int highest = -1;
  for (int round = 0; round < 15; round++) {
    int ms = 30 + int(rng() % 250);
    int last = run_and_kill(store, ms);
    highest = std::max(highest, last);
    RunResult fsck = psx({"store", "fsck"}, store);
    ASSERT_TRUE(WIFEXITED(fsck.status) && WEXITSTATUS(fsck.status) == 0)
        << "round " << round << ": fsck after the kill\n" << fsck.out << fsck.err;
    RunResult log = psx({"store", "cat", "/tmp/crash/log"}, store);
    if (highest < 0) continue;
    ASSERT_TRUE(WIFEXITED(log.status) && WEXITSTATUS(log.status) == 0) << log.err;
    // Whole records only, numbered 0, 1, 2 … with none missing or torn.
    ASSERT_EQ(log.out.size() % 16, 0u) << "round " << round << ": a torn record";
    int records = int(log.out.size() / 16);
    for (int i = 0; i < records; i++) {
      char want[32];
      snprintf(want, sizeof want, "rec %010d\n", i);
      ASSERT_EQ(log.out.substr(size_t(i) * 16, 16), std::string(want, 16)) << "round " << round << " record " << i;
    }
    EXPECT_GE(records, highest + 1) << "round " << round << ": an acknowledged record is missing";
  }
  EXPECT_GT(highest, 20) << "the writer made too little progress to test anything";
}

}  // namespace
}  // namespace psx::test
