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
};

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
};

}  // namespace psx
