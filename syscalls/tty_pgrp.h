// tcgetpgrp/tcsetpgrp/TIOCGSID on a console descriptor (syscalls/sys_pgrp.cpp):
// the foreground group and the session are proc's; the console says whether
// its host fd is a terminal at all.
#pragma once
#include "subsystem/personality.h"

namespace psx {

// ioctl TIOCGPGRP, TIOCSPGRP or TIOCGSID (c.u(1)) on f, a console object.
Outcome tty_pgrp_ioctl(Personality& p, Call& c, const OpenFile& f);

}  // namespace psx
