// close and ioctl. ioctl is partial: the terminal requests on console objects
// (TCGETS, TCSETS*, TIOCGWINSZ, TIOCSWINSZ, FIONREAD) plus FIOCLEX/FIONCLEX; TIOCGPGRP, TIOCSPGRP and
// TIOCGSID go to proc (sys_pgrp.cpp);
// FIONREAD on store files: sys_ioctl_file.cpp; on pipes: sys_pipe.cpp.
#include "kernelprocs/console.h"
#include "subsystem/personality.h"
#include "syscalls/abi_structs.h"
#include "syscalls/ioctl_file.h"
#include "syscalls/tty_pgrp.h"
#include "syscalls/pipe_file.h"

namespace psx {

Outcome sys_close(Personality& p, Call& c) {
  if (!p.fd(c.i(0))) return Outcome::error(EBADF);
  p.close_fd(c.i(0));
  return Outcome::done(0);
}

namespace {
Outcome ioctl_reply(Personality& p, Call& c, const Message& r) { return Outcome::done(r.arg[0]); }
}  // namespace

Outcome sys_ioctl(Personality& p, Call& c) {
  FdEntry* e = p.fd(c.i(0));
  if (!e) return Outcome::error(EBADF);
  uint32_t req = c.u(1);
  if (req == abi::kFIOCLEX || req == abi::kFIONCLEX) {
    e->cloexec = req == abi::kFIOCLEX;
    return Outcome::done(0);
  }
  if (req == abi::kFIONREAD && e->file->kind == FileKind::kPipe) return pipe_fionread(p, c, *e->file);
  if (req == abi::kFIONREAD && e->file->owner != Console::kAddress) return fionread_file(p, c, *e->file);
  if (e->file->owner != Console::kAddress) return Outcome::error(ENOTTY);
  if (req == abi::kTIOCGPGRP || req == abi::kTIOCSPGRP || req == abi::kTIOCGSID) return tty_pgrp_ioctl(p, c, *e->file);
  uint32_t len = 0;
  bool writes = false;
  switch (req) {
    case abi::kTCGETS: len = abi::kKernelTermiosSize; writes = true; break;
    case abi::kTCSETS: case abi::kTCSETSW: case abi::kTCSETSF: len = abi::kKernelTermiosSize; break;
    case abi::kTIOCGWINSZ: len = abi::kWinsizeSize; writes = true; break;
    case abi::kTIOCSWINSZ: len = abi::kWinsizeSize; break;
    case abi::kFIONREAD: len = 4; writes = true; break;
    default: return Outcome::error(ENOTTY);
  }
  if (!p.mem().translate(c.ptr(2), len, writes)) return Outcome::error(EFAULT);
  return p.request(c, Console::kAddress, kConsoleIoctl, p.guest_buf(c.ptr(2), len), ioctl_reply,
                   int64_t(e->file->object), req, writes);
}

}  // namespace psx
