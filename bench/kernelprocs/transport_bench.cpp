// The transport alone: a message round trip between two kernel processes in
// the event kernel, and a frame round trip across the channel to another host
// process, spinning and sleeping — with the host's own getppid in the same
// run as the reference.
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernelprocs/channel.h"
#include "kernelprocs/channel_guest.h"
#include "kernelprocs/kernel.h"

namespace psx {
namespace {

long host_syscall(long nr, long a, long b, long c, long d, long e, long f) { return syscall(nr, a, b, c, d, e, f); }

void BM_HostGetppid(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(syscall(SYS_getppid));
}
BENCHMARK(BM_HostGetppid);

// Two kernel processes that bounce one message back and forth.
struct Pinger : KernelProcess {
  Address self, peer;
  uint64_t left = 0;
  void on_message(Kernel& k, const Message& m) override {
    if (left == 0) {
      k.stop();
      return;
    }
    left--;
    Message n = m;
    n.dst = peer;
    n.src = self;
    k.send(n);
  }
  const char* name() const override { return "pinger"; }
};

void BM_KernelMessageRoundTrip(benchmark::State& state) {
  Kernel k;
  Pinger a, b;
  a.self = b.peer = Address{0, kTestProcess, 1};
  a.peer = b.self = Address{0, kTestProcess, 2};
  k.attach(a.self, &a);
  k.attach(b.self, &b);
  const uint64_t batch = 100000;
  for (auto _ : state) {
    a.left = b.left = batch;
    Message m;
    m.dst = a.self;
    m.src = b.self;
    k.send(m);
    k.run();
    k.stop();  // reset for the next batch
    while (k.run_once(false)) {
    }
  }
  // Each batch is `batch` round trips (2 messages each, both directions).
  state.SetItemsProcessed(int64_t(state.iterations() * batch));
  state.counters["ns_per_round_trip"] =
      benchmark::Counter(double(state.iterations() * batch), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_KernelMessageRoundTrip)->Unit(benchmark::kMillisecond);

// The kernel host side of the channel benchmark: answers every frame at once.
struct Answer : KernelProcess {
  Channel* ch = nullptr;
  void on_message(Kernel&, const Message& m) override {
    Completion c{};
    c.tag = ch->frame(uint32_t(m.arg[0])).tag;
    c.result = 1;
    ch->complete(c);
  }
  const char* name() const override { return "answer"; }
};

// state.range(0): 1 = both sides spin, 0 = both sides sleep between calls.
void BM_ChannelRoundTrip(benchmark::State& state) {
  bool spin = state.range(0) == 1;
  auto ch = Channel::create();
  if (!ch) {
    state.SkipWithError("channel");
    return;
  }
  pid_t parent = getpid();
  pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    Kernel k;
    k.set_spin_ns(spin ? 1'000'000'000'000ull : 0);
    Answer a;
    a.ch = ch->get();
    k.attach(Address{0, kTestProcess, 1}, &a);
    (*ch)->set_owner(Address{0, kTestProcess, 1});
    (*ch)->attach(k);
    k.run();
    _exit(0);
  }
  ChannelShared* sh = (*ch)->shared();
  Frame f{};
  uint32_t tag = 0;
  for (auto _ : state) {
    f.tag = ++tag;
    Completion c = channel_call(sh, (*ch)->doorbell_fd(), f, host_syscall, spin ? kGuestSpinTicks : 0);
    benchmark::DoNotOptimize(c.result);
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  state.SetLabel(spin ? "spinning" : "sleeping");
}
BENCHMARK(BM_ChannelRoundTrip)->Arg(1)->Arg(0)->ArgName("spin")->UseRealTime();

}  // namespace
}  // namespace psx

BENCHMARK_MAIN();
