// The native guest's trap shim: the SIGSYS handler and the rewritten sites'
// stubs both hand each system call to forward_call, which answers the few
// calls the guest host process can answer itself and sends the rest as a raw
// frame over the channel, then performs the completion's action. Everything
// reachable from a trap is freestanding (built with PSX_SHIM_FLAGS plus
// -mgeneral-regs-only): the guest owns %fs, so no libc, no TLS, no stack
// protector; and no SSE, so a stub need not save the guest's vector registers.
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
// Called by psx_stub_entry on the shim's stack; args: rdi rsi rdx r10 r8 r9.
long psx_stub_syscall(long nr, const uint64_t* args);
}

namespace psx::shim {

// The host vDSO's clock functions (they use no TLS and no vector registers:
// checked on the kernels psx runs on; see docs in shim_calls.cpp).
struct VdsoClock {
  int (*clock_gettime)(int clk, void* ts) = nullptr;
  long (*time)(long* t) = nullptr;
};

// Per-thread block reached through %gs (set with ARCH_SET_GS): musl does not
// use %gs, and the stub cannot touch %fs. Field offsets are used by stub_entry.S.
struct ThreadBlock {
  uint64_t stack_top;  // %gs:0 — the shim stack for calls from rewritten sites
};

// The shim's state. One guest thread per guest host process for now; threads
// (issue 5) move the per-thread parts into ThreadBlock.
struct State {
  psx::ChannelShared* channel;
  int doorbell_fd;
  int memory_fd;
  uint32_t tid;
  uint32_t next_tag;
  volatile uint8_t selector;  // Syscall User Dispatch selector byte
  const Identity* identity;   // the personality's page (read only), or null
  Counters* counters;         // or null
  VdsoClock vdso;
  GuestMap map;
  ThreadBlock thread;
};
extern State g_state;

enum class Road : uint8_t { kSud, kRewritten };

extern "C" void psx_sigsys_handler(int sig, void* info, void* ucontext);
// One system call of the guest: answered here or by the kernel host.
long forward_call(long nr, const uint64_t* args, Road road);
// Carries out a completion's action; returns only if the guest goes on.
void perform_action(const psx::Completion& c);
[[noreturn]] void die(const char* msg);

}  // namespace psx::shim
