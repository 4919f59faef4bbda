// The event kernel: kernel processes registered at addresses, a mailbox per
// process, a scheduler with priority levels that runs each handler to
// completion, timers, host fd readiness delivered as messages (epoll), and
// polled sources (guest channels) that are spun on while busy.
//
// Threading: everything here runs on the kernel thread, except post(), which
// any thread may call to hand a message in (e.g. the storage worker).
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kernelprocs/message.h"
#include "vfs/errno.h"

namespace psx {

class Kernel;

// A run-to-completion state machine. on_message must never block.
class KernelProcess {
 public:
  virtual ~KernelProcess() = default;
  virtual void on_message(Kernel& k, const Message& m) = 0;
  virtual const char* name() const = 0;
};

enum class Priority : uint8_t { kHigh = 0, kNormal = 1 };
inline constexpr int kPriorityLevels = 2;

// A source the kernel polls while busy (a guest channel): no syscall needed
// to notice new work. Before the kernel sleeps it asks each poller to publish
// "the kernel sleeps" so the other side rings a doorbell fd instead.
class Poller {
 public:
  virtual ~Poller() = default;
  virtual bool poll(Kernel& k) = 0;        // did it find work?
  virtual bool prepare_sleep() = 0;        // true: work arrived, don't sleep
  virtual void end_sleep() = 0;
};

// Memory a BufRef can name. translate() checks the whole range.
class MemorySpace {
 public:
  virtual ~MemorySpace() = default;
  virtual SysResult<uint8_t*> translate(uint64_t addr, uint64_t len, bool write) = 0;
};

// Bytes psx itself copied, by whom: the zero-copy claim as a figure.
struct CopyStats {
  uint64_t transport_bytes = 0;  // payload bytes copied by channel/messages (must stay 0)
  uint64_t process_bytes = 0;    // bytes a kernel process copied between buffers
};

class Kernel {
 public:
  Kernel();
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  void attach(Address a, KernelProcess* p);
  void detach(Address a);
  KernelProcess* find(Address a) const;

  // Queue m for m.dst. A request to an unknown address is answered -ESRCH.
  void send(const Message& m, Priority p = Priority::kNormal);
  // Any thread: hand a message to the kernel thread.
  void post(const Message& m, Priority p = Priority::kNormal);

  static uint64_t now_ns();  // CLOCK_MONOTONIC
  // Deliver m (at high priority) once now_ns() >= deadline. Returns an id.
  uint64_t add_timer(uint64_t deadline_ns, const Message& m);
  bool cancel_timer(uint64_t id);

  // One-shot readiness: when fd is ready for `events` (EPOLLIN/EPOLLOUT),
  // deliver m with arg[2] = revents at high priority. Call again to re-arm.
  SysResult<void> watch_fd(int fd, uint32_t events, const Message& m);
  void unwatch_fd(int fd);

  void add_poller(Poller* p);
  void remove_poller(Poller* p);

  uint32_t add_space(MemorySpace* s);
  void remove_space(uint32_t id);
  MemorySpace* space(uint32_t id) const;
  // Host bytes for a buffer reference, bounds-checked (EFAULT otherwise).
  SysResult<uint8_t*> map_buf(const BufRef& b, bool write) const;

  // One scheduler step: deliver queued messages, poll sources, fire timers and
  // host events. With may_sleep, waits for something when idle.
  bool run_once(bool may_sleep);
  void run();  // until stop()
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

  // After the last activity, keep polling this long before sleeping.
  void set_spin_ns(uint64_t ns) { spin_ns_ = ns; }
  CopyStats& copies() { return copies_; }
  uint64_t delivered() const { return delivered_; }

 private:
  struct Timer {
    uint64_t deadline;
    uint64_t id;
    Message msg;
    bool operator>(const Timer& o) const { return deadline != o.deadline ? deadline > o.deadline : id > o.id; }
  };
  bool dispatch_queued();
  bool fire_timers(uint64_t now);
  bool poll_host(int timeout_ns);
  bool drain_posted();
  void deliver(const Message& m);

  std::unordered_map<uint64_t, KernelProcess*> procs_;
  std::deque<Message> queue_[kPriorityLevels];
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::unordered_set<uint64_t> live_timers_;
  uint64_t next_timer_id_ = 1;
  std::unordered_map<int, Message> fd_watch_;
  std::vector<Poller*> pollers_;
  std::vector<MemorySpace*> spaces_;  // index = space id; 0 unused
  int epfd_ = -1;
  int wake_fd_ = -1;  // eventfd for post()
  std::mutex post_mu_;
  std::vector<std::pair<Message, Priority>> posted_;
  bool stopped_ = false;
  uint64_t spin_ns_ = 50'000;
  uint64_t last_activity_ = 0;
  uint64_t last_host_poll_ = 0;
  static constexpr uint64_t kHostPollNs = 20'000;
  static constexpr uint64_t kPureSpinNs = 3'000;
  uint64_t delivered_ = 0;
  CopyStats copies_;
};

inline uint64_t address_key(Address a) {
  return (uint64_t{a.node} << 48) | (uint64_t{a.process} << 32) | a.way;
}

}  // namespace psx
