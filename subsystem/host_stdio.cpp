#include "subsystem/host_stdio.h"

#include <fcntl.h>
#include <unistd.h>

namespace psx {
namespace {
bool g_open[3] = {true, true, true};
}

void record_host_stdio() {
  for (int n = 0; n < 3; n++) {
    g_open[n] = fcntl(n, F_GETFD) >= 0;
    if (g_open[n]) continue;
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0 && fd != n) {
      dup3(fd, n, O_CLOEXEC);
      close(fd);
    }
  }
}

bool host_stdio_open(int n) { return n >= 0 && n < 3 && g_open[n]; }

}  // namespace psx
