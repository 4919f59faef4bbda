#include "kernelprocs/device.h"

#include <sys/random.h>

#include <cstring>

namespace psx {

bool Device::provides(uint64_t rdev) {
  return rdev == kDevNull || rdev == kDevZero || rdev == kDevFull || rdev == kDevRandom || rdev == kDevUrandom;
}

void Device::on_message(Kernel& k, const Message& m) {
  if (m.is_reply()) return;
  uint64_t rdev = uint64_t(m.arg[0]);
  if (!provides(rdev)) {
    k.send(m.reply(-ENXIO));
    return;
  }
  uint32_t len = m.buf.length;
  switch (m.op) {
    case kDeviceRead: {
      if (rdev == kDevNull || len == 0) {
        k.send(m.reply(0));
        return;
      }
      auto buf = k.map_buf(m.buf, true);
      if (!buf) {
        k.send(m.reply(-EFAULT));
        return;
      }
      if (rdev == kDevZero || rdev == kDevFull) {
        memset(*buf, 0, len);
        k.send(m.reply(len));
        return;
      }
      // random and urandom: the host's generator writes the guest's bytes directly.
      ssize_t n = getrandom(*buf, len, 0);
      k.send(m.reply(n < 0 ? -errno : n));
      return;
    }
    case kDeviceWrite:
      // Nothing reads the bytes, so nothing checks them: /dev/null accepts any buffer.
      k.send(m.reply(rdev == kDevFull ? -ENOSPC : int64_t(len)));
      return;
    default:
      k.send(m.reply(-ENOSYS));
  }
}

}  // namespace psx
