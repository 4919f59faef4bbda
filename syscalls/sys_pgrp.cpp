// setpgid, getpgid, getpgrp, setsid, getsid, and the console's foreground
// group (ioctl TIOCGPGRP/TIOCSPGRP, TIOCGSID): proc keeps groups and sessions.
// Partial: tcsetpgrp from a background group does not raise SIGTTOU.
#include <cstring>

#include "kernelprocs/console.h"
#include "kernelprocs/proc.h"
#include "syscalls/abi_structs.h"
#include "syscalls/tty_pgrp.h"

namespace psx {
namespace {

Outcome answered(Personality&, Call&, const Message& r) { return Outcome::done(r.arg[0]); }

Outcome ask(Personality& p, Call& c, uint16_t op, int64_t a1 = 0, int64_t a2 = 0) {
  return p.request(c, Proc::kAddress, op, BufRef{}, answered, p.pid, a1, a2);
}

// TIOCGPGRP / TIOCGSID: proc's answer goes to the guest's int.
Outcome got_id(Personality& p, Call& c, const Message& r) {
  if (r.arg[0] < 0) return Outcome::done(r.arg[0]);
  auto h = p.mem().translate(c.ptr(2), 4, true);
  if (!h) return Outcome::error(EFAULT);
  int32_t v = int32_t(r.arg[0]);
  memcpy(*h, &v, 4);
  return Outcome::done(0);
}

// The console answered TCGETS: its host fd is a terminal (else ENOTTY, as
// for every terminal request). st[0] = the pgid TIOCSPGRP asks for.
Outcome is_terminal(Personality& p, Call& c, const Message& r) {
  if (r.arg[0] < 0) return Outcome::done(r.arg[0]);
  switch (c.u(1)) {
    case abi::kTIOCSPGRP:
      return p.request(c, Proc::kAddress, kProcSetForeground, BufRef{}, answered, p.pid, int64_t(int32_t(c.st[0])));
    case abi::kTIOCGPGRP:
      return p.request(c, Proc::kAddress, kProcGetForeground, BufRef{}, got_id, p.pid);
    default:
      return p.request(c, Proc::kAddress, kProcGetTerminalSession, BufRef{}, got_id, p.pid);
  }
}

}  // namespace

Outcome sys_setpgid(Personality& p, Call& c) { return ask(p, c, kProcSetpgid, c.i(0), c.i(1)); }
Outcome sys_getpgid(Personality& p, Call& c) { return ask(p, c, kProcGetpgid, c.i(0)); }
Outcome sys_getpgrp(Personality& p, Call& c) { return ask(p, c, kProcGetpgid, 0); }
Outcome sys_setsid(Personality& p, Call& c) { return ask(p, c, kProcSetsid); }
Outcome sys_getsid(Personality& p, Call& c) { return ask(p, c, kProcGetsid, c.i(0)); }

Outcome tty_pgrp_ioctl(Personality& p, Call& c, const OpenFile& f) {
  bool sets = c.u(1) == abi::kTIOCSPGRP;
  auto h = p.mem().translate(c.ptr(2), 4, !sets);
  if (!h) return Outcome::error(EFAULT);
  if (sets) {
    int32_t v;
    memcpy(&v, *h, 4);
    c.st[0] = uint64_t(uint32_t(v));
  }
  return p.request(c, Console::kAddress, kConsoleIoctl, p.scratch_buf(abi::kKernelTermiosSize), is_terminal,
                   int64_t(f.object), abi::kTCGETS, 1);
}

}  // namespace psx
