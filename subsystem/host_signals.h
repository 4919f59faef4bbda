// Signals sent to psx itself (Ctrl-C, kill) become host events: psx sends
// them, as guest signals, to the foreground process group (through proc), and
// psx ends when the guests do, the way the first one did.
#pragma once
#include "kernelprocs/kernel.h"
#include "subsystem/launcher.h"

namespace psx {

class HostSignals : public KernelProcess {
 public:
  static constexpr Address kAddress{0, kSubsystem, 0xffffffffu};
  HostSignals(Kernel& k, Subsystem& s);
  // Blocks the forwarded signals in the calling thread, so that every thread
  // started after it (the storage process's worker) has them blocked too and
  // they reach only the signalfd. Call before any thread starts.
  static void block();
  ~HostSignals() override;
  void on_message(Kernel& k, const Message& m) override;
  const char* name() const override { return "host-signals"; }

 private:
  void arm();
  Kernel& kernel_;
  int fd_ = -1;
};

}  // namespace psx
