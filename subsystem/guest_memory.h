// A guest's memory: one shared memory object (memfd) mapped into the guest
// host process at the guest's addresses and into the kernel host once, whole,
// so kernel processes read and write guest buffers in place. The kernel host
// decides every mapping (the guest host process only carries them out), so
// the region table here is authoritative.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "kernelprocs/kernel.h"

namespace psx {

inline constexpr uint64_t kPage = 4096;
inline uint64_t page_down(uint64_t v) { return v & ~(kPage - 1); }
inline uint64_t page_up(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }

enum class RegionKind : uint8_t { kImage, kStack, kHeap, kAnon };

struct Region {
  uint64_t va = 0;
  uint64_t len = 0;
  uint64_t off = 0;   // offset in the memory object
  uint32_t prot = 0;  // PROT_* as the guest asked
  RegionKind kind = RegionKind::kAnon;
  bool shared = false;  // MAP_SHARED (matters for fork)
};

class GuestMemory : public MemorySpace {
 public:
  // capacity: the most bytes the guest may have mapped at once (sparse).
  static SysResult<std::unique_ptr<GuestMemory>> create(uint64_t capacity);
  ~GuestMemory() override;

  // fork: a new memory object with this one's layout (free ranges, regions,
  // psx's reserved ranges); copy_contents_from() then fills it.
  SysResult<std::unique_ptr<GuestMemory>> clone_layout() const;
  // Copies every byte the source holds (holes stay holes): a fork's memory.
  void copy_contents_from(const GuestMemory& src);
  int fd() const { return fd_; }
  uint64_t capacity() const { return capacity_; }
  uint8_t* at(uint64_t off) { return base_ + off; }

  // Offsets in the memory object: page-aligned ranges, first fit.
  SysResult<uint64_t> alloc(uint64_t len);
  // Claims exactly [off, off+len) if it is free (mremap grows a region's bytes in place).
  bool claim(uint64_t off, uint64_t len);
  void release(uint64_t off, uint64_t len);  // frees and zeroes (hole punch)
  void zero(uint64_t off, uint64_t len);     // zeroes, keeps allocated

  // Region table (guest addresses).
  void add(const Region& r);
  // Removes [va, va+len) from the table, splitting regions; releases their
  // bytes unless `release` is false (mremap moves them to another address).
  void remove_range(uint64_t va, uint64_t len, bool release = true);
  // Sets prot on [va, va+len); ENOMEM if any page is unmapped.
  SysResult<void> protect_range(uint64_t va, uint64_t len, uint32_t prot);
  bool overlaps(uint64_t va, uint64_t len) const;
  const Region* find(uint64_t va) const;
  Region* find_mut(uint64_t va);
  const std::map<uint64_t, Region>& regions() const { return regions_; }

  // Guest address ranges psx itself occupies in the guest host process.
  void reserve_host_range(uint64_t lo, uint64_t hi) { host_ranges_.push_back({lo, hi}); }
  bool hits_host_range(uint64_t va, uint64_t len) const;
  // Ranges a thread was told to unmap but may not have unmapped yet: no new
  // mapping is placed there until that thread's next call (another thread's
  // MAP_FIXED_NOREPLACE would meet the old mapping).
  void hold(uint64_t lo, uint64_t hi) { held_.push_back({lo, hi}); }
  void unhold(uint64_t lo, uint64_t hi);
  // Where psx may put a mapping of its choosing (not psx's pages, not held).
  bool free_for_placement(uint64_t va, uint64_t len) const;
  // The lowest start of a psx or held range overlapping [va, va+len), or 0.
  uint64_t blocker_below(uint64_t va, uint64_t len) const;
  // Highest free gap of `len` bytes inside [lo, hi), or 0.
  uint64_t find_free_top_down(uint64_t len, uint64_t lo, uint64_t hi) const;

  // MemorySpace: host pointer for a guest range with the needed access.
  SysResult<uint8_t*> translate(uint64_t addr, uint64_t len, bool write) override;
  // The guest's NUL-terminated string at addr, at most max bytes (ENAMETOOLONG past it).
  SysResult<std::string> read_string(uint64_t addr, size_t max);

 private:
  GuestMemory() = default;
  int fd_ = -1;
  uint8_t* base_ = nullptr;
  uint64_t capacity_ = 0;
  std::map<uint64_t, uint64_t> free_;  // off -> len
  std::map<uint64_t, Region> regions_;  // va -> region
  std::vector<std::pair<uint64_t, uint64_t>> host_ranges_;
  std::vector<std::pair<uint64_t, uint64_t>> held_;
};

}  // namespace psx
