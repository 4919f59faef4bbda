// Loads a static (or static-PIE) ELF executable into a guest's memory object
// and builds the Linux initial stack (argc, argv, envp, auxv) there. Handles
// ELF64 x86-64 (native) and ELF32 RISC-V (emulated). Bad files get one clear
// message, never a crash: every offset and size from the file is checked.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "subsystem/boot_info.h"
#include "subsystem/guest_memory.h"

namespace psx {

struct LoadError {
  int err;              // errno to give a guest execve (ENOEXEC, EACCES, ...)
  std::string message;  // one line for a person
};

struct LoadRequest {
  std::span<const uint8_t> file;
  std::string execfn;  // AT_EXECFN: the path as the program was named
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  uint32_t uid = 0, gid = 0;
};

struct LoadedImage {
  BootInfo boot{};      // regions to map, entry, sp
  uint64_t brk_start = 0;  // first byte after the image (page aligned)
  uint64_t heap_off = 0;   // reserved bytes in the memory object for brk
  uint64_t phdr = 0, entry = 0;
};

// Guest address layout per ABI (chosen clear of psx's own mappings).
struct AbiLayout {
  uint64_t pie_base;
  uint64_t stack_top;
  uint64_t stack_size;
  uint64_t mmap_lo, mmap_hi;  // anonymous mappings are placed top-down in here
  uint64_t heap_max;          // most bytes brk may grow
};
const AbiLayout& layout_for(Abi abi);

// What kind of executable the bytes are, without loading (for `psx run`).
Result<Abi, LoadError> probe_elf(std::span<const uint8_t> file);

Result<LoadedImage, LoadError> load_elf(const LoadRequest& req, GuestMemory& mem);

}  // namespace psx
