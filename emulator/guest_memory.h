// The guest's address space as Unicorn sees it. Every mapping is a host mmap
// (MAP_SHARED) of a range of the guest memory object handed to Unicorn with
// uc_mem_map_ptr, so guest stores land in the memory object itself and the
// kernel host reads and writes the same pages in place.
//
// Unicorn's regions are kept identical to the entries here: a change to part
// of an entry replaces the whole entry in Unicorn with its pieces (no reliance
// on Unicorn splitting pointer-backed regions). Translated code is dropped for
// every executable range that is unmapped or changes protection, so a new
// mapping at the same address never runs stale translations.
#pragma once
#include <stdint.h>

#include <map>
#include <string>

struct uc_struct;

namespace psx::emu {

inline constexpr uint64_t kGuestPage = 4096;
inline constexpr uint64_t kGuestSpace = uint64_t{1} << 32;  // riscv32 addresses

class GuestMemory {
 public:
  GuestMemory(uc_struct* uc, int memfd) : uc_(uc), memfd_(memfd) {}
  ~GuestMemory();
  GuestMemory(const GuestMemory&) = delete;
  GuestMemory& operator=(const GuestMemory&) = delete;

  // Each returns "" on success, else what was wrong. prot is PROT_* (which
  // Unicorn's UC_PROT_* equal). Without `replace`, mapping over an existing
  // mapping is an error (the kernel host chose the address; overlap is a bug).
  std::string map(uint64_t va, uint64_t len, uint64_t offset, uint32_t prot, bool replace);
  std::string unmap(uint64_t va, uint64_t len);
  std::string protect(uint64_t va, uint64_t len, uint32_t prot);

  // Writable and executable mappings can be written by the kernel host behind
  // Unicorn's back (a read(2) into a JIT buffer); Unicorn only notices stores
  // the guest makes itself. After each system call, if any exist, their
  // translations are dropped (fence.i semantics for kernel writes).
  bool has_writable_code() const { return writable_code_ > 0; }
  void drop_writable_code_translations();
  // Every executable mapping's translations (new hooks apply to new translations only).
  void drop_code_translations();

  // Copies between the guest's addresses and host memory the way the kernel
  // does for a signal frame: false (nothing or part done) if a page in the
  // range is unmapped or lacks PROT_READ (read) or PROT_WRITE (write).
  bool read(uint64_t va, void* out, uint64_t len) const;
  bool write(uint64_t va, const void* in, uint64_t len);

 private:
  struct Entry {
    uint64_t len;
    uint8_t* host;  // this entry's own part of a host mapping; munmap'ed with it
    uint32_t prot;
  };
  static std::string check_range(uint64_t va, uint64_t len);
  // Splits the entry containing `at` (if any) so that an entry starts at `at`.
  std::string split_at(uint64_t at);
  std::string uc_add(uint64_t va, const Entry& e);
  std::string uc_remove(uint64_t va, const Entry& e);
  void count(const Entry& e, int delta);
  // Host address of guest byte va if its entry has every bit of `prot`;
  // *room = bytes to the entry's end.
  uint8_t* host_at(uint64_t va, uint32_t prot, uint64_t* room) const;

  uc_struct* uc_;
  int memfd_;
  std::map<uint64_t, Entry> entries_;  // by guest va; never overlapping
  int writable_code_ = 0;
};

}  // namespace psx::emu
