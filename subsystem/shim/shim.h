// The native guest's trap shim: the SIGSYS handler and the rewritten sites'
// stubs both hand each system call to the shim, which answers the few calls
// the guest host process can answer itself and sends the rest as a raw frame
// over the thread's channel, then performs the completion's action. Everything
// reachable from a trap is freestanding (built with PSX_SHIM_FLAGS plus
// -mgeneral-regs-only): the guest owns %fs, so no libc, no TLS, no stack
// protector; and no SSE, so a stub need not save the guest's vector registers.
//
// Completions that need the guest's whole register set (fork, a new thread,
// a signal's frame, rt_sigreturn) are carried out on the SIGSYS road, where the
// signal frame holds every register. A rewritten site hands such a call over
// by "bouncing": its stub resumes at psx_bounce_pad, a `syscall` outside the
// allowed range, which traps with the guest's registers (see sud_trap.cpp).
#pragma once
#include <stdint.h>

#include "kernelprocs/channel_layout.h"
#include "subsystem/shim/guest_map.h"
#include "subsystem/shim/shim_layout.h"

extern "C" {
long psx_raw_syscall(long nr, long a, long b, long c, long d, long e, long f);
void psx_sigreturn_restorer();
[[noreturn]] void psx_enter_guest(uint64_t entry, uint64_t sp, volatile uint8_t* selector);
extern char psx_sud_allowed_start[], psx_sud_allowed_end[];
// stub_entry.S: where every stub jumps (rax = number, rcx = resume address).
extern char psx_stub_entry[];
// stub_entry.S: `syscall` outside the allowed range; psx_bounce_pad_end follows it.
extern char psx_bounce_pad[], psx_bounce_pad_end[];
// Called by psx_stub_entry on the shim's stack; args: rdi rsi rdx r10 r8 r9,
// then (read and written) rflags, the resume address, the guest's rsp.
long psx_stub_syscall(long nr, uint64_t* args);
// raw_syscall.S: a new host thread on `stack` that calls psx_thread_start(arg).
long psx_clone_thread(long flags, void* stack, long tls, void* arg);
// raw_syscall.S: load every register from a host ucontext (rt_sigreturn).
[[noreturn]] void psx_enter_context(void* uc);
// raw_syscall.S: unmap [base, base+len) (the thread's own stacks) and end the thread.
[[noreturn]] void psx_thread_exit(uint64_t base, uint64_t len);
[[noreturn]] void psx_thread_start(void* block);
}

namespace psx::shim {

// The host vDSO's clock functions (they use no TLS and no vector registers:
// checked on the kernels psx runs on; see docs in shim_calls.cpp).
struct VdsoClock {
  int (*clock_gettime)(int clk, void* ts) = nullptr;
  long (*time)(long* t) = nullptr;
};

// The x86-64 general registers as a signal frame orders them (REG_R8 … REG_CR2).
inline constexpr int kGregs = 23;

// Per-thread block reached through %gs (set with ARCH_SET_GS): musl does not
// use %gs, and the stub cannot touch %fs. stack_top and self are read by
// assembly at fixed offsets.
struct ThreadBlock {
  uint64_t stack_top;  // %gs:0 — the shim stack for calls from rewritten sites
  ThreadBlock* self;   // %gs:8
  psx::ChannelShared* channel;
  int doorbell_fd, control_fd;
  uint32_t tid, next_tag;
  volatile uint8_t selector;  // Syscall User Dispatch selector byte
  volatile uint8_t in_shim;   // inside the shim: a wake signal leaves it be
  uint8_t bounce;             // kBounceNone / kBounceCall / kBounceCompletion
  long bounce_nr;
  uint64_t bounce_args[6];
  uint64_t bounce_resume;
  psx::Completion bounce_completion;
  uint64_t stack_lo;          // the shim stack's lowest address
  uint64_t area, area_len;    // a thread's own mapping (0 for the first thread)
  uint64_t alt_sp, alt_size;  // its host signal stack
  // A new thread's first registers (its creator's, with rax = 0).
  uint64_t start_gregs[kGregs];
  alignas(64) uint8_t start_fp[512];
};
enum : uint8_t { kBounceNone = 0, kBounceCall = 1, kBounceCompletion = 2 };
// The number a bounce traps with (not a Linux system call).
inline constexpr long kBounceNr = 0x7073781;

// The shim's process-wide state.
struct State {
  int memory_fd;
  int32_t kernel_host;        // the kernel host's host pid (a fork child's parent)
  const Identity* identity;   // the personality's page (read only), or null
  Counters* counters;         // or null
  VdsoClock vdso;
  GuestMap map;
  ThreadBlock main_thread;
};
extern State g_state;

inline ThreadBlock* current() {
  ThreadBlock* tb;
  asm volatile("mov %%gs:8, %0" : "=r"(tb));
  return tb;
}

enum class Road : uint8_t { kSud, kRewritten };

extern "C" void psx_sigsys_handler(int sig, void* info, void* ucontext);
extern "C" void psx_wake_handler(int sig, void* info, void* ucontext);
extern "C" void psx_fault_handler(int sig, void* info, void* ucontext);
// Answered here, or sent to the kernel host (the completion is returned).
psx::Completion call(ThreadBlock* tb, long nr, const uint64_t* args, Road road);
// sigaltstack's answer with SS_ONSTACK set when sp lies on the stack it names.
void mark_on_alt_stack(long nr, const uint64_t* args, const psx::Completion& c, uint64_t sp);
// Sends a frame of the guest host process's own (kFramePsx).
psx::Completion psx_call(ThreadBlock* tb, int32_t what, uint64_t a0 = 0);
// Carries out a completion's action that needs no registers; returns only if the guest goes on.
void perform_action(ThreadBlock* tb, const psx::Completion& c);
// Carries out a completion with the guest's registers at hand (a host
// ucontext): fork, a new thread, a signal; sets the result register unless
// keep_rax (a signal for a thread that was not in a call).
void finish_with_registers(ThreadBlock* tb, const psx::Completion& c, void* uc, long nr, bool keep_rax = false);
// One call with the registers at hand (the SIGSYS road).
void call_with_registers(ThreadBlock* tb, long nr, const uint64_t* args, void* uc);
// Arms Syscall User Dispatch for the calling thread.
bool arm_dispatch(ThreadBlock* tb);
[[noreturn]] void die(const char* msg);
long sys(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0);

}  // namespace psx::shim
