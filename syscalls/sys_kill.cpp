// kill: routed through proc, which knows every process and group (one pid,
// the caller's group, a group, or every process but pid 1 and the caller)
// and checks permission (root, or the same uid; SIGCONT within a session).
// A signal to the caller itself arrives before the answer, so it is pending
// when the call returns.
#include <climits>

#include "kernelprocs/proc.h"
#include "subsystem/personality.h"

namespace psx {
namespace {
Outcome killed(Personality&, Call&, const Message& r) { return Outcome::done(r.arg[0]); }
}  // namespace

Outcome sys_kill(Personality& p, Call& c) {
  int pid = c.i(0), sig = c.i(1);
  if (sig < 0 || sig > 64) return Outcome::error(EINVAL);
  if (pid == INT_MIN) return Outcome::error(ESRCH);  // -INT_MIN names no group
  return p.request(c, Proc::kAddress, kProcKill, BufRef{}, killed, pid, sig,
                   int64_t(uint64_t(uint32_t(p.pid)) | uint64_t(p.uid) << 32));
}

}  // namespace psx
