// Hostile guests (issue 5's "bad input and faults"): a guest host process
// killed from outside, a fork bomb, a guest that ignores SIGTERM. psx must
// stay responsive, report what Linux would, and leave the store clean.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "run_capture.h"

extern char** environ;

namespace psx::test {
namespace {

const std::string kPsx = PSX_BIN;
const std::string kGuest = std::string(PSX_GUEST_DIR) + "/hostile";

// psx run in the background, its stdout in a file.
struct Background {
  pid_t pid = -1;
  std::string out_path;
  Background(const std::vector<std::string>& args, const std::string& out) : out_path(out) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
  }
  std::string out() const {
    std::ifstream f(out_path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
  bool wait_for_output(const std::string& what, int seconds) const {
    for (int i = 0; i < seconds * 20; i++) {
      if (out().find(what) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  int finish(int seconds) {
    for (int i = 0; i < seconds * 20; i++) {
      int st;
      if (waitpid(pid, &st, WNOHANG) == pid) return st;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    return -1;
  }
};

// The host processes psx started (its guest host processes).
std::vector<pid_t> host_children(pid_t psx) {
  std::vector<pid_t> out;
  std::ifstream f("/proc/" + std::to_string(psx) + "/task/" + std::to_string(psx) + "/children");
  pid_t p;
  while (f >> p) out.push_back(p);
  return out;
}

void expect_clean(const std::string& store) {
  RunSpec fsck;
  fsck.argv = {kPsx, "store", "fsck", "--store", store};
  RunResult r = run_capture(fsck);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("clean"), std::string::npos) << r.out;
}

std::string fresh_store(const TempDir& d) {
  std::string store = d.path + "/store.psx";
  RunSpec init;
  init.argv = {kPsx, "store", "init", "--store", store};
  EXPECT_EQ(run_capture(init).status, 0);
  return store;
}

TEST(ProcessFaults, HostProcessKilledFromOutsideIsSeenAsKilled) {
  TempDir d;
  std::string store = fresh_store(d);
  Background psx({kPsx, "run", "--store", store, kGuest, "victim"}, d.path + "/out");
  ASSERT_TRUE(psx.wait_for_output("child started", 20)) << psx.out();
  // The guest's child is the newest guest host process.
  std::vector<pid_t> kids;
  for (int i = 0; i < 100 && kids.size() < 2; i++) {
    kids = host_children(psx.pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(kids.size(), 2u);
  ASSERT_EQ(kill(kids.back(), SIGKILL), 0);
  int st = psx.finish(20);
  ASSERT_TRUE(WIFEXITED(st)) << describe_status(st);
  EXPECT_EQ(WEXITSTATUS(st), 0);
  EXPECT_NE(psx.out().find("child killed by signal 9"), std::string::npos) << psx.out();
  expect_clean(store);
}

TEST(ProcessFaults, ForkBombMeetsTheProcessLimit) {
  TempDir d;
  std::string store = fresh_store(d);
  RunSpec run;
  // A lowered limit keeps the test short; the default (1,024) is the same path.
  run.argv = {kPsx, "run", "--store", store, kGuest, "bomb", "64"};
  run.timeout_s = 120;
  RunResult r = run_capture(run);
  ASSERT_TRUE(WIFEXITED(r.status)) << describe_status(r.status) << r.err;
  EXPECT_EQ(WEXITSTATUS(r.status), 0) << r.err;
  // The bomb itself counts as one of the 64.
  EXPECT_NE(r.out.find("fork failed with EAGAIN after 63 children, 63 reaped"), std::string::npos) << r.out;
  expect_clean(store);
}

TEST(ProcessFaults, IgnoredSigtermLeavesTheGuestRunning) {
  TempDir d;
  std::string store = fresh_store(d);
  Background psx({kPsx, "run", "--store", store, kGuest, "stubborn", "/tmp/stubborn.txt"}, d.path + "/out");
  ASSERT_TRUE(psx.wait_for_output("ignoring SIGTERM", 20)) << psx.out();
  ASSERT_EQ(kill(psx.pid, SIGTERM), 0);  // psx passes it on; the guest ignores it
  int st = psx.finish(30);
  ASSERT_TRUE(WIFEXITED(st)) << describe_status(st);
  EXPECT_EQ(WEXITSTATUS(st), 0);
  EXPECT_NE(psx.out().find("survived SIGTERM"), std::string::npos) << psx.out();
  RunSpec cat;
  cat.argv = {kPsx, "store", "cat", "--store", store, "/tmp/stubborn.txt"};
  EXPECT_EQ(run_capture(cat).out, "still here\n");
  expect_clean(store);
}

}  // namespace
}  // namespace psx::test
