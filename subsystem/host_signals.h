// Signals sent to psx itself (Ctrl-C, kill) become host events: psx forwards
// them to the guest host processes, so the guest sees them, and psx ends when
// the guest does, the way it did.
#pragma once
#include "kernelprocs/kernel.h"
#include "subsystem/launcher.h"

namespace psx {

class HostSignals : public KernelProcess {
 public:
  static constexpr Address kAddress{0, kSubsystem, 0xffffffffu};
  HostSignals(Kernel& k, Subsystem& s);
  ~HostSignals() override;
  void on_message(Kernel& k, const Message& m) override;
  const char* name() const override { return "host-signals"; }

 private:
  void arm();
  Kernel& kernel_;
  Subsystem& subsystem_;
  int fd_ = -1;
};

}  // namespace psx
