// The message: one 64-byte cache line exchanged between kernel processes.
// Payload never rides inside a message: bulk data is named by a BufRef into a
// guest's memory (or another registered space) and the receiver reads or
// writes it in place, after a bounds check.
#pragma once
#include <cstddef>
#include <cstdint>

namespace psx {

// A kernel process address: (node, process, way). `node` is 0 on this machine;
// it is there so kernel processes can later live on other machines. `way`
// numbers instances of one process kind (e.g. one personality per guest pid).
struct Address {
  uint16_t node = 0;
  uint16_t process = 0;  // a KernelProcessKind
  uint32_t way = 0;
  constexpr bool operator==(const Address&) const = default;
};
static_assert(sizeof(Address) == 8);

// Well-known kernel process kinds (Address::process).
enum KernelProcessKind : uint16_t {
  kNone = 0,
  kSubsystem = 1,  // a guest's personality; way = guest pid
  kConsole = 2,
  kDevice = 3,
  kStorage = 4,
  kProc = 5,
  kPipe = 6,
  kTestProcess = 100,  // for unit tests
};

// A reference to bytes that stay where they are: {space, address, length}.
// `space` names a memory space registered with the event kernel (a guest's
// memory object, or a channel); `address` is in that space's own addressing.
struct BufRef {
  uint64_t address = 0;
  uint32_t length = 0;
  uint32_t space = 0;
};
static_assert(sizeof(BufRef) == 16);

// Message flags.
enum MessageFlags : uint16_t {
  kMsgReply = 1 << 0,  // answers the request with the same tag
};

struct alignas(64) Message {
  Address dst;       // 8
  Address src;       // 8
  uint16_t op = 0;   // operation, meaning defined by the receiving process
  uint16_t flags = 0;
  uint32_t tag = 0;  // correlation: a reply carries the request's tag
  BufRef buf;        // 16
  int64_t arg[3] = {0, 0, 0};  // 24; a reply carries its result in arg[0]

  bool is_reply() const { return flags & kMsgReply; }
  // The reply to this message, with result in arg[0].
  Message reply(int64_t result) const {
    Message r;
    r.dst = src;
    r.src = dst;
    r.op = op;
    r.flags = kMsgReply;
    r.tag = tag;
    r.arg[0] = result;
    return r;
  }
};
static_assert(sizeof(Message) == 64, "a message is one cache line");

// Operations every kernel process that parks requests understands.
// kOpCancel: arg[0] = the tag of a request the sender sent earlier. If the
// receiver still holds it parked, it answers that request now with -EINTR
// (a signal interrupted the call); if it already answered, it does nothing.
// No reply of its own. Used by personalities when a signal interrupts a call.
inline constexpr uint16_t kOpCancel = 0x0010;
static_assert(alignof(Message) == 64);
static_assert(offsetof(Message, buf) == 24 && offsetof(Message, arg) == 40);

}  // namespace psx
