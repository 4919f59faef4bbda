// wait4, waitid: asked of proc, which parks the call until a child changes
// state (kProcWait). riscv32 has no wait4: musl emulates it with waitid
// (P_PGID with id 0 for the caller's group, WEXITED added, the status
// rebuilt from si_code and si_status), so waitid carries rusage there too.
// Partial: rusage is zeroed (children's usage is not kept); waitid's P_PIDFD
// answers EINVAL.
#include <climits>
#include <cstring>

#include "kernelprocs/proc.h"
#include "subsystem/personality.h"

namespace psx {
namespace {

constexpr uint32_t kWNohang = 1, kWUntraced = 2, kWExited = 4, kWContinued = 8, kWNowait = 0x01000000,
                   kWNothread = 0x20000000, kWAll = 0x40000000, kWClone = 0x80000000;
constexpr int kPAll = 0, kPPid = 1, kPPgid = 2;
constexpr int kCldExited = 1, kCldKilled = 2, kCldDumped = 3, kCldStopped = 5, kCldContinued = 6;
constexpr int kSigChld = 17, kSigCont = 18;

// struct rusage: two timevals and fourteen longs.
uint64_t rusage_size(const Call& c) { return c.wide() ? 144 : 72; }
uint64_t siginfo_size() { return 128; }

int64_t wait_id(int idtype, uint32_t id) { return int64_t(uint32_t(idtype)) | int64_t(uint64_t(id) << 32); }

// The si_status a waitid reports for a wait status.
int si_status(int code, int status) {
  switch (code) {
    case kCldExited: return (status >> 8) & 0xff;
    case kCldKilled: case kCldDumped: return status & 0x7f;
    case kCldStopped: return (status >> 8) & 0xff;
    case kCldContinued: return kSigCont;
  }
  return 0;
}

// siginfo_t's fields waitid fills (Linux writes only these): signo, errno,
// code, then pid, uid, status in the union (at 16 on x86-64, 12 on riscv32).
void put_siginfo(uint8_t* out, bool wide, int signo, int code, int pid, uint32_t uid, int status) {
  int32_t head[3] = {signo, 0, code};
  memcpy(out, head, sizeof head);
  int32_t body[3] = {pid, int32_t(uid), status};
  memcpy(out + (wide ? 16 : 12), body, sizeof body);
}

// st[0] = status (wait4) or siginfo (waitid) pointer, st[1] = rusage pointer, st[2] = 1 for waitid.
Outcome waited(Personality& p, Call& c, const Message& r) {
  if (r.arg[0] < 0) return Outcome::done(r.arg[0]);
  int pid = int(r.arg[0]);
  int status = int(r.arg[1]);
  int code = int(int32_t(uint32_t(uint64_t(r.arg[2]))));
  uint32_t uid = uint32_t(uint64_t(r.arg[2]) >> 32);
  if (c.st[1] && pid > 0) {  // only with a child to report, as Linux writes it
    auto h = p.mem().translate(c.st[1], rusage_size(c), true);
    if (!h) return Outcome::error(EFAULT);
    memset(*h, 0, rusage_size(c));
  }
  if (!c.st[2]) {
    if (pid > 0 && c.st[0]) {
      auto h = p.mem().translate(c.st[0], 4, true);
      if (!h) return Outcome::error(EFAULT);
      int32_t s = status;
      memcpy(*h, &s, 4);
    }
    return Outcome::done(pid);
  }
  if (c.st[0]) {
    auto h = p.mem().translate(c.st[0], siginfo_size(), true);
    if (!h) return Outcome::error(EFAULT);
    // Nothing to report (WNOHANG): Linux still writes the fields, as zeros.
    if (pid > 0)
      put_siginfo(*h, c.wide(), kSigChld, code, pid, uid, si_status(code, status));
    else
      put_siginfo(*h, c.wide(), 0, 0, 0, 0, 0);
  }
  return Outcome::done(0);
}

// Checked before the wait, so a bad pointer does not cost a reaped child.
bool writable(Personality& p, uint64_t addr, uint64_t len) { return !addr || p.mem().translate(addr, len, true); }

}  // namespace

Outcome sys_wait4(Personality& p, Call& c) {
  int pid = c.i(0);
  uint32_t options = c.u(2);
  if (options & ~(kWNohang | kWUntraced | kWContinued | kWNothread | kWClone | kWAll)) return Outcome::error(EINVAL);
  if (pid == INT_MIN) return Outcome::error(ESRCH);  // -INT_MIN names no group
  int64_t id = pid < -1 ? wait_id(kPPgid, uint32_t(-pid))
               : pid == -1 ? wait_id(kPAll, 0)
               : pid == 0  ? wait_id(kPPgid, 0)
                           : wait_id(kPPid, uint32_t(pid));
  c.st[0] = c.ptr(1);
  c.st[1] = c.ptr(3);
  c.st[2] = 0;
  if (!writable(p, c.st[0], 4) || !writable(p, c.st[1], rusage_size(c))) return Outcome::error(EFAULT);
  return p.request(c, Proc::kAddress, kProcWait, BufRef{}, waited, id, int64_t(options | kWExited));
}

Outcome sys_waitid(Personality& p, Call& c) {
  int idtype = c.i(0);
  uint32_t options = c.u(3);
  if (options & ~(kWNohang | kWNowait | kWExited | kWUntraced | kWContinued | kWNothread | kWClone | kWAll))
    return Outcome::error(EINVAL);
  if (!(options & (kWExited | kWUntraced | kWContinued))) return Outcome::error(EINVAL);
  if (idtype != kPAll && idtype != kPPid && idtype != kPPgid) return Outcome::error(EINVAL);
  c.st[0] = c.ptr(2);
  c.st[1] = c.ptr(4);
  c.st[2] = 1;
  if (!writable(p, c.st[0], siginfo_size()) || !writable(p, c.st[1], rusage_size(c))) return Outcome::error(EFAULT);
  return p.request(c, Proc::kAddress, kProcWait, BufRef{}, waited, wait_id(idtype, c.u(1)), int64_t(options));
}

}  // namespace psx
