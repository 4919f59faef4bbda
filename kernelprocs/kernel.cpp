#include "kernelprocs/kernel.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <sched.h>
#include <unistd.h>

#include <cassert>
#include <cstdio>

#include "kernelprocs/channel_layout.h"

namespace psx {

Kernel::Kernel() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  assert(epfd_ >= 0 && wake_fd_ >= 0 && "event kernel needs epoll and eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  spaces_.push_back(nullptr);  // space 0 is "none"
  last_activity_ = now_ns();
}

Kernel::~Kernel() {
  close(epfd_);
  close(wake_fd_);
}

uint64_t Kernel::now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

void Kernel::attach(Address a, KernelProcess* p) { procs_[address_key(a)] = p; }
void Kernel::detach(Address a) { procs_.erase(address_key(a)); }

KernelProcess* Kernel::find(Address a) const {
  auto it = procs_.find(address_key(a));
  return it == procs_.end() ? nullptr : it->second;
}

void Kernel::send(const Message& m, Priority p) { queue_[int(p)].push_back(m); }

void Kernel::post(const Message& m, Priority p) {
  {
    std::lock_guard<std::mutex> g(post_mu_);
    posted_.emplace_back(m, p);
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

bool Kernel::drain_posted() {
  std::vector<std::pair<Message, Priority>> got;
  {
    std::lock_guard<std::mutex> g(post_mu_);
    if (posted_.empty()) return false;
    got.swap(posted_);
  }
  for (auto& [m, p] : got) send(m, p);
  return true;
}

uint64_t Kernel::add_timer(uint64_t deadline_ns, const Message& m) {
  uint64_t id = next_timer_id_++;
  timers_.push(Timer{deadline_ns, id, m});
  live_timers_.insert(id);
  return id;
}

bool Kernel::cancel_timer(uint64_t id) { return live_timers_.erase(id) > 0; }

SysResult<void> Kernel::watch_fd(int fd, uint32_t events, const Message& m) {
  epoll_event ev{};
  ev.events = events | EPOLLONESHOT;
  ev.data.fd = fd;
  bool known = fd_watch_.count(fd) > 0;
  if (epoll_ctl(epfd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) return fail(errno);
  fd_watch_[fd] = m;
  return {};
}

void Kernel::unwatch_fd(int fd) {
  if (fd_watch_.erase(fd)) epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

void Kernel::add_poller(Poller* p) { pollers_.push_back(p); }
void Kernel::remove_poller(Poller* p) {
  std::erase(pollers_, p);
}

uint32_t Kernel::add_space(MemorySpace* s) {
  for (uint32_t i = 1; i < spaces_.size(); i++)
    if (!spaces_[i]) {
      spaces_[i] = s;
      return i;
    }
  spaces_.push_back(s);
  return uint32_t(spaces_.size() - 1);
}

void Kernel::remove_space(uint32_t id) {
  if (id < spaces_.size()) spaces_[id] = nullptr;
}

MemorySpace* Kernel::space(uint32_t id) const { return id < spaces_.size() ? spaces_[id] : nullptr; }

SysResult<uint8_t*> Kernel::map_buf(const BufRef& b, bool write) const {
  MemorySpace* s = space(b.space);
  if (!s) return fail(EFAULT);
  return s->translate(b.address, b.length, write);
}

void Kernel::deliver(const Message& m) {
  if (m.dst.process == kNone) return;  // a wake-up only (e.g. a doorbell)
  KernelProcess* p = find(m.dst);
  delivered_++;
  if (!p) {
    // Nobody there: a request gets ESRCH so its sender does not wait forever.
    if (!m.is_reply()) send(m.reply(-ESRCH));
    return;
  }
  p->on_message(*this, m);
}

bool Kernel::dispatch_queued() {
  bool did = false;
  // High priority first; after each normal message look at high again.
  for (int budget = 256; budget > 0; budget--) {
    std::deque<Message>* q = nullptr;
    for (auto& level : queue_)
      if (!level.empty()) {
        q = &level;
        break;
      }
    if (!q) break;
    Message m = q->front();
    q->pop_front();
    deliver(m);
    did = true;
  }
  return did;
}

bool Kernel::fire_timers(uint64_t now) {
  bool did = false;
  while (!timers_.empty() && timers_.top().deadline <= now) {
    Timer t = timers_.top();
    timers_.pop();
    if (live_timers_.erase(t.id)) {
      send(t.msg, Priority::kHigh);
      did = true;
    }
  }
  return did;
}

bool Kernel::poll_host(int timeout_ns) {
  epoll_event evs[32];
  int n;
  if (timeout_ns == 0) {
    n = epoll_wait(epfd_, evs, 32, 0);
  } else {
    timespec ts{timeout_ns / 1'000'000'000, timeout_ns % 1'000'000'000};
    n = epoll_pwait2(epfd_, evs, 32, timeout_ns < 0 ? nullptr : &ts, nullptr);
  }
  bool did = false;
  for (int i = 0; i < n; i++) {
    int fd = evs[i].data.fd;
    if (fd == wake_fd_) {
      uint64_t v;
      (void)!read(wake_fd_, &v, sizeof v);
      did |= drain_posted();
      continue;
    }
    auto it = fd_watch_.find(fd);
    if (it == fd_watch_.end()) continue;
    Message m = it->second;
    m.arg[2] = evs[i].events;
    // One-shot: the fd stays registered (disarmed) until re-armed or unwatched.
    send(m, Priority::kHigh);
    did = true;
  }
  return did;
}

bool Kernel::run_once(bool may_sleep) {
  bool did = dispatch_queued();
  for (Poller* p : pollers_) did |= p->poll(*this);
  uint64_t now = now_ns();
  did |= fire_timers(now);
  // Checking host events costs a system call (~1 µs here): while busy, look
  // only every kHostPollNs, so polled channels are not kept waiting behind it.
  if (now - last_host_poll_ >= kHostPollNs) {
    did |= poll_host(0);
    last_host_poll_ = now;
  }
  if (did) {
    last_activity_ = now;
    return true;
  }
  if (!may_sleep || stopped_) return false;
  if (now - last_activity_ < spin_ns_) {
    // Busy a moment ago: keep polling. After the first few µs yield between
    // polls, so a guest host process sharing this core gets to run now
    // rather than after the whole spin window.
    if (now - last_activity_ < kPureSpinNs)
      cpu_relax();
    else
      sched_yield();
    return false;
  }
  // Sleep: tell the pollers, re-check them, then wait for a host event.
  bool work = false;
  for (Poller* p : pollers_) work |= p->prepare_sleep();
  if (!work) {
    int64_t timeout = -1;
    if (!timers_.empty()) {
      uint64_t d = timers_.top().deadline;
      timeout = d > now ? int64_t(d - now) : 0;
    }
    poll_host(timeout == 0 ? 0 : int(timeout > 1'000'000'000 ? 1'000'000'000 : timeout));
  }
  for (Poller* p : pollers_) p->end_sleep();
  last_activity_ = now_ns();
  return true;
}

void Kernel::run() {
  while (!stopped_) run_once(true);
}

}  // namespace psx
