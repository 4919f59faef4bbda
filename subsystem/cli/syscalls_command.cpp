// psx syscalls: prints each ABI's table with the support level and reason.
#include <cstdio>
#include <cstring>

#include "subsystem/cli/commands.h"
#include "syscalls/abi_table.h"

namespace psx::cli {

int syscalls_main(int argc, char** argv) {
  Abi abis[2] = {Abi::kLinuxX86_64, Abi::kLinuxRiscv32};
  int n = 2;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--abi") && i + 1 < argc) {
      const char* a = argv[++i];
      if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64")) abis[0] = Abi::kLinuxX86_64;
      else if (!strcmp(a, "riscv32")) abis[0] = Abi::kLinuxRiscv32;
      else {
        fprintf(stderr, "psx syscalls: unknown ABI '%s' (x86_64 or riscv32)\n", a);
        return 2;
      }
      n = 1;
    } else {
      fprintf(stderr, "usage: psx syscalls [--abi x86_64|riscv32]\n");
      return !strcmp(argv[i], "--help") ? 0 : 2;
    }
  }
  for (int k = 0; k < n; k++) {
    printf("%s%s\n", k ? "\n" : "", abi_name(abis[k]));
    printf("%5s  %-24s %-12s %s\n", "nr", "name", "support", "note");
    for (const SyscallEntry& e : syscall_table(abis[k])) {
      const char* level = e.op == Op::kNone && e.support != Support::kUnsupported ? "not yet" : support_name(e.support);
      printf("%5d  %-24s %-12s %s\n", e.nr, e.name, level, e.note);
    }
    printf("(any other number answers ENOSYS)\n");
  }
  return 0;
}

}  // namespace psx::cli
