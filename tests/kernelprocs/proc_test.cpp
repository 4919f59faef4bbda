// The proc kernel process driven through an event kernel, with fake
// personalities at (0, kSubsystem, pid) that record what proc tells them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernelprocs/kernel.h"
#include "kernelprocs/proc.h"
#include "kernelprocs/procfs.h"

namespace psx {
namespace {

constexpr int kSigHup = 1, kSigKill = 9, kSigUsr1 = 10, kSigTerm = 15, kSigChld = 17, kSigCont = 18, kSigStop = 19,
              kSigInt = 2;
constexpr int64_t kWNohang = 1, kWUntraced = 2, kWExited = 4, kWContinued = 8, kWNowait = 0x01000000;
constexpr int64_t kPAll = 0, kPPid = 1, kPPgid = 2;
constexpr int kCldExited = 1, kCldKilled = 2, kCldStopped = 5, kCldContinued = 6;

struct Fake : KernelProcess {
  std::vector<Message> got;
  void on_message(Kernel&, const Message& m) override { got.push_back(m); }
  const char* name() const override { return "fake personality"; }
  // The kProcSignal messages received, oldest first.
  std::vector<Message> signals() const {
    std::vector<Message> s;
    for (auto& m : got)
      if (m.op == kProcSignal && !m.is_reply()) s.push_back(m);
    return s;
  }
};

struct Space : MemorySpace {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(1 << 16);
  SysResult<uint8_t*> translate(uint64_t addr, uint64_t len, bool) override {
    if (addr > bytes.size() || len > bytes.size() - addr) return fail(EFAULT);
    return bytes.data() + addr;
  }
};

int64_t id_arg(int64_t idtype, int id) { return idtype | int64_t(uint64_t(uint32_t(id)) << 32); }
int64_t who(int pid, uint32_t uid) { return int64_t(uint64_t(uint32_t(pid)) | uint64_t(uid) << 32); }

class ProcTest : public ::testing::Test {
 protected:
  ProcTest() {
    proc.set_stop_when_empty(false);
    k.attach(Proc::kAddress, &proc);
    space_id = k.add_space(&space);
  }

  Fake& fake(int pid) {
    auto& f = fakes[pid];
    if (!f) {
      f = std::make_unique<Fake>();
      k.attach(Address{0, kSubsystem, uint32_t(pid)}, f.get());
    }
    return *f;
  }
  void gone(int pid) { k.detach(Address{0, kSubsystem, uint32_t(pid)}); }
  void run() {
    while (k.run_once(false)) {
    }
  }
  Message msg(int from, uint16_t op, int64_t a0, int64_t a1, int64_t a2) {
    Message m;
    m.dst = Proc::kAddress;
    m.src = Address{0, kSubsystem, uint32_t(from)};
    m.op = op;
    m.arg[0] = a0;
    m.arg[1] = a1;
    m.arg[2] = a2;
    return m;
  }
  // A notification (no reply).
  void tell(int from, uint16_t op, int64_t a0 = 0, int64_t a1 = 0, int64_t a2 = 0) {
    k.send(msg(from, op, a0, a1, a2));
    run();
  }
  // A request; its tag.
  uint32_t ask(int from, uint16_t op, int64_t a0 = 0, int64_t a1 = 0, int64_t a2 = 0, BufRef buf = {}) {
    fake(from);
    Message m = msg(from, op, a0, a1, a2);
    m.tag = next_tag++;
    m.buf = buf;
    k.send(m);
    run();
    return m.tag;
  }
  std::optional<Message> reply(int pid, uint32_t tag) {
    for (auto& m : fake(pid).got)
      if (m.is_reply() && m.tag == tag) return m;
    return std::nullopt;
  }
  int64_t call(int from, uint16_t op, int64_t a0 = 0, int64_t a1 = 0, int64_t a2 = 0, BufRef buf = {}) {
    uint32_t t = ask(from, op, a0, a1, a2, buf);
    auto r = reply(from, t);
    EXPECT_TRUE(r.has_value()) << "no reply to op " << op;
    return r ? r->arg[0] : INT64_MIN;
  }
  int first(uint32_t uid = 1000) {
    int pid = proc.next_pid();
    fake(pid);
    tell(pid, kProcSpawned, pid, 0, who(4242, uid));
    return pid;
  }
  int fork_of(int parent, uint32_t uid = 1000, uint64_t limit = UINT64_MAX) {
    int64_t pid = call(parent, kProcReserve, uid, int64_t(limit), 1);
    if (pid <= 0) return int(pid);
    fake(int(pid));
    tell(int(pid), kProcSpawned, pid, parent, who(5000 + int(pid), uid));
    return int(pid);
  }
  void exit_with(int pid, int status) { tell(pid, kProcExited, pid, status); }

  Kernel k;
  Proc proc;
  Space space;
  uint32_t space_id = 0;
  std::map<int, std::unique_ptr<Fake>> fakes;
  uint32_t next_tag = 1;
};

TEST_F(ProcTest, FirstGuestLeadsItsGroupAndSessionAndHasTheConsole) {
  int p = first();
  EXPECT_EQ(p, 1);
  EXPECT_EQ(call(p, kProcGetpgid, p, 0), 1);
  EXPECT_EQ(call(p, kProcGetsid, p, 0), 1);
  EXPECT_EQ(call(p, kProcGetForeground, p), 1);
  EXPECT_EQ(call(p, kProcGetTerminalSession, p), 1);
  EXPECT_EQ(proc.live(), 1u);
}

TEST_F(ProcTest, ForkedChildInheritsGroupAndSessionAndPidsGrow) {
  int p = first();
  int c1 = fork_of(p), c2 = fork_of(p);
  EXPECT_EQ(c1, 2);
  EXPECT_EQ(c2, 3);
  EXPECT_EQ(call(c1, kProcGetpgid, c1, 0), p);
  EXPECT_EQ(call(c2, kProcGetsid, c2, 0), p);
  EXPECT_EQ(call(p, kProcGetpgid, p, 99), -ESRCH);
  EXPECT_EQ(proc.find(c1)->ppid, p);
}

TEST_F(ProcTest, ExitLeavesZombieSignalsParentAndWaitReaps) {
  int p = first();
  int c = fork_of(p);
  exit_with(c, 42 << 8);
  ASSERT_NE(proc.find(c), nullptr);
  EXPECT_FALSE(proc.find(c)->alive);
  auto sigs = fake(p).signals();
  ASSERT_EQ(sigs.size(), 1u);
  EXPECT_EQ(sigs[0].arg[0], kSigChld);
  EXPECT_EQ(uint32_t(sigs[0].arg[1]), uint32_t(kCldExited));
  EXPECT_EQ(sigs[0].arg[1] >> 32, 42);
  EXPECT_EQ(uint32_t(sigs[0].arg[2]), uint32_t(c));
  EXPECT_EQ(sigs[0].arg[2] >> 32, 1000);

  uint32_t t = ask(p, kProcWait, id_arg(kPAll, 0), kWExited);
  auto r = reply(p, t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->arg[0], c);
  EXPECT_EQ(r->arg[1], 42 << 8);
  EXPECT_EQ(uint32_t(r->arg[2]), uint32_t(kCldExited));
  EXPECT_EQ(r->arg[2] >> 32, 1000);
  EXPECT_EQ(proc.find(c), nullptr);  // reaped
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWExited), -ECHILD);
}

TEST_F(ProcTest, KilledChildReportsSignalAndCore) {
  int p = first();
  int c = fork_of(p);
  exit_with(c, kSigTerm);
  exit_with(fork_of(p), 11 | 0x80);
  auto sigs = fake(p).signals();
  ASSERT_EQ(sigs.size(), 2u);
  EXPECT_EQ(uint32_t(sigs[0].arg[1]), uint32_t(kCldKilled));
  EXPECT_EQ(sigs[0].arg[1] >> 32, kSigTerm);
  EXPECT_EQ(uint32_t(sigs[1].arg[1]), 3u);  // CLD_DUMPED
  EXPECT_EQ(sigs[1].arg[1] >> 32, 11);
}

TEST_F(ProcTest, WaitParksUntilAChildEndsAndWnohangDoesNot) {
  int p = first();
  int c1 = fork_of(p), c2 = fork_of(p);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWExited | kWNohang), 0);
  uint32_t t = ask(p, kProcWait, id_arg(kPPid, c2), kWExited);
  EXPECT_FALSE(reply(p, t));
  exit_with(c1, 0);
  EXPECT_FALSE(reply(p, t));  // waiting for c2 only
  exit_with(c2, 3 << 8);
  auto r = reply(p, t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->arg[0], c2);
  EXPECT_EQ(r->arg[1], 3 << 8);
  // The SIGCHLD came before the answer.
  auto& got = fake(p).got;
  size_t sig_at = 0, reply_at = 0;
  for (size_t i = 0; i < got.size(); i++) {
    if (got[i].op == kProcSignal && uint32_t(got[i].arg[2]) == uint32_t(c2)) sig_at = i;
    if (got[i].is_reply() && got[i].tag == t) reply_at = i;
  }
  EXPECT_LT(sig_at, reply_at);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWExited), c1);
}

TEST_F(ProcTest, WaitChoosesTheLowestReadyPid) {
  int p = first();
  int c1 = fork_of(p), c2 = fork_of(p), c3 = fork_of(p);
  exit_with(c3, 0);
  exit_with(c2, 0);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWExited), c2);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWExited), c3);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWExited | kWNohang), 0);
  (void)c1;
}

TEST_F(ProcTest, WaitByGroupAndErrors) {
  int p = first();
  int c1 = fork_of(p), c2 = fork_of(p);
  EXPECT_EQ(call(c2, kProcSetpgid, c2, 0, 0), 0);  // c2 leads its own group
  exit_with(c1, 0);
  exit_with(c2, 0);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPPgid, c2), kWExited), c2);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPPgid, c2), kWExited), -ECHILD);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPPgid, 0), kWExited), c1);  // 0: the caller's group
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWNohang), -EINVAL);  // no event asked for
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWExited | 0x1000), -EINVAL);
  EXPECT_EQ(call(p, kProcWait, id_arg(7, 0), kWExited), -EINVAL);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPPid, 0), kWExited), -EINVAL);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPPid, 77), kWExited), -ECHILD);
}

TEST_F(ProcTest, WnowaitLeavesTheZombie) {
  int p = first();
  int c = fork_of(p);
  exit_with(c, 5 << 8);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPPid, c), kWExited | kWNowait), c);
  ASSERT_NE(proc.find(c), nullptr);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPPid, c), kWExited), c);
  EXPECT_EQ(proc.find(c), nullptr);
}

TEST_F(ProcTest, StopAndContinueAreReportedToUntracedAndContinuedWaits) {
  int p = first();
  int c = fork_of(p);
  tell(c, kProcStateChanged, c, kSigStop);
  auto sigs = fake(p).signals();
  ASSERT_EQ(sigs.size(), 1u);
  EXPECT_EQ(uint32_t(sigs[0].arg[1]), uint32_t(kCldStopped));
  EXPECT_EQ(sigs[0].arg[1] >> 32, kSigStop);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWExited | kWNohang), 0);  // not asked for stops
  uint32_t t = ask(p, kProcWait, id_arg(kPAll, 0), kWExited | kWUntraced);
  auto r = reply(p, t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->arg[0], c);
  EXPECT_EQ(r->arg[1], 0x7f | kSigStop << 8);
  EXPECT_EQ(uint32_t(r->arg[2]), uint32_t(kCldStopped));
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWUntraced | kWNohang), 0);  // reported once

  t = ask(p, kProcWait, id_arg(kPAll, 0), kWContinued);
  EXPECT_FALSE(reply(p, t));
  tell(c, kProcStateChanged, c, 0);
  r = reply(p, t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->arg[1], 0xffff);
  EXPECT_EQ(uint32_t(r->arg[2]), uint32_t(kCldContinued));
  sigs = fake(p).signals();
  ASSERT_EQ(sigs.size(), 2u);
  EXPECT_EQ(sigs[1].arg[1] >> 32, kSigCont);

  // SA_NOCLDSTOP: no SIGCHLD for stops, but wait still sees them.
  tell(p, kProcDisposition, p, 2);
  tell(c, kProcStateChanged, c, kSigStop);
  EXPECT_EQ(fake(p).signals().size(), 2u);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWUntraced | kWNohang), c);
}

TEST_F(ProcTest, CancelAnswersAParkedWaitWithEintr) {
  int p = first();
  fork_of(p);
  uint32_t t = ask(p, kProcWait, id_arg(kPAll, 0), kWExited);
  EXPECT_FALSE(reply(p, t));
  tell(p, kOpCancel, t + 100);  // not a parked tag: nothing happens
  EXPECT_FALSE(reply(p, t));
  tell(p, kOpCancel, t);
  auto r = reply(p, t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->arg[0], -EINTR);
  EXPECT_EQ(r->op, kProcWait);
}

TEST_F(ProcTest, OrphansGoToPidOneWhichIsToldOfZombies) {
  int p = first();
  int mid = fork_of(p);
  int live = fork_of(mid), dead = fork_of(mid);
  exit_with(dead, 9);
  exit_with(mid, 0);
  // The live grandchild is told its new parent.
  bool told = false;
  for (auto& m : fake(live).got)
    if (m.op == kProcReparented) told = m.arg[0] == p;
  EXPECT_TRUE(told);
  EXPECT_EQ(proc.find(live)->ppid, p);
  // pid 1 adopted the zombie and got SIGCHLD for it, then for mid.
  int reported_dead = 0;
  for (auto& s : fake(p).signals())
    if (uint32_t(s.arg[2]) == uint32_t(dead)) reported_dead++;
  EXPECT_EQ(reported_dead, 1);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPPid, dead), kWExited), dead);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPPid, mid), kWExited), mid);
  exit_with(live, 0);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWExited), live);
}

TEST_F(ProcTest, WithPidOneGoneProcReapsOrphansItself) {
  int p = first();
  int c = fork_of(p);
  int g = fork_of(c);
  exit_with(p, 0);
  EXPECT_EQ(proc.find(c)->ppid, 0);
  bool told = false;
  for (auto& m : fake(c).got)
    if (m.op == kProcReparented) told = m.arg[0] == 0;
  EXPECT_TRUE(told);
  // pid 1 stays findable (psx run ends the way it did).
  ASSERT_NE(proc.find(p), nullptr);
  EXPECT_EQ(proc.find(p)->wait_status, 0);
  exit_with(c, 0);
  EXPECT_EQ(proc.find(c), nullptr);  // nobody to wait: gone at once
  EXPECT_EQ(proc.find(g)->ppid, 0);
  exit_with(g, 0);
  EXPECT_EQ(proc.find(g), nullptr);
  EXPECT_EQ(proc.live(), 0u);
}

TEST_F(ProcTest, NocldwaitReapsAtOnceAndAWaitEndsInEchild) {
  int p = first();
  tell(p, kProcDisposition, p, 1);
  int c1 = fork_of(p), c2 = fork_of(p);
  uint32_t t = ask(p, kProcWait, id_arg(kPAll, 0), kWExited);
  exit_with(c1, 0);
  EXPECT_EQ(proc.find(c1), nullptr);
  EXPECT_FALSE(reply(p, t));
  exit_with(c2, 0);
  auto r = reply(p, t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->arg[0], -ECHILD);
  EXPECT_EQ(fake(p).signals().size(), 2u);  // SIGCHLD still sent: the personality decides
}

TEST_F(ProcTest, KillOneGroupAndEveryone) {
  int p = first(1000);
  int a = fork_of(p, 1000), b = fork_of(p, 1000), other = fork_of(p, 2000);
  EXPECT_EQ(call(b, kProcSetpgid, b, 0, 0), 0);
  EXPECT_EQ(call(a, kProcKill, b, kSigUsr1, who(a, 1000)), 0);
  ASSERT_EQ(fake(b).signals().size(), 1u);
  EXPECT_EQ(fake(b).signals()[0].arg[0], kSigUsr1);
  EXPECT_EQ(uint32_t(fake(b).signals()[0].arg[1]), 0u);  // SI_USER
  EXPECT_EQ(uint32_t(fake(b).signals()[0].arg[2]), uint32_t(a));
  EXPECT_EQ(call(a, kProcKill, other, kSigUsr1, who(a, 1000)), -EPERM);
  EXPECT_EQ(call(a, kProcKill, other, kSigCont, who(a, 1000)), 0);  // SIGCONT within the session
  EXPECT_EQ(call(0, kProcKill, other, kSigUsr1, who(a, 0)), 0);       // root
  EXPECT_EQ(call(a, kProcKill, 999, 0, who(a, 1000)), -ESRCH);
  EXPECT_EQ(call(a, kProcKill, b, 0, who(a, 1000)), 0);  // exists; nothing sent
  EXPECT_EQ(fake(b).signals().size(), 1u);
  EXPECT_EQ(call(a, kProcKill, b, 65, who(a, 1000)), -EINVAL);

  // Group p (p, a, other): 0 names the sender's; other refuses, the others take it.
  size_t before_p = fake(p).signals().size();
  EXPECT_EQ(call(a, kProcKill, 0, kSigTerm, who(a, 1000)), 0);
  EXPECT_EQ(fake(p).signals().size(), before_p + 1);
  EXPECT_EQ(fake(a).signals().back().arg[0], kSigTerm);
  EXPECT_EQ(fake(other).signals().back().arg[0], kSigUsr1);  // unchanged
  EXPECT_EQ(call(a, kProcKill, -b, kSigHup, who(a, 1000)), 0);
  EXPECT_EQ(fake(b).signals().back().arg[0], kSigHup);
  EXPECT_EQ(call(a, kProcKill, -12345, kSigHup, who(a, 1000)), -ESRCH);
  EXPECT_EQ(call(b, kProcKill, -other, kSigHup, who(b, 1000)), -ESRCH);  // other's group is p's
  // All of one group refusing: EPERM.
  EXPECT_EQ(call(other, kProcKill, -b, kSigHup, who(other, 2000)), -EPERM);

  // -1: all but pid 1 and the caller.
  size_t pn = fake(p).signals().size(), an = fake(a).signals().size(), bn = fake(b).signals().size();
  EXPECT_EQ(call(a, kProcKill, -1, kSigInt, who(a, 1000)), 0);
  EXPECT_EQ(fake(p).signals().size(), pn);
  EXPECT_EQ(fake(a).signals().size(), an);
  EXPECT_EQ(fake(b).signals().size(), bn + 1);
  EXPECT_NE(fake(other).signals().back().arg[0], kSigInt);  // not permitted, yet 0
}

TEST_F(ProcTest, KillOfSelfArrivesBeforeTheReply) {
  int p = first();
  uint32_t t = ask(p, kProcKill, p, kSigTerm, who(p, 1000));
  auto& got = fake(p).got;
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].op, kProcSignal);
  EXPECT_TRUE(got[1].is_reply());
  EXPECT_EQ(got[1].tag, t);
}

TEST_F(ProcTest, ZombiesCanBeNamedButTakeNoSignal) {
  int p = first();
  int c = fork_of(p);
  exit_with(c, 0);
  size_t before = fake(c).got.size();
  EXPECT_EQ(call(p, kProcKill, c, kSigKill, who(p, 1000)), 0);
  EXPECT_EQ(fake(c).got.size(), before);
}

TEST_F(ProcTest, SetpgidFollowsLinuxRules) {
  int p = first();
  int c = fork_of(p);
  int g = fork_of(c);
  EXPECT_EQ(call(p, kProcSetpgid, p, c, 0), 0);  // a child into a new group of its own
  EXPECT_EQ(call(p, kProcGetpgid, p, c), c);
  EXPECT_EQ(call(c, kProcSetpgid, c, g, c), 0);  // a child into its parent's group
  EXPECT_EQ(call(p, kProcSetpgid, p, g, 0), -ESRCH);  // a grandchild is not the caller's
  EXPECT_EQ(call(p, kProcSetpgid, p, 0, 0), -EPERM);  // a session leader stays
  EXPECT_EQ(call(c, kProcSetpgid, c, 0, 4242), -EPERM);  // no such group
  EXPECT_EQ(call(c, kProcSetpgid, c, 0, -1), -EINVAL);
  EXPECT_EQ(call(c, kProcSetpgid, c, 4242, 0), -ESRCH);
  EXPECT_EQ(call(c, kProcSetpgid, c, 0, p), 0);  // back into the first group
  tell(g, kProcExec, g, 0);
  EXPECT_EQ(call(c, kProcSetpgid, c, g, 0), -EACCES);  // after execve
  EXPECT_EQ(call(g, kProcSetpgid, g, 0, 0), 0);  // itself still may
  // A child in another session.
  int d = fork_of(p);
  EXPECT_EQ(call(d, kProcSetsid, d), d);
  EXPECT_EQ(call(p, kProcSetpgid, p, d, p), -EPERM);
  // A thread is not a group leader.
  int64_t tid = call(p, kProcReserve, 1000, -1, 0);
  EXPECT_EQ(call(p, kProcSetpgid, p, tid, 0), -EINVAL);
}

TEST_F(ProcTest, SetsidAndGetsid) {
  int p = first();
  EXPECT_EQ(call(p, kProcSetsid, p), -EPERM);  // already leads a group
  int c = fork_of(p);
  EXPECT_EQ(call(c, kProcSetsid, c), c);
  EXPECT_EQ(call(c, kProcGetsid, c, 0), c);
  EXPECT_EQ(call(c, kProcGetpgid, c, 0), c);
  EXPECT_EQ(call(p, kProcGetsid, p, c), c);
  EXPECT_EQ(call(c, kProcSetsid, c), -EPERM);
  // Another group in that new session, then a group id that names it.
  int d = fork_of(c);
  EXPECT_EQ(call(d, kProcSetpgid, d, 0, 0), 0);
  EXPECT_EQ(call(d, kProcGetsid, d, 0), c);
  // The new session has no controlling terminal.
  EXPECT_EQ(call(c, kProcGetForeground, c), -ENOTTY);
  EXPECT_EQ(call(c, kProcSetForeground, c, c), -ENOTTY);
}

TEST_F(ProcTest, RlimitNprocCountsTasksPerUid) {
  int p = first(1000);  // 1 task
  EXPECT_EQ(fork_of(p, 1000, 3), 2);
  EXPECT_EQ(fork_of(p, 1000, 3), 3);
  EXPECT_EQ(fork_of(p, 1000, 3), -EAGAIN);
  EXPECT_EQ(proc.tasks_of(1000), 3u);
  // Threads count; zombies count until reaped.
  exit_with(3, 0);
  int64_t tid = call(p, kProcReserve, 1000, 4, 0);
  EXPECT_GT(tid, 0);
  EXPECT_EQ(call(p, kProcReserve, 1000, 4, 0), -EAGAIN);
  tell(p, kProcThreadGone, tid);
  EXPECT_EQ(proc.tasks_of(1000), 3u);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPPid, 3), kWExited), 3);
  EXPECT_EQ(proc.tasks_of(1000), 2u);
  // A reservation whose fork never happened is given back the same way.
  int64_t res = call(p, kProcReserve, 1000, 4, 1);
  EXPECT_EQ(proc.tasks_of(1000), 3u);
  tell(p, kProcThreadGone, res);
  EXPECT_EQ(proc.tasks_of(1000), 2u);
  // Root is limited too (unlike Linux: the host's resources are at stake).
  EXPECT_EQ(call(p, kProcReserve, 0, 0, 1), -EAGAIN);
  EXPECT_GT(call(p, kProcReserve, 0, 1, 1), 0);
  // A process's threads go with it.
  int64_t t1 = call(2, kProcReserve, 1000, -1, 0);
  EXPECT_GT(t1, 0);
  EXPECT_EQ(proc.tasks_of(1000), 3u);
  exit_with(2, 0);
  EXPECT_EQ(proc.tasks_of(1000), 2u);  // the thread went; the zombie stays counted
}

TEST_F(ProcTest, ACredentialChangeMovesTheCountAndThePermission) {
  int p = first(0);
  int c = fork_of(p, 0);
  EXPECT_EQ(proc.tasks_of(0), 2u);
  tell(c, kProcCredentials, c, int64_t(65534 | uint64_t(65534) << 32));
  EXPECT_EQ(proc.tasks_of(0), 1u);
  EXPECT_EQ(proc.tasks_of(65534), 1u);
  EXPECT_EQ(proc.find(c)->uid, 65534u);
  EXPECT_EQ(fork_of(c, 65534, 2), c + 1);
  EXPECT_EQ(fork_of(c, 65534, 2), -EAGAIN);
  EXPECT_EQ(call(c, kProcKill, p, kSigUsr1, who(c, 65534)), -EPERM);
}

TEST_F(ProcTest, ForegroundGroupAndTerminalSignals) {
  int p = first();
  int c = fork_of(p);
  EXPECT_EQ(call(c, kProcSetpgid, c, 0, 0), 0);
  EXPECT_EQ(call(p, kProcSetForeground, p, c), 0);
  EXPECT_EQ(call(c, kProcGetForeground, c), c);
  EXPECT_EQ(proc.foreground(), c);
  EXPECT_EQ(call(p, kProcSetForeground, p, -3), -EINVAL);
  EXPECT_EQ(call(p, kProcSetForeground, p, 7777), -ESRCH);
  int d = fork_of(p);
  EXPECT_EQ(call(d, kProcSetsid, d), d);
  EXPECT_EQ(call(p, kProcSetForeground, p, d), -EPERM);  // another session's group
  EXPECT_EQ(call(d, kProcGetTerminalSession, d), -ENOTTY);

  Message sig;
  sig.dst = Proc::kAddress;
  sig.op = kProcTerminalSignal;
  sig.arg[0] = kSigInt;
  k.send(sig);
  run();
  ASSERT_EQ(fake(c).signals().size(), 1u);
  EXPECT_EQ(fake(c).signals()[0].arg[0], kSigInt);
  EXPECT_EQ(uint32_t(fake(c).signals()[0].arg[1]), 0x80u);  // SI_KERNEL
  EXPECT_TRUE(fake(p).signals().empty());
}

TEST_F(ProcTest, NewlyOrphanedStoppedGroupGetsHangupAndContinue) {
  int p = first();
  int c = fork_of(p);
  int g = fork_of(c);
  EXPECT_EQ(call(g, kProcSetpgid, g, 0, 0), 0);  // g's group: kept by c (another group, same session)
  tell(g, kProcStateChanged, g, kSigStop);
  exit_with(c, 0);  // g goes to pid 1, which is in another group: not orphaned
  EXPECT_TRUE(fake(g).signals().empty());
  exit_with(p, 0);  // now nobody outside g's group links it: orphaned, stopped
  auto s = fake(g).signals();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].arg[0], kSigHup);
  EXPECT_EQ(s[1].arg[0], kSigCont);
}

TEST_F(ProcTest, StopsTheKernelWhenTheLastProcessEnds) {
  proc.set_stop_when_empty(true);
  int p = first();
  int c = fork_of(p);
  exit_with(p, 0);
  EXPECT_FALSE(k.stopped());
  exit_with(c, 0);
  EXPECT_TRUE(k.stopped());
}

TEST_F(ProcTest, MessagesToAGonePersonalityAreHarmless) {
  int p = first();
  int c = fork_of(p);
  gone(p);
  exit_with(c, 0);  // SIGCHLD to nobody: the kernel answers ESRCH to proc, which drops it
  run();
  EXPECT_FALSE(proc.find(c)->alive);
}

// ---- /proc ----

class ProcFsTest : public ProcTest {
 protected:
  ProcFsRequest& req() { return *reinterpret_cast<ProcFsRequest*>(space.bytes.data()); }
  int64_t fs(int caller, ProcFsKind kind, const std::string& path, bool follow = true) {
    ProcFsRequest& q = req();
    q = ProcFsRequest{};
    q.kind = kind;
    q.caller = caller;
    q.uid = 1000;
    q.follow = follow;
    snprintf(q.path, sizeof q.path, "%s", path.c_str());
    q.out = BufRef{sizeof(ProcFsRequest), 4096, space_id};
    return call(caller, kProcFs, 0, 0, 0, BufRef{0, uint32_t(sizeof(ProcFsRequest)), space_id});
  }
  std::string link_text(int64_t n) {
    return std::string(reinterpret_cast<char*>(space.bytes.data() + sizeof(ProcFsRequest)), size_t(n));
  }
  std::string read_all(int caller, uint64_t object) {
    std::string s;
    for (;;) {
      int64_t n = call(caller, kProcFsRead, int64_t(object), int64_t(s.size()), 0, BufRef{40000, 100, space_id});
      if (n <= 0) return s;
      s.append(reinterpret_cast<char*>(space.bytes.data() + 40000), size_t(n));
    }
  }
  std::vector<std::string> list(int caller, uint64_t object) {
    std::vector<std::string> names;
    int64_t pos = 0;
    for (;;) {
      uint32_t t = ask(caller, kProcFsGetdents, int64_t(object), pos, 0, BufRef{40000, 200, space_id});
      auto r = reply(caller, t);
      if (!r || r->arg[0] <= 0) return names;
      pos = r->arg[1];
      for (int64_t at = 0; at < r->arg[0];) {
        uint8_t* e = space.bytes.data() + 40000 + at;
        uint16_t reclen;
        memcpy(&reclen, e + 16, 2);
        names.emplace_back(reinterpret_cast<char*>(e + 19));
        at += reclen;
      }
    }
  }
  void exec(int pid, const std::vector<std::string>& parts) {
    std::string b;
    for (auto& s : parts) b.append(s.c_str(), s.size() + 1);
    memcpy(space.bytes.data() + 50000, b.data(), b.size());
    Message m = msg(pid, kProcExec, pid, 0, 0);
    m.buf = BufRef{50000, uint32_t(b.size()), space_id};
    k.send(m);
    run();
  }
};

TEST_F(ProcFsTest, SelfIsALinkToTheCallersPid) {
  int p = first();
  int c = fork_of(p);
  int64_t n = fs(c, ProcFsKind::kReadlink, "/proc/self");
  ASSERT_GT(n, 0);
  EXPECT_EQ(link_text(n), std::to_string(c));
  ASSERT_EQ(fs(c, ProcFsKind::kLookup, "/proc/self", false), 0);
  EXPECT_EQ(req().stat.mode & 0170000, 0120000u);
  ASSERT_EQ(fs(c, ProcFsKind::kLookup, "/proc/self", true), 0);
  EXPECT_EQ(req().stat.mode & 0170000, 0040000u);
  EXPECT_EQ(proc_object_pid(req().object), c);
  EXPECT_EQ(req().stat.uid, 1000u);
  EXPECT_EQ(fs(c, ProcFsKind::kLookup, "/proc/nosuch"), -ENOENT);
  EXPECT_EQ(fs(c, ProcFsKind::kLookup, "/proc/9999/stat"), -ENOENT);
  EXPECT_EQ(fs(c, ProcFsKind::kLookup, "/proc/self/stat/x"), -ENOTDIR);
  EXPECT_EQ(fs(c, ProcFsKind::kReadlink, "/proc/self/stat"), -EINVAL);
}

TEST_F(ProcFsTest, ExeAndCmdlineComeFromExec) {
  int p = first();
  exec(p, {"/bin/busybox", "sh", "-c", "echo hi"});
  int64_t n = fs(p, ProcFsKind::kReadlink, "/proc/1/exe");
  ASSERT_GT(n, 0);
  EXPECT_EQ(link_text(n), "/bin/busybox");
  ASSERT_EQ(fs(p, ProcFsKind::kLookup, "/proc/self/cmdline"), 0);
  EXPECT_EQ(read_all(p, req().object), std::string("sh\0-c\0echo hi\0", 14));
  ASSERT_EQ(fs(p, ProcFsKind::kLookup, "/proc/self/comm"), 0);
  EXPECT_EQ(read_all(p, req().object), "busybox\n");
  // A fork's child has the same image until it execs.
  int c = fork_of(p);
  n = fs(c, ProcFsKind::kReadlink, "/proc/self/exe");
  EXPECT_EQ(link_text(n), "/bin/busybox");
  // Another uid's exe: EACCES; fd and cwd of another process: not served.
  int o = fork_of(p, 2000);
  EXPECT_EQ(fs(c, ProcFsKind::kReadlink, "/proc/" + std::to_string(o) + "/exe"), -EACCES);
  EXPECT_EQ(fs(c, ProcFsKind::kLookup, "/proc/" + std::to_string(p) + "/fd"), -EACCES);
}

TEST_F(ProcFsTest, StatAndStatusDescribeTheProcess) {
  int p = first();
  exec(p, {"/usr/bin/prog", "prog"});
  int c = fork_of(p);
  ASSERT_EQ(fs(c, ProcFsKind::kLookup, "/proc/self/stat"), 0);
  std::string s = read_all(c, req().object);
  std::string want = std::to_string(c) + " (prog) R " + std::to_string(p) + " " + std::to_string(p) + " " +
                     std::to_string(p) + " ";
  EXPECT_EQ(s.substr(0, want.size()), want) << s;
  int fields = 0;
  for (char ch : s) fields += ch == ' ';
  EXPECT_EQ(fields + 1, 52) << s;
  ASSERT_EQ(fs(c, ProcFsKind::kLookup, "/proc/" + std::to_string(c) + "/status"), 0);
  std::string st = read_all(c, req().object);
  EXPECT_NE(st.find("Pid:\t" + std::to_string(c) + "\n"), std::string::npos) << st;
  EXPECT_NE(st.find("PPid:\t" + std::to_string(p) + "\n"), std::string::npos) << st;
  EXPECT_NE(st.find("Uid:\t1000\t"), std::string::npos) << st;
  // A zombie reads as one; once reaped, reads fail with ESRCH.
  uint64_t obj = req().object;
  exit_with(c, 0);
  EXPECT_NE(read_all(p, obj).find("State:\tZ (zombie)"), std::string::npos);
  EXPECT_EQ(call(p, kProcWait, id_arg(kPAll, 0), kWExited), c);
  EXPECT_EQ(call(p, kProcFsRead, int64_t(obj), 0, 0, BufRef{40000, 100, space_id}), -ESRCH);
}

TEST_F(ProcFsTest, HostFilesAndListings) {
  int p = first();
  int c = fork_of(p);
  ASSERT_EQ(fs(p, ProcFsKind::kLookup, "/proc/meminfo"), 0);
  EXPECT_EQ(read_all(p, req().object).rfind("MemTotal:", 0), 0u);
  ASSERT_EQ(fs(p, ProcFsKind::kLookup, "/proc"), 0);
  auto top = list(p, req().object);
  ASSERT_GE(top.size(), 4u);
  EXPECT_EQ(top[0], ".");
  EXPECT_EQ(top[1], "..");
  EXPECT_NE(std::find(top.begin(), top.end(), "self"), top.end());
  EXPECT_NE(std::find(top.begin(), top.end(), "meminfo"), top.end());
  EXPECT_NE(std::find(top.begin(), top.end(), std::to_string(p)), top.end());
  EXPECT_NE(std::find(top.begin(), top.end(), std::to_string(c)), top.end());
  ASSERT_EQ(fs(p, ProcFsKind::kLookup, "/proc/self/"), 0);
  auto mine = list(p, req().object);
  for (const char* n : {"fd", "status", "comm", "cmdline", "stat", "cwd", "exe"})
    EXPECT_NE(std::find(mine.begin(), mine.end(), n), mine.end()) << n;
  // ".." leaves /proc for the store; "self/.." is /proc again.
  auto out = parse_proc_path("/proc/self/../../etc/passwd", p);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->node, ProcNode::kNone);
  EXPECT_EQ(out->rest, "/etc/passwd");
  out = parse_proc_path("/proc/self/..", p);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->node, ProcNode::kRoot);
  out = parse_proc_path("/proc/self/cwd/a/../b", p);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->node, ProcNode::kCwd);
  EXPECT_EQ(out->rest, "a/../b");
  out = parse_proc_path("/proc/self/fd/3", p);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->node, ProcNode::kFdLink);
  EXPECT_EQ(out->fd, 3);
  EXPECT_FALSE(parse_proc_path("/proc/self/fd/03", p));
  EXPECT_TRUE(is_proc_path("//proc/x"));
  EXPECT_FALSE(is_proc_path("/procx"));
  EXPECT_FALSE(is_proc_path("proc/self"));
}

}  // namespace
}  // namespace psx
