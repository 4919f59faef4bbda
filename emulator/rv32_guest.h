// The run loop's state, shared by the hooks (rv32_emulator.cc) and the
// completions that need a stopped engine (rv32_completion.cc). Internal to
// emulator/.
#pragma once
#include <stdint.h>
#include <unicorn/unicorn.h>

#include <optional>
#include <string>

#include "emulator/guest_memory.h"
#include "emulator/rv32_decode.h"
#include "emulator/rv32_emulator.h"
#include "emulator/rv32_sigframe.h"

namespace psx::emu {

struct Fault {
  int signal = 0;
  uint64_t addr = 0;
  uint64_t pc = 0;
  uint64_t code = 0;
};

enum class Stop {
  kNone,       // the block hook saw a wake (or nothing at all)
  kAction,     // `pending` (answering `pending_frame`) needs a stopped engine
  kSigreturn,  // the guest called rt_sigreturn (a7 = 139); no frame sent yet
  kCodeSync,   // drop translations of writable code after a system call
  kFault,      // `fault` is complete
  kDataFault,  // `fault` lacks the pc: the engine reports the block's start
  kError,
};

struct Guest {
  uc_engine* uc = nullptr;
  GuestMemory* mem = nullptr;
  SyscallPort* port = nullptr;
  uint32_t sigreturn_va = 0;  // BootInfo::sigreturn: a handler's return address
  uint32_t next_tag = 1;
  uint32_t resume_pc = 0;     // where the guest goes on when the engine starts again
  Stop stop = Stop::kNone;
  Completion pending{};
  Frame pending_frame{};
  Fault fault;
  std::string error;
  // Wakes (install_wake_handler): the guest installed a signal handler, so
  // the block hook that stops the engine at a wake is due / in place.
  bool want_block_hook = false;
  bool has_block_hook = false;

  uint32_t reg(int r) {
    uint32_t v = 0;
    uc_reg_read(uc, UC_RISCV_REG_X0 + r, &v);
    return v;
  }
  void set_reg(int r, uint32_t v) {
    if (r != 0) uc_reg_write(uc, UC_RISCV_REG_X0 + r, &v);
  }
  uint32_t pc() {
    uint32_t v = 0;
    uc_reg_read(uc, UC_RISCV_REG_PC, &v);
    return v;
  }
  // x1..x31 from the engine, x[0] = resume_pc (the frame's layout).
  Rv32Context context();
  void set_context(const Rv32Context& c);

  std::optional<uint16_t> parcel(uint32_t at) {
    uint16_t v;
    if (uc_mem_read(uc, at, &v, sizeof v) != UC_ERR_OK) return std::nullopt;
    return v;
  }
  std::optional<Rv32Insn> insn_at(uint32_t at);
  void stop_with(Stop s) {
    stop = s;
    uc_emu_stop(uc);
  }
  void fail(std::string message) {
    error = std::move(message);
    stop_with(Stop::kError);
  }
  // A frame with the next tag.
  Frame frame(int32_t nr, uint16_t flags);
  // Sends f and waits; false (with `error` set) if the answer is not f's.
  bool call(const Frame& f, Completion* c);
};

[[noreturn]] void kill_self(int sig);
// Actions that end the process or touch only registers (tp); false if the
// action needs a stopped engine (perform).
bool apply_inline_action(Guest& g, const Completion& c);

// How a completion's result reaches the guest.
enum class Origin {
  kCall,      // it is the guest's call's result: a0 (saved in the frame if a signal comes)
  kNoResult,  // a fault, a signal check, rt_sigreturn: the registers stay as they are
};

// Carries out c with the engine stopped (the guest continues at resume_pc).
// call: the frame c answers (for SA_RESTART and fork's new stack), or null.
std::string perform(Guest& g, Completion c, Origin origin, const Frame* call);
// rt_sigreturn: registers from the frame at sp, then the call for the mask.
std::string signal_return(Guest& g);
// After a wake: kPsxSignalCheck, and what comes back.
std::string signal_check(Guest& g);
// Sends a fault frame and carries out the answer (resume_pc is the fault's pc).
std::string raise_fault(Guest& g, const Fault& f);

// kWakeSignal (emulator/README.md, "Signals"): the handler only notes the
// wake; the engine stops for it at the next block start once the guest has a
// handler (the block hook in rv32_emulator.cc), or at its next stop anyway.
void install_wake_handler();
bool take_wake();           // a wake arrived since the last call (and clears it)
bool wake_pending();
void set_in_call(bool on);  // a round trip to the kernel host is under way

}  // namespace psx::emu
