// The figures psx bench takes from the other benchmark programs: the
// transport alone (bench/kernelprocs) and RV32 compute against qemu-riscv32
// (bench/rv32). Each runs as its own program; its JSON is read here.
#pragma once
#include <string>
#include <vector>

#include "subsystem/cli/bench_paths.h"
#include "subsystem/cli/bench_report.h"

namespace psx::cli::bench {

std::vector<Extra> measure_transport(const Tools& t, bool quick, std::vector<std::string>& errors);
std::vector<Extra> measure_rv32_compute(const Tools& t, bool quick, const std::string& tmp,
                                        std::vector<std::string>& errors);

}  // namespace psx::cli::bench
