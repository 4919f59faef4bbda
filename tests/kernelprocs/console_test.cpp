// The console writes from and reads into a registered memory space in place,
// and parks a read until its pipe has data.
#include "kernelprocs/console.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

namespace psx {
namespace {

struct Buffer : MemorySpace {
  uint8_t bytes[256] = {};
  SysResult<uint8_t*> translate(uint64_t addr, uint64_t len, bool) override {
    if (addr > sizeof bytes || len > sizeof bytes - addr) return fail(EFAULT);
    return bytes + addr;
  }
};

struct Client : KernelProcess {
  std::vector<Message> replies;
  void on_message(Kernel&, const Message& m) override { replies.push_back(m); }
  const char* name() const override { return "client"; }
};

constexpr Address kClient{0, kTestProcess, 1};

// Runs the console with its host fd `which` redirected to `fd` for the test.
struct ConsoleFixture : ::testing::Test {
  Kernel k;
  Console console;
  Client client;
  Buffer buf;
  uint32_t space = 0;
  void SetUp() override {
    k.set_spin_ns(0);
    k.attach(Console::kAddress, &console);
    k.attach(kClient, &client);
    space = k.add_space(&buf);
  }
  void request(uint16_t op, int fd, uint64_t addr, uint32_t len) {
    Message m;
    m.dst = Console::kAddress;
    m.src = kClient;
    m.op = op;
    m.tag = uint32_t(client.replies.size() + 100);
    m.arg[0] = fd;
    m.buf = BufRef{addr, len, space};
    k.send(m);
  }
  void drain() {
    for (int i = 0; i < 100; i++) k.run_once(false);
  }
};

TEST_F(ConsoleFixture, WritesTheGuestBufferInPlace) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  int saved = dup(1);
  dup2(p[1], 1);
  memcpy(buf.bytes + 10, "hello", 5);
  request(kConsoleWrite, 1, 10, 5);
  drain();
  dup2(saved, 1);
  close(saved);
  ASSERT_EQ(client.replies.size(), 1u);
  EXPECT_EQ(client.replies[0].arg[0], 5);
  char got[8] = {};
  ASSERT_EQ(read(p[0], got, sizeof got), 5);
  EXPECT_STREQ(got, "hello");
  EXPECT_EQ(k.copies().transport_bytes, 0u);
  close(p[0]);
  close(p[1]);
}

TEST_F(ConsoleFixture, BadBufferIsEfault) {
  request(kConsoleWrite, 1, 250, 100);
  drain();
  ASSERT_EQ(client.replies.size(), 1u);
  EXPECT_EQ(client.replies[0].arg[0], -EFAULT);
}

TEST_F(ConsoleFixture, ReadParksUntilDataArrives) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  int saved = dup(0);
  dup2(p[0], 0);
  request(kConsoleRead, 0, 0, 64);
  drain();
  EXPECT_TRUE(client.replies.empty()) << "nothing to read yet: the request must park";
  ASSERT_EQ(write(p[1], "abc", 3), 3);
  for (int i = 0; i < 1000 && client.replies.empty(); i++) k.run_once(true);
  dup2(saved, 0);
  close(saved);
  ASSERT_EQ(client.replies.size(), 1u);
  EXPECT_EQ(client.replies[0].arg[0], 3);
  EXPECT_EQ(memcmp(buf.bytes, "abc", 3), 0);
  close(p[0]);
  close(p[1]);
}

TEST_F(ConsoleFixture, ReadOfAClosedFdIsEbadf) {
  int saved = dup(0);
  close(0);
  request(kConsoleRead, 0, 0, 8);
  drain();
  dup2(saved, 0);
  close(saved);
  ASSERT_EQ(client.replies.size(), 1u);
  EXPECT_EQ(client.replies[0].arg[0], -EBADF);
}

}  // namespace
}  // namespace psx
