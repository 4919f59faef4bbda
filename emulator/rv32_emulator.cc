// The riscv32 guest host's run loop: Unicorn runs the guest with no
// per-instruction hooks and count = 0 (CONVENTIONS #11); only ECALLs, faults
// and wakes (kWakeSignal) leave translated code. An ECALL is answered inside
// the interrupt hook when its completion needs nothing but registers; one
// that changes mappings, forks or delivers a signal, rt_sigreturn, every
// fault and every wake stop the engine and are handled in the loop
// (rv32_completion.cc). Once the guest installs a signal handler, a block
// hook stops the engine at the next block start after a wake (README.md).
#include "emulator/rv32_emulator.h"

#include <signal.h>
#include <time.h>
#include <unicorn/unicorn.h>

#include "emulator/guest_memory.h"
#include "emulator/rv32_decode.h"
#include "emulator/rv32_guest.h"
#include "syscalls/linux_riscv32_numbers.h"

namespace psx::emu {
namespace {

// RISC-V exception causes Unicorn passes to the interrupt hook.
enum Cause : uint32_t {
  kFetchMisaligned = 0, kFetchAccess = 1, kIllegal = 2, kBreakpoint = 3,
  kLoadMisaligned = 4, kLoadAccess = 5, kStoreMisaligned = 6, kStoreAccess = 7,
  kEcallU = 8, kEcallS = 9, kEcallM = 11,
};
// Unicorn 2.0.1 runs the guest in machine mode and hands the hook every
// exception with the pc already advanced by 4, whatever the instruction's
// length: right for ECALL (resume after it), 4 too far for a fault.
constexpr uint32_t kHookPcSkew = 4;
// PCs are even, so the engine never stops at this `until` address by itself.
constexpr uint64_t kNoUntil = 0xffffffff;

// si_code values (asm-generic siginfo.h), as qemu-riscv32 reports them.
constexpr uint64_t kIllIllopc = 1, kTrapBrkpt = 1, kBusAdraln = 1;
constexpr uint64_t kSegvMaperr = 1, kSegvAccerr = 2;

// rt_sigaction that installed a handler (not SIG_DFL, SIG_IGN): from now on
// a wake must stop the guest wherever it runs, which takes the block hook.
// musl's riscv32 k_sigaction starts with the handler.
bool installs_handler(Guest& g, const Frame& f, const Completion& c) {
  if (f.nr != rv32::kRtSigaction || c.result != 0 || f.args[1] == 0) return false;
  uint32_t handler = 0;
  return g.mem->read(f.args[1], &handler, sizeof handler) && handler > 1;
}

// sigaltstack's old-stack answer says SS_ONSTACK when the thread runs on the
// stack it names; only the thread knows its sp (as the native shim does it).
void mark_on_altstack(Guest& g, const Frame& f, const Completion& c) {
  if (f.nr != rv32::kSigaltstack || c.result != 0 || f.args[1] == 0) return;
  uint32_t ss[3];  // ss_sp, ss_flags, ss_size
  if (!g.mem->read(f.args[1], ss, sizeof ss) || (ss[1] & kSsDisable) || !on_stack(g.reg(2), ss[0], ss[2])) return;
  ss[1] |= kSsOnStack;
  g.mem->write(f.args[1] + 4, &ss[1], 4);
}

void on_ecall(Guest& g) {
  static constexpr int kArgs[6] = {10, 11, 12, 13, 14, 15};  // a0..a5
  int32_t nr = int32_t(g.reg(17));  // a7
  // rt_sigreturn changes every register: the loop reads the frame.
  if (nr == rv32::kRtSigreturn) return g.stop_with(Stop::kSigreturn);
  Frame f = g.frame(nr, 0);
  for (int i = 0; i < 6; ++i) f.args[i] = g.reg(kArgs[i]);
  Completion c;
  if (!g.call(f, &c)) return g.fail(g.error);
  if (!g.has_block_hook && installs_handler(g, f, c)) g.want_block_hook = true;
  mark_on_altstack(g, f, c);
  if (c.action == Action::kNone || c.action == Action::kSetThreadPointer || c.action == Action::kExit ||
      c.action == Action::kKillSelf) {
    g.set_reg(10, uint32_t(c.result));
    apply_inline_action(g, c);
    if (g.mem->has_writable_code() || g.want_block_hook) g.stop_with(Stop::kCodeSync);
    return;
  }
  g.pending = c;
  g.pending_frame = f;
  g.stop_with(Stop::kAction);
}

// rdtime/rdtimeh: Unicorn (machine mode, no timer device) raises an illegal
// instruction where Linux and qemu-riscv32 let user code read the time CSR.
bool emulate_time_csr(Guest& g, const Rv32Insn& i) {
  if (i.kind != Rv32Insn::Kind::kCsr || i.funct3 != 2 || i.rs1 != 0) return false;
  if (i.csr != 0xc01 && i.csr != 0xc81) return false;
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t ticks = (uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec)) / 100;  // 10 MHz
  g.set_reg(i.rd, uint32_t(i.csr == 0xc01 ? ticks : ticks >> 32));
  return true;
}

void on_exception(Guest& g, uint32_t cause) {
  uint32_t pc = g.pc() - kHookPcSkew;
  Fault& f = g.fault;
  f = Fault{};
  f.pc = pc;
  auto insn = g.insn_at(pc);
  switch (cause) {
    case kIllegal:
      if (insn && emulate_time_csr(g, *insn)) return;  // resume after it
      f = {SIGILL, pc, pc, kIllIllopc};
      break;
    case kBreakpoint: f = {SIGTRAP, pc, pc, kTrapBrkpt}; break;
    case kFetchMisaligned: f = {SIGBUS, pc, pc, kBusAdraln}; break;
    case kLoadMisaligned:
    case kStoreMisaligned:  // lr/sc/amo: plain loads and stores may be misaligned
      f = {SIGBUS, 0, pc, kBusAdraln};
      if (insn && insn->kind == Rv32Insn::Kind::kMemory)
        f.addr = g.reg(insn->rs1) + uint32_t(insn->offset);
      break;
    default:
      f = {SIGSEGV, 0, pc, kSegvAccerr};
      if (cause == kFetchAccess) f.addr = pc;
      else if (insn && insn->kind == Rv32Insn::Kind::kMemory)
        f.addr = g.reg(insn->rs1) + uint32_t(insn->offset);
      break;
  }
  g.stop_with(Stop::kFault);
}

void hook_interrupt(uc_engine*, uint32_t cause, void* user) {
  auto& g = *static_cast<Guest*>(user);
  try {
    if (cause == kEcallU || cause == kEcallS || cause == kEcallM) return on_ecall(g);
    on_exception(g, cause);
  } catch (const std::exception& e) {
    g.fail(std::string("exception in the interrupt hook: ") + e.what());
  } catch (...) {
    g.fail("exception in the interrupt hook");
  }
}

// Unicorn 2.0.1 routes ebreak here (its "stop" exception), with an exact pc.
bool hook_invalid_insn(uc_engine*, void* user) {
  auto& g = *static_cast<Guest*>(user);
  uint32_t pc = g.pc();
  auto insn = g.insn_at(pc);
  if (insn && insn->kind == Rv32Insn::Kind::kEbreak) g.fault = {SIGTRAP, pc, pc, kTrapBrkpt};
  else g.fault = {SIGILL, pc, pc, kIllIllopc};
  g.stop = Stop::kFault;
  return false;  // stop the engine
}

bool hook_bad_access(uc_engine*, uc_mem_type type, uint64_t addr, int, int64_t, void* user) {
  auto& g = *static_cast<Guest*>(user);
  bool unmapped = type == UC_MEM_READ_UNMAPPED || type == UC_MEM_WRITE_UNMAPPED ||
                  type == UC_MEM_FETCH_UNMAPPED;
  g.fault = {SIGSEGV, uint32_t(addr), 0, unmapped ? kSegvMaperr : kSegvAccerr};
  if (type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT) {
    g.fault.pc = uint32_t(addr);  // the pc is the address that could not be fetched
    g.stop = Stop::kFault;
  } else {
    g.fault.code |= uint64_t(type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT) << 32;
    g.stop = Stop::kDataFault;
  }
  return false;  // not handled: the engine stops
}

// Installed once the guest has a signal handler: a wake stops the engine
// here, before the block's first instruction, with the pc exact.
void hook_block(uc_engine* uc, uint64_t, uint32_t, void*) {
  if (wake_pending()) uc_emu_stop(uc);
}

std::string check_boot(const BootInfo& boot) {
  if (boot.abi != Abi::kLinuxRiscv32) return "boot record is not for the riscv32 ABI";
  if (boot.nregions == 0 || boot.nregions > kMaxBootRegions) return "boot record region count";
  if (boot.entry >= kGuestSpace || boot.sp >= kGuestSpace) return "boot entry or sp beyond 32 bits";
  return "";
}

// Completes a data fault's pc (see locate_data_fault) and clears the
// direction bit hook_bad_access kept in the upper half of `code`.
void finish_data_fault(Guest& g) {
  bool write = (g.fault.code >> 32) & 1;
  g.fault.code &= 0xffffffff;
  uint32_t x[32];
  for (int r = 0; r < 32; ++r) x[r] = g.reg(r);
  uint32_t block = g.pc();
  auto pc = locate_data_fault([&](uint32_t at) { return g.parcel(at); }, x, block,
                              uint32_t(g.fault.addr), write);
  g.fault.pc = pc.value_or(block);
}

}  // namespace

std::optional<Rv32Insn> Guest::insn_at(uint32_t at) {
  auto lo = parcel(at);
  if (!lo) return std::nullopt;
  uint32_t bits = *lo;
  if ((bits & 3) == 3) {
    auto hi = parcel(at + 2);
    if (!hi) return std::nullopt;
    bits |= uint32_t(*hi) << 16;
  }
  return decode_rv32(bits);
}

std::string run_riscv32(const BootInfo& boot, int memfd, SyscallPort& port) {
  if (auto err = check_boot(boot); !err.empty()) return err;
  uc_engine* uc = nullptr;
  if (uc_err e = uc_open(UC_ARCH_RISCV, UC_MODE_RISCV32, &uc); e != UC_ERR_OK)
    return std::string("uc_open: ") + uc_strerror(e);
  struct Close {
    uc_engine* uc;
    ~Close() { uc_close(uc); }
  } close{uc};
  GuestMemory mem(uc, memfd);  // destroyed before the engine is closed
  for (uint32_t i = 0; i < boot.nregions; ++i) {
    const BootRegion& r = boot.regions[i];
    if (auto err = mem.map(r.va, r.len, r.offset, r.prot, false); !err.empty())
      return "boot region " + std::to_string(i) + ": " + err;
  }

  Guest g;
  g.uc = uc;
  g.mem = &mem;
  g.port = &port;
  g.sigreturn_va = uint32_t(boot.sigreturn);
  uc_hook h;
  if (uc_hook_add(uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(hook_interrupt), &g, 1, 0) ||
      uc_hook_add(uc, &h, UC_HOOK_INSN_INVALID, reinterpret_cast<void*>(hook_invalid_insn), &g,
                  1, 0) ||
      uc_hook_add(uc, &h, UC_HOOK_MEM_INVALID, reinterpret_cast<void*>(hook_bad_access), &g, 1,
                  0))
    return "uc_hook_add failed";
  g.set_reg(2, uint32_t(boot.sp));  // everything else starts at 0, as on Linux
  install_wake_handler();
  port.started();

  g.resume_pc = uint32_t(boot.entry);
  for (;;) {
    // A wake: a signal waits for this thread while it ran its own code.
    // Spurious ones (a wake that raced a call's return) cost one round trip.
    if (take_wake())
      if (auto err = signal_check(g); !err.empty()) return err;
    if (g.want_block_hook) {
      if (uc_hook_add(uc, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(hook_block), nullptr, 1, 0))
        return "uc_hook_add (block) failed";
      mem.drop_code_translations();  // translated before the hook: without its call
      g.has_block_hook = true;
      g.want_block_hook = false;
    }
    g.stop = Stop::kNone;
    uc_err e = uc_emu_start(uc, g.resume_pc, kNoUntil, 0, 0);
    Stop stop = g.stop;
    if (stop == Stop::kNone && (e != UC_ERR_OK || !wake_pending()))
      return e != UC_ERR_OK ? std::string("uc_emu_start: ") + uc_strerror(e) : "the engine stopped without a reason";
    g.resume_pc = g.pc();
    std::string err;
    switch (stop) {
      case Stop::kNone: break;  // woken (block hook): the loop's top asks for the signal
      case Stop::kError: return g.error;
      case Stop::kAction: err = perform(g, g.pending, Origin::kCall, &g.pending_frame); break;
      case Stop::kSigreturn: err = signal_return(g); break;
      case Stop::kCodeSync:
        if (mem.has_writable_code()) mem.drop_writable_code_translations();
        break;
      case Stop::kDataFault:
        finish_data_fault(g);
        [[fallthrough]];
      case Stop::kFault: err = raise_fault(g, g.fault); break;
    }
    if (!err.empty()) return err;
  }
}

}  // namespace psx::emu
