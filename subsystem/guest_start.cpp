#include "subsystem/guest_start.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "subsystem/shim/native_guest.h"
#ifdef PSX_HAVE_EMULATOR
#include "subsystem/emulated_guest.h"
#endif

namespace psx {

void start_guest_host_process(const GuestStart& gs) {
  // Die with the kernel host: a guest must not outlive the one who serves it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != gs.kernel_host) _exit(127);
  // psx blocks and ignores some signals for itself; the guest host process starts clean.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
  // Own process group: terminal signals reach psx, which forwards them.
  setpgid(0, 0);
  // Keep only the four fds it needs (renumbered 3, 4, 5, 6) and stderr.
  int fds[4] = {gs.memory_fd, gs.channel_fd, gs.doorbell_fd, gs.control_fd};
  int moved[4];
  for (int i = 0; i < 4; i++) moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 100);
  for (int i = 0; i < 4; i++) dup3(moved[i], 3 + i, O_CLOEXEC);
  syscall(SYS_close_range, 7, ~0u, 0);
  if (gs.boot.abi == Abi::kLinuxX86_64) run_native_guest(gs.boot, 3, 4, 5, 6, gs.tid, gs.shim);
#ifdef PSX_HAVE_EMULATOR
  if (gs.boot.abi == Abi::kLinuxRiscv32) run_emulated_guest(gs.boot, 3, 4, 5, 6, gs.tid, gs.identity_off);
#endif
  fprintf(stderr, "psx: this build cannot run %s programs\n",
          gs.boot.abi == Abi::kLinuxRiscv32 ? "riscv32" : "these");
  _exit(127);
}

}  // namespace psx
