// The device kernel process: the character devices of /dev, addressed by
// their device number (the object of a handle is the rdev). Reads fill the
// guest's buffer in place; writes are consumed where they lie.
//   1,3 null   1,5 zero   1,7 full   1,8 random   1,9 urandom
#pragma once
#include <cstdint>

#include "kernelprocs/kernel.h"

namespace psx {

enum DeviceOp : uint16_t {
  kDeviceRead = 0x0400,  // arg[0] = rdev; buf = guest range; reply: bytes or -errno
  kDeviceWrite,          // arg[0] = rdev; buf = guest range; reply: bytes or -errno
};

// Linux's numbers for the devices psx provides.
inline constexpr uint64_t make_rdev(uint32_t major, uint32_t minor) {
  return (uint64_t(major & 0xfffff000) << 32) | (uint64_t(major & 0xfff) << 8) | (uint64_t(minor & 0xffffff00) << 12) |
         (minor & 0xff);
}
inline constexpr uint64_t kDevNull = make_rdev(1, 3), kDevZero = make_rdev(1, 5), kDevFull = make_rdev(1, 7),
                          kDevRandom = make_rdev(1, 8), kDevUrandom = make_rdev(1, 9);

class Device : public KernelProcess {
 public:
  static constexpr Address kAddress{0, kDevice, 0};
  static bool provides(uint64_t rdev);
  void on_message(Kernel& k, const Message& m) override;
  const char* name() const override { return "device"; }
};

}  // namespace psx
