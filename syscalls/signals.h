// Signal decisions shared by the handlers (kill, tkill, a write's SIGPIPE) and
// the personality (subsystem/personality_signals.cpp).
#pragma once
#include <csignal>

#include "syscalls/operations.h"

namespace psx {
class Personality;
struct SigInfo;

inline bool default_ignores(int sig) {
  return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}
inline bool default_stops(int sig) { return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU; }

// Raise sig on the calling thread (a write's SIGPIPE, raise()). The signal is
// pending; it is delivered or acted on when the call returns. `otherwise` is
// the call's outcome.
Outcome raise_on_self(Personality& p, int sig, Outcome otherwise);
// After the mask changed: let a pending signal that is now unblocked go.
Outcome deliver_unblocked(Personality& p, Outcome otherwise);
// siginfo_t in the ABI's layout.
void encode_siginfo(Abi abi, const SigInfo& si, uint8_t out[128]);

}  // namespace psx
