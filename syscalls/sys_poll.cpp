// poll, ppoll (ppoll_time64), select, pselect6 (pselect6_time64): one
// engine. Store files, directories and /dev devices are always ready (Linux's
// DEFAULT_POLLMASK for files without a poll method); console objects (the
// host's stdin, stdout, stderr) are asked of the console kernel process in one
// message, which parks until one is ready when nothing else is. A finite
// timeout is a timer whose message carries the same tag: whichever comes first
// resumes the call and the other is cancelled. Partial: a ppoll/pselect6
// signal mask is checked and in force during the wait, but signals arrive with
// issue 5; FIFOs and pipes of the store count as always ready until then.
#include <poll.h>
#include <signal.h>

#include <cstring>
#include <vector>

#include "kernelprocs/console.h"
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
// (CLOCK_MONOTONIC ns) for the remaining-time write-back, st[3] = address of
// the guest's timeout to write back, st[4] = select's clamped nfds, st[5] =
// the signal mask to restore.
enum : uint64_t {
  kPoll = 0, kSelect = 1,
  kConsoleAsked = 1 << 4,   // a kConsolePoll is outstanding (cancel it on timeout)
  kMaskSwapped = 1 << 5,    // st[5] holds the mask to restore
  kBackTimeval = 1 << 6,    // the write-back is a struct timeval (select), else a timespec
};

struct Entry {
  int fd;
  uint16_t events;
  uint16_t revents;
};

bool console_fd(const OpenFile& f) { return f.owner == Console::kAddress && f.object < kConsolePollFds; }

// Fills revents of entries that need nobody, packs what to ask the console;
// returns how many entries are ready.
int evaluate(Personality& p, std::vector<Entry>& es, uint64_t* asked, const uint64_t* console) {
  int ready = 0;
  if (asked) *asked = 0;
  for (Entry& e : es) {
    e.revents = 0;
    if (e.fd < 0) continue;
    FdEntry* fe = p.fd(e.fd);
    if (!fe) {
      e.revents = POLLNVAL;
    } else if (console_fd(*fe->file)) {
      uint64_t shift = 16 * fe->file->object;
      if (asked) *asked |= uint64_t(e.events | POLLERR | POLLHUP | kPollAsked) << shift;
      if (console) e.revents = uint16_t(*console >> shift) & (e.events | POLLERR | POLLHUP | POLLNVAL);
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
  if (c.st[0] & kMaskSwapped) p.sigmask = c.st[5];
  write_back_time(p, c);
  return Outcome::error(e);
}

// The end of the call: the results, the remaining time, the old signal mask.
Outcome finish(Personality& p, Call& c, const std::vector<Entry>& es) {
  int64_t r = deliver(p, c, es);
  if (c.st[0] & kMaskSwapped) p.sigmask = c.st[5];
  write_back_time(p, c);
  return Outcome::done(r);
}

Outcome resumed(Personality& p, Call& c, const Message& reply) {
  uint64_t console = 0;
  if (reply.src == p.address()) {  // the timer: nothing became ready in time
    if (c.st[0] & kConsoleAsked) {
      Message cancel;
      cancel.dst = Console::kAddress;
      cancel.src = p.address();
      cancel.op = kConsolePollCancel;
      cancel.arg[0] = c.wait_tag;
      p.kernel().send(cancel);
    }
  } else {
    if (c.st[1]) p.kernel().cancel_timer(c.st[1]);
    console = uint64_t(reply.arg[0]);
  }
  auto es = gather(p, c);
  if (!es) return failed(p, c, es.error().value);
  evaluate(p, *es, nullptr, &console);
  return finish(p, c, *es);
}

// timeout_ns: -1 = none (wait as long as it takes).
Outcome run(Personality& p, Call& c, int64_t timeout_ns) {
  auto es = gather(p, c);
  if (!es) return failed(p, c, es.error().value);
  uint64_t asked = 0;
  int ready = evaluate(p, *es, &asked, nullptr);
  bool wait = ready == 0 && timeout_ns != 0;
  c.st[1] = 0;
  if (asked) {
    c.st[0] |= kConsoleAsked;
    Outcome o = p.request(c, Console::kAddress, kConsolePoll, BufRef{}, resumed, int64_t(asked), wait);
    if (!wait || timeout_ns < 0) return o;
    Message m;  // the timer's message answers the same tag
    m.dst = p.address();
    m.src = p.address();
    m.flags = kMsgReply;
    m.tag = c.wait_tag;
    c.st[1] = p.kernel().add_timer(Kernel::now_ns() + uint64_t(timeout_ns), m);
    return o;
  }
  if (!wait) return finish(p, c, *es);
  Outcome o = p.park(c, resumed);
  if (timeout_ns > 0) {
    Message m;
    m.dst = p.address();
    m.src = p.address();
    m.flags = kMsgReply;
    m.tag = c.wait_tag;
    c.st[1] = p.kernel().add_timer(Kernel::now_ns() + uint64_t(timeout_ns), m);
  }
  return o;  // no timeout and nothing to wait for: until a signal (issue 5)
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
  c.st[5] = p.sigmask;
  c.st[0] |= kMaskSwapped;
  p.sigmask = mask & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
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
