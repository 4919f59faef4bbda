// The `psx` command line: one function per subcommand.
#pragma once

namespace psx::cli {
int run_main(int argc, char** argv);       // psx run
int syscalls_main(int argc, char** argv);  // psx syscalls
int store_main(int argc, char** argv);     // psx store
int bench_main(int argc, char** argv);     // psx bench
}  // namespace psx::cli
