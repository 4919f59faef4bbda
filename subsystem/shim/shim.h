// The native guest's trap shim: the SIGSYS handler that forwards each trapped
// system call as a raw frame over the channel and performs the completion's
// action. Everything reachable from the handler is freestanding (built with
// PSX_SHIM_FLAGS): the guest owns %fs, so no libc, no TLS, no stack protector.
#pragma once
#include <stdint.h>

#include "kernelprocs/channel_layout.h"

extern "C" {
long psx_raw_syscall(long nr, long a, long b, long c, long d, long e, long f);
void psx_sigreturn_restorer();
[[noreturn]] void psx_enter_guest(uint64_t entry, uint64_t sp, volatile uint8_t* selector);
extern char psx_sud_allowed_start[], psx_sud_allowed_end[];
}

namespace psx::shim {

// The shim's state. One guest thread per guest host process for now; threads
// (issue 5) move this behind %gs.
struct State {
  psx::ChannelShared* channel;
  int doorbell_fd;
  int memory_fd;
  uint32_t tid;
  uint32_t next_tag;
  volatile uint8_t selector;  // Syscall User Dispatch selector byte
};
extern State g_state;

extern "C" void psx_sigsys_handler(int sig, void* info, void* ucontext);
// Carries out a completion's action; returns only if the guest goes on.
void perform_action(const psx::Completion& c);

}  // namespace psx::shim
