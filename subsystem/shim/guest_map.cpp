// The shim's mapping table (see guest_map.h). A few dozen pieces at most for
// the programs psx runs, so linear scans are the simple, fast choice.
#include "subsystem/shim/guest_map.h"

namespace psx::shim {

namespace {
constexpr uint32_t kProtWrite = 2;
}

bool GuestMap::add(uint64_t lo, uint64_t hi, uint32_t prot) {
  if (lo >= hi) return true;
  if (n_ == kMax) {
    lost_ = true;
    return false;
  }
  p_[n_++] = Piece{lo, hi, prot};
  return true;
}

void GuestMap::remove_unlocked(uint64_t lo, uint64_t hi) {
  for (uint32_t i = 0; i < n_;) {
    Piece& p = p_[i];
    if (p.hi <= lo || p.lo >= hi) {
      i++;
      continue;
    }
    Piece old = p;
    p_[i] = p_[--n_];  // drop it, then add back what lies outside [lo, hi)
    if (old.lo < lo) add(old.lo, lo, old.prot);
    if (old.hi > hi) add(hi, old.hi, old.prot);
    // the pieces added went to the end; the one moved into i is checked next
  }
}

void GuestMap::set_unlocked(uint64_t lo, uint64_t hi, uint32_t prot) {
  remove_unlocked(lo, hi);
  add(lo, hi, prot);
}

void GuestMap::remove(uint64_t lo, uint64_t hi) {
  lock();
  remove_unlocked(lo, hi);
  unlock();
}

void GuestMap::set(uint64_t lo, uint64_t hi, uint32_t prot) {
  lock();
  set_unlocked(lo, hi, prot);
  unlock();
}

void GuestMap::protect(uint64_t lo, uint64_t hi, uint32_t prot) {
  lock();
  // Collect the mapped parts of [lo, hi) first: set() reorders the table.
  uint64_t parts[kMax][2];
  uint32_t k = 0;
  for (uint32_t i = 0; i < n_; i++) {
    uint64_t a = p_[i].lo > lo ? p_[i].lo : lo, b = p_[i].hi < hi ? p_[i].hi : hi;
    if (a < b) {
      parts[k][0] = a;
      parts[k][1] = b;
      k++;
    }
  }
  for (uint32_t i = 0; i < k; i++) set_unlocked(parts[i][0], parts[i][1], prot);
  unlock();
}

bool GuestMap::writable(uint64_t addr, uint64_t len) const {
  uint64_t end = addr + len;
  if (end < addr) return false;
  lock();
  bool ok = false;
  if (!lost_)
    for (uint32_t i = 0; i < n_; i++)
      if (p_[i].lo <= addr && end <= p_[i].hi) {
        ok = p_[i].prot & kProtWrite;
        break;
      }
  unlock();
  return ok;
}

}  // namespace psx::shim
