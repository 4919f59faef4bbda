// exit, exit_group, identity (getpid … getegid), uname, set_tid_address,
// set_robust_list, arch_prctl (ARCH_SET_FS/ARCH_GET_FS).
#include <sys/utsname.h>

#include <cstring>

#include "subsystem/personality.h"
#include "syscalls/abi_structs.h"

namespace psx {

// exit ends the calling thread; the last one's exit ends the process.
Outcome sys_exit(Personality& p, Call& c) {
  if (p.threads().size() > 1) return Outcome::done(0).with(Action::kExitThread);
  return Outcome::done(0).with(Action::kExit, uint64_t(c.i(0) & 0xff));
}

Outcome sys_exit_group(Personality& p, Call& c) {
  return Outcome::done(0).with(Action::kExit, uint64_t(c.i(0) & 0xff));
}

Outcome sys_getpid(Personality& p, Call&) { return Outcome::done(p.pid); }
Outcome sys_getppid(Personality& p, Call&) { return Outcome::done(p.ppid); }
Outcome sys_gettid(Personality& p, Call&) { return Outcome::done(p.thread().tid); }
Outcome sys_getuid(Personality& p, Call&) { return Outcome::done(p.uid); }
Outcome sys_geteuid(Personality& p, Call&) { return Outcome::done(p.uid); }
Outcome sys_getgid(Personality& p, Call&) { return Outcome::done(p.gid); }
Outcome sys_getegid(Personality& p, Call&) { return Outcome::done(p.gid); }

Outcome sys_uname(Personality& p, Call& c) {
  auto h = p.mem().translate(c.ptr(0), sizeof(abi::Utsname), true);
  if (!h) return Outcome::error(EFAULT);
  struct utsname host;
  uname(&host);
  abi::Utsname u{};
  snprintf(u.sysname, sizeof u.sysname, "Linux");
  snprintf(u.nodename, sizeof u.nodename, "psx");
  snprintf(u.release, sizeof u.release, "%s", host.release);
  snprintf(u.version, sizeof u.version, "%s", host.version);
  snprintf(u.machine, sizeof u.machine, "%s", p.abi == Abi::kLinuxRiscv32 ? "riscv32" : "x86_64");
  snprintf(u.domainname, sizeof u.domainname, "(none)");
  memcpy(*h, &u, sizeof u);
  return Outcome::done(0);
}

Outcome sys_set_tid_address(Personality& p, Call& c) {
  p.thread().clear_child_tid = c.ptr(0);
  return Outcome::done(p.thread().tid);
}

Outcome sys_set_robust_list(Personality& p, Call& c) {
  if (c.ul(1) != (c.wide() ? 24u : 12u)) return Outcome::error(EINVAL);
  p.robust_list = c.ptr(0);
  return Outcome::done(0);
}

Outcome sys_arch_prctl(Personality& p, Call& c) {
  constexpr int kSetFs = 0x1002, kGetFs = 0x1003, kGetGs = 0x1004;
  switch (c.i(0)) {
    case kSetFs:
      if (c.a[1] >= (1ull << 47)) return Outcome::error(EPERM);  // not a user address
      p.fs_base = c.a[1];
      return Outcome::done(0).with(Action::kSetThreadPointer, c.a[1]);
    case kGetFs:
    case kGetGs: {
      auto h = p.mem().translate(c.a[1], 8, true);
      if (!h) return Outcome::error(EFAULT);
      uint64_t v = c.i(0) == kGetFs ? p.fs_base : 0;
      memcpy(*h, &v, 8);
      return Outcome::done(0);
    }
    default:
      // ARCH_SET_GS is refused: psx's trap shim may keep per-thread state in %gs.
      return Outcome::error(EINVAL);
  }
}

}  // namespace psx
