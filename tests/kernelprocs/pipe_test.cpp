// The pipe kernel process through an event kernel: a test process sends its
// requests with buffers in fake guest memories and records the replies.
#include "kernelprocs/pipe.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kernelprocs/object_stat.h"

namespace psx {
namespace {

struct Memory : MemorySpace {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(1 << 20);
  SysResult<uint8_t*> translate(uint64_t addr, uint64_t len, bool) override {
    if (addr > bytes.size() || len > bytes.size() - addr) return fail(EFAULT);
    return bytes.data() + addr;
  }
};

struct Client : KernelProcess {
  std::map<uint32_t, Message> replies;  // by tag
  void on_message(Kernel&, const Message& m) override {
    if (m.is_reply()) replies[m.tag] = m;
  }
  const char* name() const override { return "client"; }
};

constexpr Address kA{0, kTestProcess, 1}, kB{0, kTestProcess, 2};

struct PipeFixture : ::testing::Test {
  Kernel k;
  PipeProcess pipes;
  Client a, b;
  Memory mem_a, mem_b;
  uint32_t space_a = 0, space_b = 0;
  uint32_t next_tag = 1;

  void SetUp() override {
    k.set_spin_ns(0);
    k.attach(PipeProcess::kAddress, &pipes);
    k.attach(kA, &a);
    k.attach(kB, &b);
    space_a = k.add_space(&mem_a);
    space_b = k.add_space(&mem_b);
  }
  Client& client(Address who) { return who == kA ? a : b; }
  Memory& memory(Address who) { return who == kA ? mem_a : mem_b; }
  uint32_t space(Address who) { return who == kA ? space_a : space_b; }

  uint32_t send(Address from, uint16_t op, int64_t a0, int64_t a1 = 0, int64_t a2 = 0, BufRef buf = {}) {
    Message m;
    m.dst = PipeProcess::kAddress;
    m.src = from;
    m.op = op;
    m.tag = next_tag++;
    m.buf = buf;
    m.arg[0] = a0;
    m.arg[1] = a1;
    m.arg[2] = a2;
    k.send(m);
    drain();
    return m.tag;
  }
  void drain() {
    for (int i = 0; i < 50; i++) k.run_once(false);
  }
  std::optional<Message> reply(Address who, uint32_t tag) {
    auto& r = client(who).replies;
    auto it = r.find(tag);
    if (it == r.end()) return std::nullopt;
    return it->second;
  }
  int64_t result(Address who, uint32_t tag) {
    auto r = reply(who, tag);
    EXPECT_TRUE(r.has_value()) << "no reply for tag " << tag;
    return r ? r->arg[0] : INT64_MIN;
  }

  uint32_t create() { return uint32_t(result(kA, send(kA, kPipeCreate, 0))); }
  // Reads into / writes from the sender's memory at addr; desc 1 = the read
  // end's description, 2 = the write end's.
  uint32_t read(Address who, uint32_t id, uint64_t addr, uint32_t len, uint32_t flags = O_RDONLY) {
    return send(who, kPipeRead, id, flags, 1, BufRef{addr, len, space(who)});
  }
  uint32_t write(Address who, uint32_t id, uint64_t addr, uint32_t len, uint32_t flags = O_WRONLY) {
    return send(who, kPipeWrite, id, flags, 2, BufRef{addr, len, space(who)});
  }
  void fill(Address who, uint64_t addr, size_t len, char c) { memset(memory(who).bytes.data() + addr, c, len); }
  std::string at(Address who, uint64_t addr, size_t len) {
    return std::string(reinterpret_cast<char*>(memory(who).bytes.data() + addr), len);
  }
  void release(uint32_t id, int access, int64_t desc) { send(kA, kPipeRelease, id, access, desc); }
  void cancel(Address who, uint32_t tag) {
    Message m;
    m.dst = PipeProcess::kAddress;
    m.src = who;
    m.op = kOpCancel;
    m.arg[0] = tag;
    k.send(m);
    drain();
  }
  // One poll entry, answered at once; returns revents.
  uint16_t poll_now(uint32_t id, uint8_t ends, uint16_t events) {
    PipePollEntry e;
    e.pipe = id;
    e.ends = ends;
    e.events = events;
    memcpy(mem_a.bytes.data(), &e, sizeof e);
    uint32_t t = send(kA, kPipePoll, 0, 0, 0, BufRef{0, sizeof e, space_a});
    EXPECT_GE(result(kA, t), 0);
    memcpy(&e, mem_a.bytes.data(), sizeof e);
    return e.revents;
  }
};

TEST_F(PipeFixture, WriterMeetsParkedReaderInOneCopy) {
  uint32_t id = create();
  uint32_t r = read(kB, id, 0, 100);
  EXPECT_FALSE(reply(kB, r)) << "an empty pipe with a writer parks the reader";
  fill(kA, 1000, 60, 'x');
  uint32_t w = write(kA, id, 1000, 60);
  EXPECT_EQ(result(kA, w), 60);
  EXPECT_EQ(result(kB, r), 60);
  EXPECT_EQ(at(kB, 0, 60), std::string(60, 'x'));
  EXPECT_EQ(k.copies().process_bytes, 60u) << "straight from the writer's buffer into the reader's";
  EXPECT_EQ(k.copies().transport_bytes, 0u);
}

TEST_F(PipeFixture, WhatAParkedReaderCannotTakeWaitsInTheRing) {
  uint32_t id = create();
  uint32_t r = read(kB, id, 0, 10);
  for (int i = 0; i < 25; i++) mem_a.bytes[i] = uint8_t('a' + i);
  EXPECT_EQ(result(kA, write(kA, id, 0, 25)), 25);
  EXPECT_EQ(result(kB, r), 10);
  EXPECT_EQ(at(kB, 0, 10), "abcdefghij");
  EXPECT_EQ(result(kB, read(kB, id, 0, 100)), 15);
  EXPECT_EQ(at(kB, 0, 15), "klmnopqrstuvwxy");
  EXPECT_EQ(k.copies().process_bytes, 10u + 2 * 15u);
}

TEST_F(PipeFixture, BytesThatWaitAreCopiedInAndOut) {
  uint32_t id = create();
  fill(kA, 0, 100, 'y');
  EXPECT_EQ(result(kA, write(kA, id, 0, 100)), 100);
  EXPECT_EQ(result(kA, send(kA, kPipeFionread, id)), 100);
  EXPECT_EQ(result(kB, read(kB, id, 0, 30)), 30);
  EXPECT_EQ(result(kB, read(kB, id, 30, 200)), 70) << "a read answers with what is there";
  EXPECT_EQ(at(kB, 0, 100), std::string(100, 'y'));
  EXPECT_EQ(k.copies().process_bytes, 200u) << "into the ring and out again";
  EXPECT_EQ(result(kA, send(kA, kPipeFionread, id)), 0);
}

TEST_F(PipeFixture, RingWrapsAround) {
  uint32_t id = create();
  for (int round = 0; round < 5; round++) {
    fill(kA, 0, 40000, char('a' + round));
    EXPECT_EQ(result(kA, write(kA, id, 0, 40000)), 40000);
    EXPECT_EQ(result(kB, read(kB, id, 0, 40000)), 40000);
    EXPECT_EQ(at(kB, 0, 40000), std::string(40000, char('a' + round)));
  }
}

TEST_F(PipeFixture, WritesUpToPipeBufNeverInterleave) {
  uint32_t id = create();
  const uint32_t kFirst = kPipeDefaultSize - 100;
  fill(kA, 0, kFirst, 'x');
  EXPECT_EQ(result(kA, write(kA, id, 0, kFirst)), kFirst);
  // Two whole-PIPE_BUF writes against 100 free bytes: both wait, neither goes in part.
  fill(kA, 100000, kPipeBuf, 'a');
  fill(kB, 100000, kPipeBuf, 'b');
  uint32_t wa = write(kA, id, 100000, kPipeBuf);
  uint32_t wb = write(kB, id, 100000, kPipeBuf);
  EXPECT_FALSE(reply(kA, wa));
  EXPECT_FALSE(reply(kB, wb));
  EXPECT_EQ(result(kA, send(kA, kPipeFionread, id)), kFirst) << "no byte of either went in";
  std::string got;
  for (int i = 0; got.size() < kFirst + 2 * kPipeBuf && i < 200; i++) {
    int64_t n = result(kB, read(kB, id, 0, 1000));
    ASSERT_GT(n, 0);
    got += at(kB, 0, size_t(n));
  }
  ASSERT_EQ(got.size(), kFirst + 2 * kPipeBuf);
  EXPECT_EQ(got.substr(0, kFirst), std::string(kFirst, 'x'));
  EXPECT_EQ(got.substr(kFirst, kPipeBuf), std::string(kPipeBuf, 'a'));
  EXPECT_EQ(got.substr(kFirst + kPipeBuf), std::string(kPipeBuf, 'b'));
  EXPECT_EQ(result(kA, wa), kPipeBuf);
  EXPECT_EQ(result(kB, wb), kPipeBuf);
}

TEST_F(PipeFixture, LargeBlockingWriteGoesInPartsAndFinishes) {
  uint32_t id = create();
  const uint32_t kBig = 200000;
  for (uint32_t i = 0; i < kBig; i++) mem_a.bytes[i] = uint8_t(i * 7);
  uint32_t w = write(kA, id, 0, kBig);
  EXPECT_FALSE(reply(kA, w)) << "parks with what fits moved";
  EXPECT_EQ(result(kB, send(kB, kPipeFionread, id)), kPipeDefaultSize);
  std::vector<uint8_t> got;
  for (int i = 0; got.size() < kBig && i < 100; i++) {
    int64_t n = result(kB, read(kB, id, 0, 30000));
    ASSERT_GT(n, 0);
    got.insert(got.end(), mem_b.bytes.begin(), mem_b.bytes.begin() + n);
  }
  ASSERT_EQ(got.size(), kBig);
  for (uint32_t i = 0; i < kBig; i++) ASSERT_EQ(got[i], uint8_t(i * 7)) << i;
  EXPECT_EQ(result(kA, w), kBig);
}

TEST_F(PipeFixture, EndOfFileWhenTheLastWriterGoes) {
  uint32_t id = create();
  uint32_t r = read(kB, id, 0, 10);
  EXPECT_FALSE(reply(kB, r));
  release(id, O_WRONLY, 2);
  EXPECT_EQ(result(kB, r), 0) << "a parked reader sees end of file";
  EXPECT_EQ(result(kB, read(kB, id, 0, 10)), 0);
  release(id, O_RDONLY, 1);
  EXPECT_EQ(pipes.pipes(), 0u);
}

TEST_F(PipeFixture, BufferedBytesOutliveTheWriter) {
  uint32_t id = create();
  fill(kA, 0, 5, 'z');
  EXPECT_EQ(result(kA, write(kA, id, 0, 5)), 5);
  release(id, O_WRONLY, 2);
  EXPECT_EQ(result(kB, read(kB, id, 0, 10)), 5);
  EXPECT_EQ(result(kB, read(kB, id, 0, 10)), 0);
}

TEST_F(PipeFixture, BrokenPipe) {
  uint32_t id = create();
  uint32_t w = write(kA, id, 0, 100000);  // fills the ring, parks with 65536 moved
  EXPECT_FALSE(reply(kA, w));
  fill(kB, 0, 10, 'q');
  uint32_t w2 = write(kB, id, 0, 10);
  EXPECT_FALSE(reply(kB, w2));
  release(id, O_RDONLY, 1);
  auto r = reply(kA, w);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->arg[0], kPipeDefaultSize) << "what it moved";
  EXPECT_EQ(r->arg[1], int64_t(kPipeWriterGone)) << "and SIGPIPE is due";
  EXPECT_EQ(result(kB, w2), -EPIPE);
  EXPECT_EQ(result(kA, write(kA, id, 0, 1)), -EPIPE);
}

TEST_F(PipeFixture, NonBlockingEndsAnswerAtOnce) {
  uint32_t id = create();
  EXPECT_EQ(result(kB, read(kB, id, 0, 10, O_RDONLY | O_NONBLOCK)), -EAGAIN);
  int64_t total = 0;
  for (int i = 0; i < 20; i++) {
    int64_t n = result(kA, write(kA, id, 0, kPipeBuf, O_WRONLY | O_NONBLOCK));
    if (n < 0) {
      EXPECT_EQ(n, -EAGAIN);
      break;
    }
    total += n;
  }
  EXPECT_EQ(total, kPipeDefaultSize);
  EXPECT_EQ(result(kB, read(kB, id, 0, 100)), 100);
  EXPECT_EQ(result(kA, write(kA, id, 0, kPipeBuf, O_WRONLY | O_NONBLOCK)), -EAGAIN)
      << "a write of PIPE_BUF goes whole or not at all";
  EXPECT_EQ(result(kA, write(kA, id, 0, kPipeBuf + 1, O_WRONLY | O_NONBLOCK)), 100)
      << "a larger one takes what room there is";
  EXPECT_EQ(result(kA, write(kA, id, 0, 1, O_WRONLY | O_NONBLOCK)), -EAGAIN);
}

TEST_F(PipeFixture, CancelAnswersParkedRequests) {
  uint32_t id = create();
  uint32_t r = read(kB, id, 0, 10);
  cancel(kB, r);
  EXPECT_EQ(result(kB, r), -EINTR);
  uint32_t w = write(kA, id, 0, 70000);  // moves 65536, parks
  cancel(kA, w);
  EXPECT_EQ(result(kA, w), kPipeDefaultSize) << "a write that moved bytes answers with them";
  cancel(kA, 9999);  // nothing parked under that tag: nothing happens
  cancel(kA, w);     // already answered: nothing happens
  EXPECT_EQ(result(kA, send(kA, kPipeFionread, id)), kPipeDefaultSize);
}

TEST_F(PipeFixture, Readiness) {
  uint32_t id = create();
  EXPECT_EQ(poll_now(id, kPipeReadEnd, POLLIN), 0);
  EXPECT_EQ(poll_now(id, kPipeWriteEnd, POLLOUT | POLLIN), POLLOUT);
  // A parked poll of the read end wakes when bytes arrive.
  PipePollEntry e;
  e.pipe = id;
  e.ends = kPipeReadEnd;
  e.events = POLLIN;
  memcpy(mem_b.bytes.data(), &e, sizeof e);
  uint32_t p = send(kB, kPipePoll, 0, 1, 0, BufRef{0, sizeof e, space_b});
  EXPECT_FALSE(reply(kB, p));
  write(kA, id, 0, 5);
  auto woke = reply(kB, p);
  ASSERT_TRUE(woke);
  EXPECT_EQ(woke->arg[0], 0);
  EXPECT_EQ(woke->arg[1], 1) << "look again";
  EXPECT_EQ(poll_now(id, kPipeReadEnd, POLLIN), POLLIN);
  // Full: no POLLOUT.
  write(kA, id, 0, kPipeDefaultSize - 5, O_WRONLY | O_NONBLOCK);
  EXPECT_EQ(poll_now(id, kPipeWriteEnd, POLLOUT), 0);
  // A parked poll can be cancelled.
  e.ends = kPipeWriteEnd;
  e.events = POLLOUT;
  memcpy(mem_b.bytes.data(), &e, sizeof e);
  uint32_t p2 = send(kB, kPipePoll, 0, 1, 0, BufRef{0, sizeof e, space_b});
  EXPECT_FALSE(reply(kB, p2));
  cancel(kB, p2);
  EXPECT_EQ(result(kB, p2), -EINTR);
  // No writer: POLLHUP (with POLLIN while bytes remain); no reader: POLLERR.
  release(id, O_WRONLY, 2);
  EXPECT_EQ(poll_now(id, kPipeReadEnd, POLLIN), POLLIN | POLLHUP);
  uint32_t id2 = create();
  release(id2, O_RDONLY, 1);
  EXPECT_EQ(poll_now(id2, kPipeWriteEnd, POLLOUT), POLLOUT | POLLERR);
  EXPECT_EQ(poll_now(777, kPipeReadEnd, POLLIN), POLLNVAL);
}

TEST_F(PipeFixture, FifoOpensWaitForAPartner) {
  const uint64_t ino = 42;
  EXPECT_EQ(result(kA, send(kA, kPipeOpen, ino, O_WRONLY | O_NONBLOCK)), -ENXIO);
  uint32_t r = send(kA, kPipeOpen, ino, O_RDONLY);
  EXPECT_FALSE(reply(kA, r)) << "a reader waits for a writer";
  uint32_t w = send(kB, kPipeOpen, ino, O_WRONLY);
  int64_t id = result(kB, w);
  ASSERT_GT(id, 0);
  EXPECT_EQ(result(kA, r), id);
  EXPECT_EQ(reply(kA, r)->arg[1], 0);
  // Both ends work like a pipe's.
  fill(kB, 0, 3, 'f');
  EXPECT_EQ(result(kB, write(kB, uint32_t(id), 0, 3)), 3);
  EXPECT_EQ(result(kA, read(kA, uint32_t(id), 0, 10)), 3);
  // A non-blocking reader is let in at once; O_RDWR never waits.
  EXPECT_EQ(result(kA, send(kA, kPipeOpen, ino, O_RDONLY | O_NONBLOCK)), id);
  EXPECT_EQ(result(kA, send(kA, kPipeOpen, ino, O_RDWR)), id);
  release(uint32_t(id), O_RDONLY, 1);
  release(uint32_t(id), O_RDONLY, 3);
  release(uint32_t(id), O_WRONLY, 2);
  release(uint32_t(id), O_RDWR, 4);
  EXPECT_EQ(pipes.pipes(), 0u) << "dropped when nobody has it open";
}

TEST_F(PipeFixture, FifoNonBlockingReaderSeesNoHangupBeforeAWriter) {
  const uint64_t ino = 43;
  auto r = send(kA, kPipeOpen, ino, O_RDONLY | O_NONBLOCK);
  int64_t id = result(kA, r);
  ASSERT_GT(id, 0);
  PipePollEntry e;
  e.pipe = uint32_t(id);
  e.ends = kPipeReadEnd;
  e.events = POLLIN;
  e.seen = uint32_t(reply(kA, r)->arg[1]);
  memcpy(mem_a.bytes.data(), &e, sizeof e);
  EXPECT_EQ(result(kA, send(kA, kPipePoll, 0, 0, 0, BufRef{0, sizeof e, space_a})), 0);
  int64_t w = result(kB, send(kB, kPipeOpen, ino, O_WRONLY));
  EXPECT_EQ(w, id);
  release(uint32_t(id), O_WRONLY, 2);
  memcpy(mem_a.bytes.data(), &e, sizeof e);
  EXPECT_EQ(result(kA, send(kA, kPipePoll, 0, 0, 0, BufRef{0, sizeof e, space_a})), 1);
  memcpy(&e, mem_a.bytes.data(), sizeof e);
  EXPECT_EQ(e.revents, POLLHUP) << "a writer came and went";
}

TEST_F(PipeFixture, CancelledFifoOpenNoLongerCounts) {
  const uint64_t ino = 44;
  uint32_t r = send(kA, kPipeOpen, ino, O_RDONLY);
  EXPECT_FALSE(reply(kA, r));
  cancel(kA, r);
  EXPECT_EQ(result(kA, r), -EINTR);
  EXPECT_EQ(pipes.pipes(), 0u);
  EXPECT_EQ(result(kB, send(kB, kPipeOpen, ino, O_WRONLY | O_NONBLOCK)), -ENXIO);
}

TEST_F(PipeFixture, ClosingADescriptionEndsItsParkedRequests) {
  uint32_t id = create();
  uint32_t r = read(kB, id, 0, 10);  // description 1
  release(id, O_RDONLY, 1);
  EXPECT_EQ(result(kB, r), -EBADF);
}

TEST_F(PipeFixture, ParkedRequestOfAGoneSenderIsDropped) {
  uint32_t id = create();
  uint32_t r = read(kB, id, 0, 10);
  k.detach(kB);
  k.remove_space(space_b);
  fill(kA, 0, 4, 'g');
  EXPECT_EQ(result(kA, write(kA, id, 0, 4)), 4);
  EXPECT_FALSE(reply(kB, r));
  EXPECT_EQ(result(kA, send(kA, kPipeFionread, id)), 4) << "the bytes wait for a living reader";
}

TEST_F(PipeFixture, StatShowsAFifo) {
  uint32_t id = create();
  uint32_t id2 = create();
  uint32_t t = send(kA, kPipeStat, id, 0, 0, BufRef{0, sizeof(ObjectStat), space_a});
  EXPECT_EQ(result(kA, t), 0);
  ObjectStat os;
  memcpy(&os, mem_a.bytes.data(), sizeof os);
  EXPECT_TRUE(S_ISFIFO(os.mode));
  EXPECT_EQ(os.mode & 07777, 0600u);
  EXPECT_EQ(os.blksize, kPipeBuf);
  EXPECT_EQ(os.nlink, 1u);
  send(kA, kPipeStat, id2, 0, 0, BufRef{0, sizeof(ObjectStat), space_a});
  ObjectStat os2;
  memcpy(&os2, mem_a.bytes.data(), sizeof os2);
  EXPECT_NE(os.ino, os2.ino);
}

TEST_F(PipeFixture, CapacityFollowsSetPipeSize) {
  uint32_t id = create();
  EXPECT_EQ(result(kA, send(kA, kPipeSize, id, -1)), kPipeDefaultSize);
  EXPECT_EQ(result(kA, send(kA, kPipeSize, id, 5000)), 8192);
  EXPECT_EQ(result(kA, send(kA, kPipeSize, id, 0)), 4096);
  EXPECT_EQ(result(kA, send(kA, kPipeSize, id, (1 << 20) + 1)), -EPERM);
  fill(kA, 0, 5000, 'c');
  EXPECT_EQ(result(kA, write(kA, id, 0, 5000, O_WRONLY | O_NONBLOCK)), 4096);
  EXPECT_EQ(result(kA, send(kA, kPipeSize, id, 8192)), 8192);
  EXPECT_EQ(result(kA, write(kA, id, 4096, 904, O_WRONLY | O_NONBLOCK)), 904);
  EXPECT_EQ(result(kA, send(kA, kPipeSize, id, 4096)), -EBUSY);
  EXPECT_EQ(result(kB, read(kB, id, 0, 8000)), 5000);
  EXPECT_EQ(at(kB, 0, 5000), std::string(5000, 'c'));
}

}  // namespace
}  // namespace psx
