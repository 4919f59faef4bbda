// Signal decisions shared by the handlers (kill, tkill, a write's SIGPIPE).
// Handlers are recorded but not yet run (issue 5): a signal whose action is a
// guest handler stays pending.
#pragma once
#include "syscalls/operations.h"

namespace psx {
class Personality;

// Raise sig on the calling guest. Returns the outcome that carries the
// default action if it ends the process, else `otherwise`.
Outcome raise_on_self(Personality& p, int sig, Outcome otherwise);
// After the mask changed: act on a pending signal that is now unblocked.
Outcome deliver_unblocked(Personality& p, Outcome otherwise);

}  // namespace psx
