// Guest-host side of the channel: submit one frame and wait for its result.
// Freestanding (used by the trap shim, which must not touch %fs): the caller
// supplies the raw system call entry, so no libc is involved.
#pragma once
#include <asm/unistd.h>
#include <linux/futex.h>

#include "kernelprocs/channel_layout.h"

namespace psx {

using RawSyscall = long (*)(long nr, long a, long b, long c, long d, long e, long f);

// The host calls the waiting side makes itself (through the caller's raw entry).
inline constexpr long kSysWrite = __NR_write, kSysSchedYield = __NR_sched_yield, kSysFutex = __NR_futex;
inline constexpr int kFutexWait = FUTEX_WAIT;

// Waiting for the answer, in three phases. A kernel host on the other core
// answers within a few µs: spin (pause) for kGuestPureSpinTicks. After that,
// keep polling but yield the CPU between polls: if the kernel host shares this
// core, it runs at once instead of after our spin budget. After
// kGuestSpinTicks in all, sleep on the futex.
inline constexpr uint64_t kGuestPureSpinTicks = 5'000;  // ~2.5 µs at 2 GHz
inline constexpr uint64_t kGuestSpinTicks = 60'000;     // ~30 µs

inline uint64_t read_tsc() { return __builtin_ia32_rdtsc(); }

inline void channel_submit(ChannelShared* ch, int doorbell, const Frame& f, RawSyscall sys) {
  uint32_t tail = ch->sq_tail;
  ch->sq[tail & (kRingSlots - 1)] = f;
  store_seq(&ch->sq_tail, tail + 1);
  if (load_seq(&ch->kernel_sleeping)) {
    uint64_t one = 1;
    sys(kSysWrite, doorbell, long(&one), sizeof one, 0, 0, 0);
  }
}

inline Completion channel_wait(ChannelShared* ch, RawSyscall sys, uint64_t spin_ticks = kGuestSpinTicks) {
  uint32_t head = ch->cq_head;
  if (load_acquire(&ch->cq_tail) == head) {
    uint64_t start = read_tsc();
    uint64_t pure = spin_ticks < kGuestPureSpinTicks ? spin_ticks : kGuestPureSpinTicks;
    while (load_acquire(&ch->cq_tail) == head && read_tsc() - start < pure) cpu_relax();
    while (load_acquire(&ch->cq_tail) == head && read_tsc() - start < spin_ticks)
      sys(kSysSchedYield, 0, 0, 0, 0, 0, 0);
    while (load_acquire(&ch->cq_tail) == head) {
      store_seq(&ch->guest_waiting, 1);
      if (load_seq(&ch->cq_tail) != head) break;
      // Shared (not PRIVATE) futex: the word is in memory shared with the kernel host.
      sys(kSysFutex, long(&ch->cq_tail), kFutexWait, head, 0, 0, 0);
    }
    store_seq(&ch->guest_waiting, 0);
  }
  Completion c = ch->cq[head & (kRingSlots - 1)];
  store_release(&ch->cq_head, head + 1);
  return c;
}

inline Completion channel_call(ChannelShared* ch, int doorbell, const Frame& f, RawSyscall sys,
                               uint64_t spin_ticks = kGuestSpinTicks) {
  channel_submit(ch, doorbell, f, sys);
  return channel_wait(ch, sys, spin_ticks);
}

}  // namespace psx
