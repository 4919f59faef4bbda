#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "kernelprocs/kernel.h"

namespace psx {
namespace {

// Records every message it gets; optionally sends more from inside its handler.
struct Recorder : KernelProcess {
  std::vector<Message> got;
  std::vector<std::string>* log = nullptr;
  std::string label;
  bool in_handler = false;
  bool reentered = false;
  std::function<void(Kernel&, const Message&)> also;
  void on_message(Kernel& k, const Message& m) override {
    if (in_handler) reentered = true;
    in_handler = true;
    got.push_back(m);
    if (log) log->push_back(label + ":" + std::to_string(m.op));
    if (also) also(k, m);
    in_handler = false;
  }
  const char* name() const override { return "recorder"; }
};

Message to(Address a, uint16_t op) {
  Message m;
  m.dst = a;
  m.op = op;
  return m;
}

constexpr Address kA{0, kTestProcess, 1}, kB{0, kTestProcess, 2};

TEST(Scheduler, DeliversInOrderAndRunsToCompletion) {
  Kernel k;
  Recorder a;
  k.attach(kA, &a);
  // A message sent from inside a handler is queued, not delivered re-entrantly.
  a.also = [&](Kernel& kk, const Message& m) {
    if (m.op == 1) kk.send(to(kA, 3));
  };
  k.send(to(kA, 1));
  k.send(to(kA, 2));
  while (k.run_once(false)) {
  }
  ASSERT_EQ(a.got.size(), 3u);
  EXPECT_EQ(a.got[0].op, 1);
  EXPECT_EQ(a.got[1].op, 2);
  EXPECT_EQ(a.got[2].op, 3);
  EXPECT_FALSE(a.reentered);
}

TEST(Scheduler, HighPriorityOvertakesNormal) {
  Kernel k;
  std::vector<std::string> log;
  Recorder a, b;
  a.log = b.log = &log;
  a.label = "a";
  b.label = "b";
  k.attach(kA, &a);
  k.attach(kB, &b);
  k.send(to(kA, 1));
  k.send(to(kA, 2));
  k.send(to(kB, 9), Priority::kHigh);
  while (k.run_once(false)) {
  }
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], "b:9");
  EXPECT_EQ(log[1], "a:1");
  EXPECT_EQ(log[2], "a:2");
}

TEST(Scheduler, UnknownAddressAnswersEsrch) {
  Kernel k;
  Recorder a;
  k.attach(kA, &a);
  Message m = to(Address{0, kTestProcess, 77}, 5);
  m.src = kA;
  m.tag = 11;
  k.send(m);
  while (k.run_once(false)) {
  }
  ASSERT_EQ(a.got.size(), 1u);
  EXPECT_TRUE(a.got[0].is_reply());
  EXPECT_EQ(a.got[0].tag, 11u);
  EXPECT_EQ(a.got[0].arg[0], -ESRCH);
}

TEST(Scheduler, TimersFireInDeadlineOrderAndCancel) {
  Kernel k;
  k.set_spin_ns(0);
  Recorder a;
  k.attach(kA, &a);
  uint64_t now = Kernel::now_ns();
  k.add_timer(now + 30'000'000, to(kA, 3));
  k.add_timer(now + 10'000'000, to(kA, 1));
  uint64_t cancelled = k.add_timer(now + 20'000'000, to(kA, 2));
  EXPECT_TRUE(k.cancel_timer(cancelled));
  EXPECT_FALSE(k.cancel_timer(cancelled));
  a.also = [&](Kernel& kk, const Message& m) {
    if (m.op == 3) kk.stop();
  };
  k.run();
  ASSERT_EQ(a.got.size(), 2u);
  EXPECT_EQ(a.got[0].op, 1);
  EXPECT_EQ(a.got[1].op, 3);
  EXPECT_GE(Kernel::now_ns(), now + 30'000'000) << "a timer never fires early";
}

TEST(Scheduler, HostFdReadinessBecomesAMessage) {
  Kernel k;
  k.set_spin_ns(0);
  Recorder a;
  k.attach(kA, &a);
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  ASSERT_TRUE(k.watch_fd(p[0], EPOLLIN, to(kA, 7)).ok());
  a.also = [&](Kernel& kk, const Message&) { kk.stop(); };
  std::thread writer([&] {
    usleep(20'000);
    ASSERT_EQ(write(p[1], "x", 1), 1);
  });
  k.run();  // sleeps in epoll until the write
  writer.join();
  ASSERT_EQ(a.got.size(), 1u);
  EXPECT_EQ(a.got[0].op, 7);
  EXPECT_TRUE(a.got[0].arg[2] & EPOLLIN);
  k.unwatch_fd(p[0]);
  close(p[0]);
  close(p[1]);
}

TEST(Scheduler, PostFromAnotherThreadWakesASleepingKernel) {
  Kernel k;
  k.set_spin_ns(0);
  Recorder a;
  k.attach(kA, &a);
  a.also = [&](Kernel& kk, const Message& m) {
    if (m.op == 100) kk.stop();
  };
  std::thread t([&] {
    for (uint16_t i = 1; i <= 100; i++) k.post(to(kA, i));
  });
  k.run();
  t.join();
  ASSERT_EQ(a.got.size(), 100u);
  for (uint16_t i = 0; i < 100; i++) EXPECT_EQ(a.got[i].op, i + 1);
}

TEST(Scheduler, MemorySpacesBoundsCheck) {
  struct Space : MemorySpace {
    uint8_t bytes[100];
    SysResult<uint8_t*> translate(uint64_t addr, uint64_t len, bool) override {
      if (addr > 100 || len > 100 - addr) return fail(EFAULT);
      return bytes + addr;
    }
  } s;
  Kernel k;
  uint32_t id = k.add_space(&s);
  EXPECT_TRUE(k.map_buf(BufRef{10, 90, id}, false).ok());
  EXPECT_EQ(k.map_buf(BufRef{10, 91, id}, false).error().value, EFAULT);
  EXPECT_EQ(k.map_buf(BufRef{0, 1, id + 5}, false).error().value, EFAULT);
  k.remove_space(id);
  EXPECT_EQ(k.map_buf(BufRef{0, 1, id}, false).error().value, EFAULT);
}

}  // namespace
}  // namespace psx
