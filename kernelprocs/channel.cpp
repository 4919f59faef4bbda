#include "kernelprocs/channel.h"

#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cassert>
#include <new>

namespace psx {

ChannelShared* map_channel(int memfd) {
  void* p = mmap(nullptr, sizeof(ChannelShared), PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
  return p == MAP_FAILED ? nullptr : static_cast<ChannelShared*>(p);
}

SysResult<std::unique_ptr<Channel>> Channel::create() {
  std::unique_ptr<Channel> c(new Channel());
  c->memfd_ = memfd_create("psx-channel", MFD_CLOEXEC);
  if (c->memfd_ < 0) return fail(errno);
  if (ftruncate(c->memfd_, sizeof(ChannelShared)) != 0) return fail(errno);
  c->sh_ = map_channel(c->memfd_);
  if (!c->sh_) return fail(errno);
  new (c->sh_) ChannelShared{};
  c->sh_->magic = kChannelMagic;
  c->sh_->version = 1;
  c->doorbell_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (c->doorbell_ < 0) return fail(errno);
  return c;
}

void Channel::not_inherited() { madvise(sh_, sizeof(ChannelShared), MADV_DONTFORK); }

Channel::~Channel() {
  if (kernel_) detach(*kernel_);
  if (sh_) munmap(sh_, sizeof(ChannelShared));
  if (memfd_ >= 0) close(memfd_);
  if (doorbell_ >= 0) close(doorbell_);
}

void Channel::attach(Kernel& k) {
  kernel_ = &k;
  k.add_poller(this);
}

void Channel::detach(Kernel& k) {
  k.remove_poller(this);
  k.unwatch_fd(doorbell_);
  kernel_ = nullptr;
}

bool Channel::poll(Kernel& k) {
  uint32_t tail = load_acquire(&sh_->sq_tail);
  if (tail == delivered_) return false;
  // Never trust the guest's counter beyond the ring: a corrupt tail is ignored.
  if (tail - completed_ > kRingSlots) return false;
  while (delivered_ != tail) {
    Message m;
    m.dst = owner_;
    m.op = kOpChannelFrame;
    m.arg[0] = delivered_;
    m.arg[1] = cookie_;
    k.send(m);
    delivered_++;
  }
  return true;
}

void Channel::complete(const Completion& c) {
  assert(completed_ != delivered_ && "completion without an outstanding frame");
  uint32_t t = sh_->cq_tail;
  sh_->cq[t & (kRingSlots - 1)] = c;
  completed_++;
  store_release(&sh_->sq_head, completed_);
  store_seq(&sh_->cq_tail, t + 1);
  // guest_waiting is the guest's to clear: clearing it here could erase the
  // flag the guest set for its *next* wait (it may have seen this completion
  // while spinning and moved on), and that wait's wake-up would be lost.
  if (load_seq(&sh_->guest_waiting)) {
    syscall(SYS_futex, &sh_->cq_tail, FUTEX_WAKE, 1, nullptr, nullptr, 0);
  }
}

bool Channel::prepare_sleep() {
  store_seq(&sh_->kernel_sleeping, 1);
  if (load_seq(&sh_->sq_tail) != delivered_) {
    store_seq(&sh_->kernel_sleeping, 0);
    return true;
  }
  if (kernel_) {
    Message wake;  // dst kNone: the doorbell only wakes the kernel; poll() finds the frame
    (void)kernel_->watch_fd(doorbell_, 0x001 /*EPOLLIN*/, wake);
  }
  return false;
}

void Channel::end_sleep() {
  store_seq(&sh_->kernel_sleeping, 0);
  uint64_t v;
  (void)!read(doorbell_, &v, sizeof v);
}

}  // namespace psx
