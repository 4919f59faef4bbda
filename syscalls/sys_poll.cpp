// poll, ppoll (ppoll_time64), select, pselect6 (pselect6_time64): one
// engine. Store files, directories and /dev devices are always ready (Linux's
// DEFAULT_POLLMASK for files without a poll method); console objects (the
// host's stdin, stdout, stderr) are asked of the console kernel process in one
// message, pipes and FIFOs of the pipe process in another (an array of slots
// in the thread's scratch buffer). With only one of them to ask, that message
// also parks until something is ready; with both, they are asked in turn, then
// both wait under one tag and whichever answers first makes the call look
// again. A finite timeout is a timer whose message carries the same tag. The
// ppoll/pselect6 signal mask is in force during the wait. Partial: at most as
// many pipe descriptors per call as the scratch buffer has slots (ENOMEM).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include <cstring>
#include <vector>

#include "kernelprocs/console.h"
#include "kernelprocs/pipe.h"
#include "subsystem/personality.h"
#include "syscalls/abi_structs.h"

namespace psx {
namespace {

constexpr uint16_t kDefaultMask = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
// select's sets in poll terms (fs/select.c).
constexpr uint16_t kInSet = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
constexpr uint16_t kOutSet = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
constexpr uint16_t kExSet = POLLPRI;

// Call scratch: st[0] = flavour | flags, st[1] = timer id, st[2] = deadline
// (CLOCK_MONOTONIC ns; 0: none), st[3] = address of the guest's timeout to
// write back, st[4] = select's clamped nfds, st[5] = the signal mask to restore.
enum : uint64_t {
  kPoll = 0, kSelect = 1,
  kConsoleWait = 1 << 4,    // a waiting kConsolePoll is outstanding under c.wait_tag
  kMaskSwapped = 1 << 5,    // st[5] holds the mask to restore
  kBackTimeval = 1 << 6,    // the write-back is a struct timeval (select), else a timespec
  kMayWait = 1 << 7,        // the timeout was not zero and has not run out
  kPipesWait = 1 << 8,      // a waiting kPipePoll is outstanding under c.wait_tag
  kPipesAnswered = 1 << 9,  // the scratch array holds the pipe process's revents of this look
};

struct Entry {
  int fd;
  uint16_t events;
  uint16_t revents;
};

bool console_fd(const OpenFile& f) { return f.owner == Console::kAddress && f.object < kConsolePollFds; }

uint8_t pipe_ends(const OpenFile& f) {
  switch (f.status_flags & O_ACCMODE) {
    case O_RDONLY: return kPipeReadEnd;
    case O_WRONLY: return kPipeWriteEnd;
    default: return kPipeReadEnd | kPipeWriteEnd;
  }
}

// What one look at the entries needs from others.
struct Look {
  uint64_t console = 0;  // kConsolePoll's events, packed
  uint32_t pipes = 0;    // PipePollEntry slots in the scratch buffer, in entry order
  bool too_many = false;  // more pipes than the scratch buffer holds
};

// One pass over the entries: fills the revents of those that need nobody and
// lists what to ask (the console's events, the pipes' slots). Asking, it
// writes the pipe slots; with answers (the console's packed revents, and the
// pipe process's revents in the slots if pipes_answered) it reads them.
// Returns how many entries are ready.
int evaluate(Personality& p, std::vector<Entry>& es, Look& look, const uint64_t* console, bool pipes_answered,
             bool asking) {
  int ready = 0;
  look = Look{};
  for (Entry& e : es) {
    e.revents = 0;
    if (e.fd < 0) continue;
    FdEntry* fe = p.fd(e.fd);
    const OpenFile* f = fe ? fe->file.get() : nullptr;
    if (!f) {
      e.revents = POLLNVAL;
    } else if (console_fd(*f)) {
      uint64_t shift = 16 * f->object;
      look.console |= uint64_t(e.events | POLLERR | POLLHUP | kPollAsked) << shift;
      if (console) e.revents = uint16_t(*console >> shift) & (e.events | POLLERR | POLLHUP | POLLNVAL);
    } else if (f->kind == FileKind::kPipe) {
      uint32_t at = look.pipes++ * sizeof(PipePollEntry);
      if (!p.kernel().map_buf(p.scratch_buf(at + sizeof(PipePollEntry)), true)) {
        look.too_many = true;
        return ready;
      }
      PipePollEntry slot;
      if (asking) {
        slot.pipe = uint32_t(f->object);
        slot.seen = uint32_t(f->offset);  // a FIFO's: the writer opens it saw (sys_pipe.cpp)
        slot.events = e.events | POLLERR | POLLHUP;
        slot.ends = pipe_ends(*f);
        memcpy(p.scratch() + at, &slot, sizeof slot);
      } else if (pipes_answered) {
        memcpy(&slot, p.scratch() + at, sizeof slot);
        if (slot.pipe == f->object) e.revents = slot.revents & (e.events | POLLERR | POLLHUP | POLLNVAL);
      }
    } else {
      e.revents = kDefaultMask & (e.events | POLLERR | POLLHUP);
    }
    if (e.revents) ready++;
  }
  return ready;
}

// ---- the two front ends: poll's array, select's bitmaps ----

SysResult<std::vector<Entry>> read_pollfds(Personality& p, uint64_t addr, uint64_t n) {
  std::vector<Entry> es;
  if (n == 0) return es;
  auto h = p.mem().translate(addr, n * 8, false);
  if (!h) return fail(EFAULT);
  es.resize(n);
  for (uint64_t i = 0; i < n; i++) {
    int32_t fd;
    int16_t ev;
    memcpy(&fd, *h + 8 * i, 4);
    memcpy(&ev, *h + 8 * i + 4, 2);
    es[i] = Entry{fd, uint16_t(ev), 0};
  }
  return es;
}

uint64_t set_bytes(const Call& c, uint64_t n) {
  uint64_t bits = c.wide() ? 64 : 32;
  return (n + bits - 1) / bits * (bits / 8);
}

bool bit(const uint8_t* set, uint64_t i) { return set && (set[i / 8] >> (i % 8)) & 1; }

// select's sets as entries (fd i asked for the events of the sets it is in);
// EBADF for a closed descriptor in any set, as Linux's max_select_fd.
SysResult<std::vector<Entry>> read_sets(Personality& p, const Call& c, uint64_t n) {
  std::vector<Entry> es;
  uint64_t bytes = set_bytes(c, n);
  const uint8_t* sets[3] = {};
  for (int k = 0; k < 3; k++) {
    if (!c.ptr(1 + k) || !n) continue;
    auto h = p.mem().translate(c.ptr(1 + k), bytes, false);
    if (!h) return fail(EFAULT);
    sets[k] = *h;
  }
  for (uint64_t i = 0; i < n; i++) {
    uint16_t ev = (bit(sets[0], i) ? kInSet : 0) | (bit(sets[1], i) ? kOutSet : 0) | (bit(sets[2], i) ? kExSet : 0);
    if (!ev) continue;
    if (!p.fd(int(i))) return fail(EBADF);
    es.push_back(Entry{int(i), ev, 0});
  }
  return es;
}

SysResult<std::vector<Entry>> gather(Personality& p, const Call& c) {
  if ((c.st[0] & 0xf) == kPoll) return read_pollfds(p, c.ptr(0), c.u(1));
  return read_sets(p, c, c.st[4]);
}

// Writes the results where the guest wants them; returns the call's result.
int64_t deliver(Personality& p, const Call& c, const std::vector<Entry>& es) {
  if ((c.st[0] & 0xf) == kPoll) {
    if (es.empty()) return 0;
    auto h = p.mem().translate(c.ptr(0), es.size() * 8, true);
    if (!h) return -EFAULT;
    int64_t n = 0;
    for (size_t i = 0; i < es.size(); i++) {
      int16_t r = int16_t(es[i].revents);
      memcpy(*h + 8 * i + 6, &r, 2);
      if (r) n++;
    }
    return n;
  }
  uint64_t nfds = c.st[4], bytes = set_bytes(c, nfds);
  int64_t n = 0;
  for (int k = 0; k < 3; k++) {
    if (!c.ptr(1 + k) || !nfds) continue;
    auto h = p.mem().translate(c.ptr(1 + k), bytes, true);
    if (!h) return -EFAULT;
    uint16_t want = k == 0 ? kInSet : k == 1 ? kOutSet : kExSet;
    std::vector<uint8_t> out(bytes, 0);
    for (const Entry& e : es) {
      if (!(e.events & want) || !(e.revents & want)) continue;
      out[size_t(e.fd) / 8] |= uint8_t(1u << (e.fd % 8));
      n++;
    }
    memcpy(*h, out.data(), bytes);
  }
  return n;
}

// Linux writes the time left back into a non-zero timeout, also on errors.
void write_back_time(Personality& p, const Call& c) {
  if (!c.st[3]) return;
  uint64_t now = Kernel::now_ns(), left = c.st[2] > now ? c.st[2] - now : 0;
  int64_t out[2] = {int64_t(left / 1'000'000'000), int64_t(left % 1'000'000'000)};
  if (c.st[0] & kBackTimeval) out[1] /= 1000;
  // struct timeval is two longs (select is x86-64 only); timespecs are 64-bit on both ABIs.
  if (auto h = p.mem().translate(c.st[3], 16, true)) memcpy(*h, out, 16);
}

// A failure once the timeout was read: the old mask back, the time written back.
Outcome failed(Personality& p, Call& c, int e) {
  if (c.st[0] & kMaskSwapped) p.thread().sigmask = c.st[5];
  write_back_time(p, c);
  return Outcome::error(e);
}

// The end of the call: the results, the remaining time, the old signal mask.
Outcome finish(Personality& p, Call& c, const std::vector<Entry>& es) {
  int64_t r = deliver(p, c, es);
  if (c.st[0] & kMaskSwapped) p.thread().sigmask = c.st[5];
  write_back_time(p, c);
  return Outcome::done(r);
}

// ---- the engine: look (asking the pipe process, then the console), and if
// nothing is ready and the call may wait, wait for whichever answers first ----

Outcome look_again(Personality& p, Call& c);
Outcome pipes_answered(Personality& p, Call& c, const Message& reply);
Outcome console_answered(Personality& p, Call& c, const Message& reply);
Outcome woken(Personality& p, Call& c, const Message& reply);

// The timer's message answers the call's tag, as the owners' replies do.
void arm_timer(Personality& p, Call& c) {
  if (!c.st[2]) return;
  Message m;
  m.dst = p.address();
  m.src = p.address();
  m.flags = kMsgReply;
  m.tag = c.wait_tag;
  c.st[1] = p.kernel().add_timer(c.st[2], m);
}

// Whatever still waits for this call stops: the timer, a parked console or
// pipe poll, except the one that just answered.
void stop_waiting(Personality& p, Call& c, Address answered = {}) {
  if (c.st[1]) p.kernel().cancel_timer(c.st[1]);
  c.st[1] = 0;
  if (answered == Console::kAddress) c.st[0] &= ~kConsoleWait;
  if (answered == PipeProcess::kAddress) c.st[0] &= ~kPipesWait;
  Message cancel;
  cancel.src = p.address();
  cancel.arg[0] = c.wait_tag;
  if (c.st[0] & kConsoleWait) {
    cancel.dst = Console::kAddress;
    cancel.op = kConsolePollCancel;
    p.kernel().send(cancel);
  }
  if (c.st[0] & kPipesWait) {
    cancel.dst = PipeProcess::kAddress;
    cancel.op = kOpCancel;
    p.kernel().send(cancel);
  }
  c.st[0] &= ~(kConsoleWait | kPipesWait);
}

// Common to every answer: a signal ends the call; the timer makes the next
// look the last. Returns true if the call ends (*out).
bool settle(Personality& p, Call& c, const Message& reply, Outcome* out) {
  if (c.interrupted && reply.arg[0] == -EINTR) {
    stop_waiting(p, c);
    *out = failed(p, c, EINTR);
    return true;
  }
  if (reply.src == p.address()) {  // the timer: nothing became ready in time
    c.st[1] = 0;
    c.st[0] &= ~kMayWait;
    stop_waiting(p, c);
    *out = look_again(p, c);
    return true;
  }
  return false;
}

Outcome ask_console(Personality& p, Call& c, uint64_t events, bool wait) {
  Outcome o = p.request(c, Console::kAddress, kConsolePoll, BufRef{}, console_answered, int64_t(events), wait);
  if (wait) {
    c.st[0] |= kConsoleWait;
    arm_timer(p, c);
  }
  return o;
}

Outcome look_again(Personality& p, Call& c) {
  c.st[0] &= ~kPipesAnswered;
  auto es = gather(p, c);
  if (!es) return failed(p, c, es.error().value);
  Look look;
  int ready = evaluate(p, *es, look, nullptr, false, true);
  if (look.too_many) return failed(p, c, ENOMEM);
  if ((c.st[0] & kMayWait) && c.st[2] && Kernel::now_ns() >= c.st[2]) c.st[0] &= ~kMayWait;
  bool wait = (c.st[0] & kMayWait) && ready == 0;
  if (look.pipes) {
    // Only pipes to wait for: one message asks and waits.
    bool alone = wait && !look.console;
    Outcome o = p.request(c, PipeProcess::kAddress, kPipePoll, p.scratch_buf(look.pipes * sizeof(PipePollEntry)),
                          pipes_answered, 0, alone);
    if (alone) {
      c.st[0] |= kPipesWait;
      arm_timer(p, c);
    }
    return o;
  }
  if (look.console) return ask_console(p, c, look.console, wait);
  if (!wait) return finish(p, c, *es);
  Outcome o = p.park(c, woken);  // nothing to ask: until the timer or a signal
  arm_timer(p, c);
  return o;
}

Outcome pipes_answered(Personality& p, Call& c, const Message& reply) {
  Outcome out;
  if (settle(p, c, reply, &out)) return out;
  stop_waiting(p, c, reply.src);
  if (reply.arg[0] < 0) return failed(p, c, int(-reply.arg[0]));
  if (reply.arg[1] == 1) return look_again(p, c);  // it parked, then something changed
  c.st[0] |= kPipesAnswered;
  auto es = gather(p, c);
  if (!es) return failed(p, c, es.error().value);
  Look look;
  evaluate(p, *es, look, nullptr, true, false);
  if (look.console) return ask_console(p, c, look.console, false);
  return finish(p, c, *es);
}

// Both the console and pipes, nothing ready: wait on both under one tag.
Outcome wait_both(Personality& p, Call& c, const Look& look) {
  Outcome o = p.park(c, woken);
  Message m;
  m.src = p.address();
  m.tag = c.wait_tag;
  m.arg[1] = 1;
  m.dst = PipeProcess::kAddress;
  m.op = kPipePoll;
  m.buf = p.scratch_buf(look.pipes * sizeof(PipePollEntry));  // the slots of the last look
  p.kernel().send(m);
  m.dst = Console::kAddress;
  m.op = kConsolePoll;
  m.buf = BufRef{};
  m.arg[0] = int64_t(look.console);
  p.kernel().send(m);
  c.st[0] |= kConsoleWait | kPipesWait;
  arm_timer(p, c);
  return o;
}

Outcome console_answered(Personality& p, Call& c, const Message& reply) {
  Outcome out;
  if (settle(p, c, reply, &out)) return out;
  bool waited = c.st[0] & kConsoleWait;
  stop_waiting(p, c, reply.src);
  uint64_t console = uint64_t(reply.arg[0]);
  auto es = gather(p, c);
  if (!es) return failed(p, c, es.error().value);
  Look look;
  int ready = evaluate(p, *es, look, &console, c.st[0] & kPipesAnswered, false);
  if (ready || waited || !(c.st[0] & kMayWait)) return finish(p, c, *es);
  if (c.st[2] && Kernel::now_ns() >= c.st[2]) return finish(p, c, *es);
  return wait_both(p, c, look);
}

// A wait on both (or on nothing) ended: look again.
Outcome woken(Personality& p, Call& c, const Message& reply) {
  Outcome out;
  if (settle(p, c, reply, &out)) return out;
  stop_waiting(p, c, reply.src);
  return look_again(p, c);
}

// timeout_ns: -1 = none (wait as long as it takes), 0 = do not wait.
Outcome run(Personality& p, Call& c, int64_t timeout_ns) {
  c.st[1] = 0;
  if (timeout_ns) c.st[0] |= kMayWait;
  if (timeout_ns > 0 && !c.st[2]) c.st[2] = Kernel::now_ns() + uint64_t(timeout_ns);
  return look_again(p, c);
}

// A timespec timeout (ppoll, pselect6): ns, -1 for NULL; EFAULT, EINVAL.
SysResult<int64_t> read_timeout(Personality& p, Call& c, uint64_t addr, bool timeval) {
  if (!addr) return int64_t(-1);
  auto h = p.mem().translate(addr, 16, false);
  if (!h) return fail(EFAULT);
  int64_t t[2];
  memcpy(t, *h, 16);
  int64_t sec = t[0], nsec = t[1];
  if (timeval) {  // select normalises the microseconds
    sec += t[1] / 1'000'000;
    nsec = (t[1] % 1'000'000) * 1000;
  }
  if (sec < 0 || nsec < 0 || nsec >= 1'000'000'000) return fail(EINVAL);
  const int64_t kMaxSec = INT64_MAX / 1'000'000'000 - 1;
  int64_t ns = sec > kMaxSec ? INT64_MAX / 2 : sec * 1'000'000'000 + nsec;
  if (ns) {
    c.st[2] = Kernel::now_ns() + uint64_t(ns);
    c.st[3] = addr;
    if (timeval) c.st[0] |= kBackTimeval;
  }
  return ns;
}

// ppoll's and pselect6's mask: in force while the call waits.
SysResult<void> swap_mask(Personality& p, Call& c, uint64_t addr, uint64_t size) {
  if (!addr) return {};
  if (size != 8) return fail(EINVAL);
  auto h = p.mem().translate(addr, 8, false);
  if (!h) return fail(EFAULT);
  uint64_t mask;
  memcpy(&mask, *h, 8);
  c.st[5] = p.thread().sigmask;
  c.st[0] |= kMaskSwapped;
  p.thread().sigmask = mask & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
  return {};
}

// select's nfds, clamped to the descriptor table as Linux clamps it to max_fds.
SysResult<uint64_t> select_nfds(Personality& p, int n) {
  if (n < 0) return fail(EINVAL);
  uint64_t table = 64;
  while (table < p.fds.size()) table *= 2;
  return std::min<uint64_t>(uint64_t(n), table);
}

}  // namespace

Outcome sys_poll(Personality& p, Call& c) {
  c.st[0] = kPoll;
  if (c.u(1) > p.nofile_limit) return Outcome::error(EINVAL);
  int ms = c.i(2);
  return run(p, c, ms < 0 ? -1 : int64_t(ms) * 1'000'000);
}

Outcome sys_ppoll(Personality& p, Call& c) {
  c.st[0] = kPoll;
  auto t = read_timeout(p, c, c.ptr(2), false);
  if (!t) return Outcome::error(t.error().value);
  if (auto m = swap_mask(p, c, c.ptr(3), c.ul(4)); !m) return failed(p, c, m.error().value);
  if (c.u(1) > p.nofile_limit) return failed(p, c, EINVAL);
  return run(p, c, *t);
}

Outcome sys_select(Personality& p, Call& c) {
  c.st[0] = kSelect;
  auto t = read_timeout(p, c, c.ptr(4), true);
  if (!t) return Outcome::error(t.error().value);
  auto n = select_nfds(p, c.i(0));
  if (!n) return failed(p, c, n.error().value);
  c.st[4] = *n;
  return run(p, c, *t);
}

Outcome sys_pselect6(Personality& p, Call& c) {
  c.st[0] = kSelect;
  auto t = read_timeout(p, c, c.ptr(4), false);
  if (!t) return Outcome::error(t.error().value);
  if (c.ptr(5)) {
    // { const sigset_t *ss; size_t ss_len; } in the ABI's words.
    uint64_t w = c.wide() ? 8 : 4;
    auto h = p.mem().translate(c.ptr(5), 2 * w, false);
    if (!h) return failed(p, c, EFAULT);
    uint64_t ss = 0, len = 0;
    memcpy(&ss, *h, w);
    memcpy(&len, *h + w, w);
    if (auto m = swap_mask(p, c, ss, len); !m) return failed(p, c, m.error().value);
  }
  auto n = select_nfds(p, c.i(0));
  if (!n) return failed(p, c, n.error().value);
  c.st[4] = *n;
  return run(p, c, *t);
}

}  // namespace psx
