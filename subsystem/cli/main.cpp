// psx: runs unmodified Linux programs on an event kernel.
#include <cstdio>
#include <cstring>

#include "subsystem/cli/commands.h"
#include "subsystem/host_stdio.h"

namespace {

void usage(FILE* out) {
  fprintf(out,
          "usage: psx COMMAND [ARGS...]\n"
          "\n"
          "Runs unmodified static Linux programs (x86-64 natively, riscv32 in emulation)\n"
          "and serves their system calls from kernel processes in an event kernel.\n"
          "\n"
          "commands:\n"
          "  run [OPTIONS] PROGRAM [ARGS...]   run a program under psx (see psx run --help)\n"
          "  syscalls [--abi x86_64|riscv32]   list the system calls psx knows and their support level\n"
          "  store SUBCOMMAND [ARGS...]        inspect, check, import into and export from a record store\n"
          "  bench [OPTIONS]                   time every system call path against the host (psx bench --help)\n"
          "  help                              show this text\n"
          "  version                           show the version\n");
}

}  // namespace

int main(int argc, char** argv) {
  // Before psx opens anything: which of the host's 0, 1, 2 exist. A closed one
  // is plugged with /dev/null so psx's own files never take its number, and
  // the guest still sees it closed.
  psx::record_host_stdio();
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char* cmd = argv[1];
  if (!strcmp(cmd, "run")) return psx::cli::run_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "syscalls")) return psx::cli::syscalls_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "store")) return psx::cli::store_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "bench")) return psx::cli::bench_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    printf("psx 0.1\n");
    return 0;
  }
  fprintf(stderr, "psx: unknown command '%s'\n", cmd);
  usage(stderr);
  return 2;
}
