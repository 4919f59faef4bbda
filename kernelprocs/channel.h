// Kernel-host side of a guest channel (see channel_layout.h for the slots).
// Each new frame becomes a message to the owning personality, naming the slot;
// the frame is read where it lies. complete() posts the result and wakes the
// guest if it sleeps on the futex.
#pragma once
#include <cstdint>
#include <memory>

#include "kernelprocs/channel_layout.h"
#include "kernelprocs/kernel.h"

namespace psx {

// Operation of the message a channel sends to its owner.
inline constexpr uint16_t kOpChannelFrame = 0x0100;  // arg[0] = slot index, arg[1] = cookie

class Channel : public Poller {
 public:
  // A fresh channel in a new shared memory object, plus its doorbell eventfd.
  static SysResult<std::unique_ptr<Channel>> create();
  ~Channel() override;

  // Processes forked from this one do not get this mapping (guest host
  // processes map their own channel; none may see another guest's).
  void not_inherited();
  int memfd() const { return memfd_; }
  int doorbell_fd() const { return doorbell_; }
  ChannelShared* shared() { return sh_; }
  // Frames become kOpChannelFrame messages to owner, arg[1] = cookie (the guest thread).
  void set_owner(Address owner, uint32_t cookie = 0) {
    owner_ = owner;
    cookie_ = cookie;
  }

  const Frame& frame(uint32_t slot) const { return sh_->sq[slot & (kRingSlots - 1)]; }
  // Posts the completion for the oldest outstanding frame.
  void complete(const Completion& c);
  uint32_t outstanding() const { return delivered_ - completed_; }

  bool poll(Kernel& k) override;
  bool prepare_sleep() override;
  void end_sleep() override;
  // Register the doorbell with the kernel (once, after construction).
  void attach(Kernel& k);
  void detach(Kernel& k);

 private:
  Channel() = default;
  ChannelShared* sh_ = nullptr;
  int memfd_ = -1;
  int doorbell_ = -1;
  Address owner_{};
  uint32_t cookie_ = 0;
  Kernel* kernel_ = nullptr;
  uint32_t delivered_ = 0;  // frames turned into messages
  uint32_t completed_ = 0;
};

// Maps a channel's shared object (the guest host process does this).
ChannelShared* map_channel(int memfd);

}  // namespace psx
