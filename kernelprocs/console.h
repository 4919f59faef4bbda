// The console kernel process: the host's stdin, stdout and stderr as guest
// objects. Writes go from the guest's buffer straight to the host fd; reads go
// from the host fd straight into the guest's buffer. Pipes, terminals and
// sockets are reopened non-blocking so the event kernel never blocks: a
// request that cannot finish now is parked until epoll says the fd is ready.
// Regular files and /dev/null cannot be polled; they are read and written
// directly (they do not block for long).
#pragma once
#include <deque>
#include <map>
#include <vector>

#include "kernelprocs/kernel.h"

namespace psx {

// Requests. arg[0] = the object (a host fd: 0, 1 or 2); arg[1] = the guest's
// status flags (O_NONBLOCK: answer EAGAIN instead of parking); buf = guest range.
enum ConsoleOp : uint16_t {
  kConsoleRead = 0x0200,   // reply: bytes read or -errno
  kConsoleWrite,           // reply: bytes written or -errno (all of buf unless an error)
  kConsoleIoctl,           // arg[1] = request, arg[2] = 1 if it writes buf; buf = the argument; reply: ioctl result
  kConsoleStat,            // buf = an ObjectStat to fill; reply: 0 or -errno
  kConsoleSync,            // fsync of the host fd (arg[1] = 1: fdatasync); reply: 0 or -errno
  kConsoleReady,           // internal: arg[0] = host fd, arg[1] = direction, arg[2] = epoll events
  // Readiness (poll, select) of host fds 0, 1, 2 at once: arg[0] = the poll
  // events wanted of fd i in bits 16i..16i+15 (kPollAsked marks an fd asked
  // about with no events); arg[1] = 1: park until one of them is ready.
  // Reply arg[0]: the host's revents, packed the same way (0: none ready).
  kConsolePoll,
  kConsolePollCancel,      // arg[0] = the tag of the sender's parked kConsolePoll; no reply
  kConsolePollReady,       // internal: arg[0] = host fd
};
inline constexpr uint64_t kPollAsked = 0x8000;  // in a kConsolePoll event field
inline constexpr int kConsolePollFds = 3;

class Console : public KernelProcess {
 public:
  static constexpr Address kAddress{0, kConsole, 0};
  Console() = default;
  ~Console() override;
  void on_message(Kernel& k, const Message& m) override;
  const char* name() const override { return "console"; }

 private:
  enum Dir : int { kIn = 0, kOut = 1 };
  struct Stream {
    int host_fd = -1;
    int io_fd = -1;          // fd actually used (a non-blocking reopen, or host_fd)
    bool nonblocking = false;
    bool socket = false;
    bool armed = false;      // waiting for epoll readiness
    std::deque<Message> queue;  // requests in order; front is in progress
    uint64_t progress = 0;   // bytes of the front request done so far
  };
  Stream& stream(int fd, Dir d);
  void pump(Kernel& k, Stream& s, Dir d);
  void finish(Kernel& k, Stream& s, int64_t result);
  std::map<std::pair<int, int>, Stream> streams_;
  void cancel(Kernel& k, Address who, uint32_t tag);
  // Readiness waiters (kConsolePoll with arg[1] = 1), and a duplicate of each
  // host fd for epoll, so a poll watch never disturbs a stream's own.
  uint64_t poll_now(uint64_t asked);
  void poll_arm(Kernel& k);
  std::vector<Message> poll_waiters_;
  int poll_fd_[kConsolePollFds] = {-1, -1, -1};
  uint32_t poll_armed_[kConsolePollFds] = {0, 0, 0};  // epoll events armed per fd
};

}  // namespace psx
