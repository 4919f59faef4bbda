#include "syscalls/abi_table.h"

#include <algorithm>
#include <vector>

namespace psx {

extern const SyscallEntry kLinuxX86_64Table[];
extern const size_t kLinuxX86_64TableSize;
extern const SyscallEntry kLinuxRiscv32Table[];
extern const size_t kLinuxRiscv32TableSize;

const char* support_name(Support s) {
  switch (s) {
    case Support::kFull: return "full";
    case Support::kPartial: return "partial";
    case Support::kUnsupported: return "unsupported";
  }
  return "?";
}

const char* abi_name(Abi abi) {
  switch (abi) {
    case Abi::kLinuxX86_64: return "linux-x86_64";
    case Abi::kLinuxRiscv32: return "linux-riscv32";
    default: return "none";
  }
}

std::span<const SyscallEntry> syscall_table(Abi abi) {
  if (abi == Abi::kLinuxX86_64) return {kLinuxX86_64Table, kLinuxX86_64TableSize};
  if (abi == Abi::kLinuxRiscv32) return {kLinuxRiscv32Table, kLinuxRiscv32TableSize};
  return {};
}

namespace {
// Direct index by number, built once per ABI.
struct Index {
  std::vector<const SyscallEntry*> by_nr;
  explicit Index(std::span<const SyscallEntry> t) {
    int32_t max = 0;
    for (auto& e : t) max = std::max(max, e.nr);
    by_nr.assign(size_t(max) + 1, nullptr);
    for (auto& e : t) by_nr[size_t(e.nr)] = &e;
  }
  const SyscallEntry* get(int32_t nr) const {
    return nr >= 0 && size_t(nr) < by_nr.size() ? by_nr[size_t(nr)] : nullptr;
  }
};
}  // namespace

const SyscallEntry* lookup_syscall(Abi abi, int32_t nr) {
  static const Index x86(syscall_table(Abi::kLinuxX86_64));
  static const Index rv32(syscall_table(Abi::kLinuxRiscv32));
  if (abi == Abi::kLinuxX86_64) return x86.get(nr);
  if (abi == Abi::kLinuxRiscv32) return rv32.get(nr);
  return nullptr;
}

const char* op_name(Op op) {
  static const char* const names[] = {
      "none",
#define PSX_OP_NAME(n) #n,
      PSX_OPERATIONS(PSX_OP_NAME)
#undef PSX_OP_NAME
  };
  return size_t(op) < sizeof(names) / sizeof(names[0]) ? names[size_t(op)] : "?";
}

Handler handler_for(Op op) {
  static const Handler handlers[] = {
      nullptr,
#define PSX_OP_HANDLER(n) &sys_##n,
      PSX_OPERATIONS(PSX_OP_HANDLER)
#undef PSX_OP_HANDLER
  };
  return size_t(op) < sizeof(handlers) / sizeof(handlers[0]) ? handlers[size_t(op)] : nullptr;
}

}  // namespace psx
