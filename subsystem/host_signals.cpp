#include "subsystem/host_signals.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "kernelprocs/proc.h"

namespace psx {
namespace {
constexpr int kForwarded[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
}

void HostSignals::block() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kForwarded) sigaddset(&set, sig);
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

HostSignals::HostSignals(Kernel& k, Subsystem&) : kernel_(k) {
  block();
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kForwarded) sigaddset(&set, sig);
  fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  k.attach(kAddress, this);
  arm();
}

HostSignals::~HostSignals() {
  kernel_.detach(kAddress);
  if (fd_ >= 0) {
    kernel_.unwatch_fd(fd_);
    close(fd_);
  }
}

void HostSignals::arm() {
  if (fd_ < 0) return;
  Message m;
  m.dst = kAddress;
  m.src = kAddress;
  (void)kernel_.watch_fd(fd_, EPOLLIN, m);
}

void HostSignals::on_message(Kernel&, const Message&) {
  signalfd_siginfo si;
  // A guest signal for the foreground process group (the console's), as a
  // terminal's Ctrl-C reaches its foreground job; proc routes it.
  while (read(fd_, &si, sizeof si) == sizeof si) {
    Message m;
    m.dst = Proc::kAddress;
    m.src = kAddress;
    m.op = kProcTerminalSignal;
    m.arg[0] = int64_t(si.ssi_signo);
    kernel_.send(m);
  }
  arm();
}

}  // namespace psx
