// Per-ABI system call tables: data, not code. Every number a table lists has
// a support level and, where not full, the reason; numbers a table does not
// list are unknown and answer ENOSYS.
#pragma once
#include <cstdint>
#include <span>

#include "kernelprocs/channel_layout.h"
#include "syscalls/operations.h"

namespace psx {

enum class Support : uint8_t {
  kFull,         // as Linux does it
  kPartial,      // works for the common cases; `note` says what is missing
  kUnsupported,  // answers -ENOSYS; `note` says why
};
const char* support_name(Support s);

struct SyscallEntry {
  int32_t nr;
  const char* name;   // the ABI's name for the call
  Op op;
  Support support;
  // Argument kinds for traces, one letter each: d int, u unsigned, x hex,
  // p pointer, s string, w buffer the guest wrote (length follows), o open flags.
  const char* args;
  const char* note;
};

// The table of an ABI (any order; each number appears once — tested).
std::span<const SyscallEntry> syscall_table(Abi abi);
// The entry for a number, or nullptr if the ABI has no such call listed.
const SyscallEntry* lookup_syscall(Abi abi, int32_t nr);
const char* abi_name(Abi abi);

}  // namespace psx
