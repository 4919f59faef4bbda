// Test-only stand-in for the kernel host's loader: puts a static ELF32 RISC-V
// file into a fresh memory object and describes it in a BootInfo, with a small
// Linux-style initial stack (argc, argv, envp, auxv). Also reads the symbol
// table so tests can name entry points and expected fault pcs.
#pragma once
#include <stdint.h>

#include <map>
#include <string>
#include <vector>

#include "subsystem/boot_info.h"

namespace psx::emu::test {

struct TestImage {
  int memfd = -1;
  BootInfo boot{};
  std::map<std::string, uint32_t> symbols;
  uint64_t memfd_size = 0;  // bytes in use; the fake port maps more above it
  uint32_t brk = 0;         // first page after the highest segment

  uint32_t sym(const std::string& name) const { return symbols.at(name); }
};

// Returns "" on success. `argv` fills the initial stack.
std::string load_test_image(const std::string& path, const std::vector<std::string>& argv,
                            TestImage* out);

inline constexpr uint32_t kStackTop = 0x7fff0000;
inline constexpr uint32_t kStackSize = 64 * 1024;

}  // namespace psx::emu::test
