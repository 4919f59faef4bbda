// The shim's own copy of the guest's mappings, so a call answered in the
// guest host process can refuse a pointer exactly where the kernel host
// would (EFAULT): it starts from the boot regions and follows every map,
// unmap, protect and remap action the shim carries out — the only way the
// guest's mappings change. When it cannot keep up (too many pieces) it says
// so, and every pointer-taking call goes to the kernel host again. Freestanding.
#pragma once
#include <stdint.h>

namespace psx::shim {

// Threads of the guest share it: every method holds a small spin lock (the
// sections are a few dozen loads; no thread sleeps holding it).
class GuestMap {
 public:
  static constexpr uint32_t kMax = 128;
  void set(uint64_t lo, uint64_t hi, uint32_t prot);  // map (replacing what is there)
  void remove(uint64_t lo, uint64_t hi);
  void protect(uint64_t lo, uint64_t hi, uint32_t prot);
  // True if [addr, addr+len) lies inside one writable mapping; false if not or unknown.
  bool writable(uint64_t addr, uint64_t len) const;
  bool lost() const { return lost_; }

 private:
  struct Piece {
    uint64_t lo, hi;
    uint32_t prot;
  };
  bool add(uint64_t lo, uint64_t hi, uint32_t prot);
  void remove_unlocked(uint64_t lo, uint64_t hi);
  void set_unlocked(uint64_t lo, uint64_t hi, uint32_t prot);
  void lock() const {
    while (__atomic_exchange_n(&lock_, 1, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
  }
  void unlock() const { __atomic_store_n(&lock_, 0, __ATOMIC_RELEASE); }
  mutable int lock_ = 0;
  Piece p_[kMax];
  uint32_t n_ = 0;
  bool lost_ = false;
};

}  // namespace psx::shim
