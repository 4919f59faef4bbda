// The host's stdin, stdout and stderr as psx found them at start-up.
#pragma once

namespace psx {
// Call first thing in main(): notes which of fds 0-2 are open, and occupies
// closed ones with /dev/null (close-on-exec) so later opens cannot reuse them.
void record_host_stdio();
// Whether host fd n (0-2) was open when psx started.
bool host_stdio_open(int n);
}  // namespace psx
