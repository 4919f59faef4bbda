// The channel across two host processes: a forked child plays the guest host
// process, submitting frames; the kernel host echoes them back.
#include "kernelprocs/channel.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernelprocs/channel_guest.h"

namespace psx {
namespace {

long host_syscall(long nr, long a, long b, long c, long d, long e, long f) { return syscall(nr, a, b, c, d, e, f); }

constexpr Address kEcho{0, kTestProcess, 1};

// Answers each frame with the sum of its arguments.
struct Echo : KernelProcess {
  Channel* ch = nullptr;
  int frames = 0;
  int stop_after = 0;
  void on_message(Kernel& k, const Message& m) override {
    ASSERT_EQ(m.op, kOpChannelFrame);
    const Frame& f = ch->frame(uint32_t(m.arg[0]));
    Completion c{};
    c.tag = f.tag;
    c.result = int64_t(f.args[0] + f.args[1] + f.args[2] + f.args[3] + f.args[4] + f.args[5]) + f.nr;
    ch->complete(c);
    if (++frames == stop_after) k.stop();
  }
  const char* name() const override { return "echo"; }
};

void run_guest(ChannelShared* sh, int doorbell, int n, int sleep_every) {
  for (int i = 0; i < n; i++) {
    if (sleep_every && i % sleep_every == 0) usleep(2000);  // let the kernel fall asleep
    Frame f{};
    f.tag = uint32_t(i + 1);
    f.abi = Abi::kLinuxX86_64;
    f.nr = i;
    for (int a = 0; a < 6; a++) f.args[a] = uint64_t(i * 10 + a);
    Completion c = channel_call(sh, doorbell, f, host_syscall);
    if (c.tag != f.tag || c.result != i * 60 + 15 + i) _exit(10);
  }
  _exit(0);
}

void round_trips(int n, int sleep_every, uint64_t spin_ns) {
  Kernel k;  // outlives the channel attached to it
  auto ch = Channel::create();
  ASSERT_TRUE(ch.ok());
  k.set_spin_ns(spin_ns);
  Echo echo;
  echo.ch = ch->get();
  echo.stop_after = n;
  k.attach(kEcho, &echo);
  (*ch)->set_owner(kEcho);
  (*ch)->attach(k);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ChannelShared* sh = map_channel((*ch)->memfd());
    if (!sh) _exit(11);
    run_guest(sh, (*ch)->doorbell_fd(), n, sleep_every);
  }
  k.run();
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the guest saw a wrong or mismatched completion";
  EXPECT_EQ(echo.frames, n);
  EXPECT_EQ((*ch)->outstanding(), 0u);
}

TEST(Channel, RoundTripsWhileBothSpin) { round_trips(20000, 0, 1'000'000'000); }

TEST(Channel, RoundTripsWithAKernelThatSleeps) {
  // spin 0: the kernel sleeps in epoll whenever idle, so the doorbell must wake it.
  round_trips(200, 1, 0);
}

TEST(Channel, GuestSleepsOnFutexWhileKernelIsSlow) {
  Kernel k;
  auto ch = Channel::create();
  ASSERT_TRUE(ch.ok());
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ChannelShared* sh = map_channel((*ch)->memfd());
    Frame f{};
    f.tag = 5;
    Completion c = channel_call(sh, (*ch)->doorbell_fd(), f, host_syscall);
    _exit(c.tag == 5 && c.result == 77 ? 0 : 1);
  }
  // Wait until the frame is there, then answer only after the guest had to sleep.
  ChannelShared* sh = (*ch)->shared();
  while (load_acquire(&sh->sq_tail) == 0) usleep(100);
  for (int i = 0; i < 200 && !load_seq(&sh->guest_waiting); i++) usleep(1000);
  EXPECT_EQ(load_seq(&sh->guest_waiting), 1u) << "the guest should be asleep on the futex";
  struct Answer : KernelProcess {
    Channel* ch;
    void on_message(Kernel& k, const Message& m) override {
      Completion c{};
      c.tag = ch->frame(uint32_t(m.arg[0])).tag;
      c.result = 77;
      ch->complete(c);
      k.stop();
    }
    const char* name() const override { return "answer"; }
  } ans;
  ans.ch = ch->get();
  k.attach(kEcho, &ans);
  (*ch)->set_owner(kEcho);
  (*ch)->attach(k);
  k.run();
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Channel, IgnoresACorruptTail) {
  Kernel k;
  auto ch = Channel::create();
  ASSERT_TRUE(ch.ok());
  struct Count : KernelProcess {
    int n = 0;
    void on_message(Kernel&, const Message&) override { n++; }
    const char* name() const override { return "count"; }
  } cnt;
  k.attach(kEcho, &cnt);
  (*ch)->set_owner(kEcho);
  (*ch)->attach(k);
  store_seq(&(*ch)->shared()->sq_tail, 1000000);  // a guest scribbling on its channel
  for (int i = 0; i < 10; i++) k.run_once(false);
  EXPECT_EQ(cnt.n, 0);
}

}  // namespace
}  // namespace psx
