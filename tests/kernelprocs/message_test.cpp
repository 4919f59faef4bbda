#include "kernelprocs/message.h"

#include <gtest/gtest.h>

#include "kernelprocs/channel_layout.h"

namespace psx {
namespace {

TEST(Message, IsOneCacheLine) {
  EXPECT_EQ(sizeof(Message), 64u);
  EXPECT_EQ(alignof(Message), 64u);
  EXPECT_EQ(sizeof(Frame), 64u);
  EXPECT_EQ(sizeof(Completion), 64u);
}

TEST(Message, ReplySwapsAddressesAndKeepsTag) {
  Message m;
  m.dst = Address{0, kConsole, 0};
  m.src = Address{0, kSubsystem, 7};
  m.op = 42;
  m.tag = 99;
  m.buf = BufRef{0x1000, 10, 3};
  Message r = m.reply(-5);
  EXPECT_EQ(r.dst, m.src);
  EXPECT_EQ(r.src, m.dst);
  EXPECT_EQ(r.tag, 99u);
  EXPECT_EQ(r.op, 42);
  EXPECT_TRUE(r.is_reply());
  EXPECT_FALSE(m.is_reply());
  EXPECT_EQ(r.arg[0], -5);
  EXPECT_EQ(r.buf.length, 0u) << "a reply carries no buffer unless the replier sets one";
}

TEST(ChannelLayout, CountersOnSeparateCacheLines) {
  EXPECT_NE(offsetof(ChannelShared, sq_tail) / 64, offsetof(ChannelShared, sq_head) / 64);
  EXPECT_NE(offsetof(ChannelShared, cq_tail) / 64, offsetof(ChannelShared, cq_head) / 64);
  EXPECT_EQ(offsetof(ChannelShared, sq) % 64, 0u);
  EXPECT_EQ(offsetof(ChannelShared, cq) % 64, 0u);
}

}  // namespace
}  // namespace psx
