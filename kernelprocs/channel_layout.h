// The channel between a guest host process and the kernel host: two
// single-producer single-consumer rings in a shared memory object.
//   submission ring: raw syscall frames, guest -> kernel host
//   completion ring: results (and actions), kernel host -> guest
// Slots are 64 bytes and are not messages: a frame is the guest's raw call.
// This header is included by the freestanding trap shim: no libc, no TLS.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace psx {

enum class Abi : uint16_t { kNone = 0, kLinuxX86_64 = 1, kLinuxRiscv32 = 2 };

// Frame::flags bits.
enum FrameFlags : uint16_t {
  // Not a system call: a CPU fault the guest took (the emulator reports them).
  // nr = signal (SIGILL, SIGSEGV, SIGBUS, SIGTRAP), args[0] = fault address,
  // args[1] = pc, args[2] = si_code. The personality decides what happens.
  kFrameFault = 1,
  // Not a guest call: the guest host process speaks for itself; nr is a PsxCall.
  kFramePsx = 2,
};

// What a kFramePsx frame asks.
enum PsxCall : int32_t {
  // The first frame of a forked child, on its new channel: answered once the
  // kernel host has copied the parent's memory into the child's memory object
  // (until then the child touches no guest memory). The child then maps the
  // new object in place of the old (subsystem/fork_remap).
  kPsxForkChild = 1,
  // The parent after its host clone: args[0] = the child's host pid, or
  // -errno if the clone failed. Answered with the guest result of fork.
  kPsxForkDone = 2,
  // A thread interrupted in its own code (by kWakeSignal) asks whether a
  // signal is to be delivered: answered with Action::kSignal, or kNone.
  kPsxSignalCheck = 3,
};

// The host signal the kernel host sends a guest host thread that runs its own
// code when a guest signal is to be delivered to it (SIGRTMAX-1 on the host).
inline constexpr int kWakeSignal = 63;

// A raw system call as the guest made it.
struct alignas(64) Frame {
  uint32_t tag;       // matches the completion
  Abi abi;
  uint16_t flags;     // FrameFlags
  int32_t nr;         // the ABI's syscall number
  uint32_t tid;       // guest thread id that made the call
  uint64_t args[6];   // rdi rsi rdx r10 r8 r9 (x86-64); a0..a5 (riscv32)
};
static_assert(sizeof(Frame) == 64, "a frame is one cache line");

// What the guest host process must do itself, in its own address space,
// before it hands `result` to the guest. Only it can change its mappings.
enum class Action : uint16_t {
  kNone = 0,
  kMap,       // a: va, len, memory-object offset, prot, kMapFlag*
  kUnmap,     // a: va, len
  kProtect,   // a: va, len, prot
  kSetThreadPointer,  // a: value (x86-64: %fs base; riscv32: tp)
  kExit,      // a: exit status (the guest host process ends, status & 0xff)
  kKillSelf,  // a: signal number (the guest host process ends by this signal)
  // mremap's move, as one step: a: old va, old len, new va, new len,
  // memory-object offset of the new range's first byte, prot. Maps the object
  // at the new range (MAP_FIXED: replaces what is there), then unmaps the
  // parts of the old range the new one does not cover. The kernel host has
  // already put the bytes at those offsets (the old ones when it could).
  kRemap,
  // fork: a[0] = the child's guest pid, a[1] = the child's stack pointer (0:
  // the parent's), a[2] & 1: the child shares the parent's memory object (vfork:
  // it maps nothing anew and answers no identity call itself, the identity
  // page being the parent's). Four descriptors arrive on the
  // thread's control socket first (SCM_RIGHTS, in this order): the child's
  // memory object, channel object, doorbell and control socket. The guest host
  // process clones itself (CLONE_PARENT, so the kernel host is the parent),
  // then the parent sends kPsxForkDone and the child kPsxForkChild.
  kFork,
  // A new thread (clone with CLONE_VM|CLONE_THREAD): a[0] = its tid,
  // a[1] = its stack pointer (0: the caller's), a[2] = thread pointer
  // (if a[3] & 1: CLONE_SETTLS). Three descriptors arrive on the control
  // socket first: the thread's channel object, doorbell and control socket.
  // The new thread starts with the caller's registers, result 0.
  kCloneThread,
  // Deliver a signal: a[0] = signal number. ChannelShared::signal says how
  // (handler, flags, mask to save, alternate stack, siginfo, restart).
  // `result` is the interrupted call's result, saved in the frame.
  kSignal,
  // This thread ends (the host thread exits; the process goes on).
  kExitThread,
};

// The handler of a delivered signal and what the frame must record, written
// by the kernel host before a completion with Action::kSignal.
struct SignalDelivery {
  uint64_t handler, flags, restorer;
  uint64_t saved_mask;  // the mask to restore at rt_sigreturn (uc_sigmask)
  uint64_t ss_sp, ss_size;  // the thread's alternate stack (ss_size 0: none)
  uint32_t ss_flags;
  // 1: the interrupted call is to be made again after the handler returns
  // (SA_RESTART): the guest host process re-issues it at rt_sigreturn.
  uint32_t restart;
  uint8_t siginfo[128];  // the ABI's siginfo_t, filled in by the kernel host
};
enum : uint64_t { kMapReplace = 1 };  // MAP_FIXED semantics: replace what is there

struct alignas(64) Completion {
  uint32_t tag;
  Action action;
  uint16_t flags;
  int64_t result;     // -errno on failure, as Linux returns it
  uint64_t a[6];      // action arguments
};
static_assert(sizeof(Completion) == 64, "a completion is one cache line");

inline constexpr uint32_t kRingSlots = 16;  // power of two
inline constexpr uint32_t kChannelMagic = 0x70737863;  // "psxc"

// The shared control block. Each counter sits on its own cache line so the
// two sides never write the same line.
struct ChannelShared {
  uint32_t magic;
  uint32_t version;
  alignas(64) uint32_t sq_tail;          // written by the guest
  alignas(64) uint32_t sq_head;          // written by the kernel host
  alignas(64) uint32_t cq_tail;          // written by the kernel host; futex word
  alignas(64) uint32_t cq_head;          // written by the guest
  alignas(64) uint32_t kernel_sleeping;  // 1: kernel host sleeps, ring the doorbell
  alignas(64) uint32_t guest_waiting;    // 1: guest sleeps on the cq_tail futex
  // The host thread id of the guest thread using this channel (written by the
  // guest host process when it starts using it): where kWakeSignal goes.
  alignas(64) int32_t host_tid;
  alignas(64) Frame sq[kRingSlots];
  Completion cq[kRingSlots];
  SignalDelivery signal;  // valid while a kSignal completion is outstanding
};
static_assert(offsetof(ChannelShared, sq) % 64 == 0);

// Atomics used by both sides (GCC/Clang builtins work freestanding).
inline uint32_t load_acquire(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline void store_release(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
inline uint32_t load_seq(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
inline void store_seq(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
inline void cpu_relax() { __builtin_ia32_pause(); }

}  // namespace psx
