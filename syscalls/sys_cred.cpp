// setuid, setgid, setreuid, setregid, setresuid, setresgid, getresuid,
// getresgid, setgroups. Partial: a personality has one uid and one gid
// (real = effective = saved): a change sets all three, as setuid() by root
// does; only uid 0 may change to another id. The identity page follows.
#include <cstring>

#include "kernelprocs/proc.h"
#include "subsystem/personality.h"

namespace psx {
namespace {

constexpr uint32_t kKeep = 0xffffffffu;  // -1: leave as it is

// The id the call asks for: effective first, then real, then saved.
uint32_t wanted(uint32_t r, uint32_t e, uint32_t s, uint32_t cur) {
  if (e != kKeep) return e;
  if (r != kKeep) return r;
  if (s != kKeep) return s;
  return cur;
}

Outcome set_id(Personality& p, uint32_t& id, uint32_t r, uint32_t e, uint32_t s) {
  for (uint32_t v : {r, e, s})
    if (v != kKeep && v != id && p.uid != 0) return Outcome::error(EPERM);
  id = wanted(r, e, s, id);
  p.publish_identity();
  // proc counts processes per uid (RLIMIT_NPROC) and checks kill's permission by it.
  Message m;
  m.dst = Proc::kAddress;
  m.src = p.address();
  m.op = kProcCredentials;
  m.arg[0] = p.pid;
  m.arg[1] = int64_t(uint64_t(p.uid) | uint64_t(p.gid) << 32);
  p.kernel().send(m);
  return Outcome::done(0);
}

Outcome get_ids(Personality& p, Call& c, uint32_t id) {
  for (int i = 0; i < 3; i++) {
    auto h = p.mem().translate(c.ptr(i), 4, true);
    if (!h) return Outcome::error(EFAULT);
    memcpy(*h, &id, 4);
  }
  return Outcome::done(0);
}

}  // namespace

Outcome sys_setuid(Personality& p, Call& c) { return set_id(p, p.uid, c.u(0), c.u(0), c.u(0)); }
Outcome sys_setgid(Personality& p, Call& c) { return set_id(p, p.gid, c.u(0), c.u(0), c.u(0)); }
Outcome sys_setreuid(Personality& p, Call& c) { return set_id(p, p.uid, c.u(0), c.u(1), kKeep); }
Outcome sys_setregid(Personality& p, Call& c) { return set_id(p, p.gid, c.u(0), c.u(1), kKeep); }
Outcome sys_setresuid(Personality& p, Call& c) { return set_id(p, p.uid, c.u(0), c.u(1), c.u(2)); }
Outcome sys_setresgid(Personality& p, Call& c) { return set_id(p, p.gid, c.u(0), c.u(1), c.u(2)); }
Outcome sys_getresuid(Personality& p, Call& c) { return get_ids(p, c, p.uid); }
Outcome sys_getresgid(Personality& p, Call& c) { return get_ids(p, c, p.gid); }

Outcome sys_setgroups(Personality& p, Call& c) {
  if (p.uid != 0) return Outcome::error(EPERM);
  if (c.i(0) < 0 || c.i(0) > 65536) return Outcome::error(EINVAL);
  return Outcome::done(0);  // supplementary groups are not kept (getgroups shows none)
}

}  // namespace psx
