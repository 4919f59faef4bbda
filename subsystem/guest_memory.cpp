#include "subsystem/guest_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace psx {

SysResult<std::unique_ptr<GuestMemory>> GuestMemory::create(uint64_t capacity) {
  std::unique_ptr<GuestMemory> m(new GuestMemory());
  m->fd_ = memfd_create("psx-guest-memory", MFD_CLOEXEC);
  if (m->fd_ < 0) return fail(errno);
  if (ftruncate(m->fd_, off_t(capacity)) != 0) return fail(errno);
  void* p = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, m->fd_, 0);
  if (p == MAP_FAILED) return fail(errno);
  // Guest host processes are forked from the kernel host: none of them may
  // inherit a view of every guest's memory.
  madvise(p, capacity, MADV_DONTFORK);
  m->base_ = static_cast<uint8_t*>(p);
  m->capacity_ = capacity;
  m->free_[0] = capacity;
  return m;
}

SysResult<std::unique_ptr<GuestMemory>> GuestMemory::clone_layout() const {
  auto m = create(capacity_);
  if (!m) return m;
  (*m)->free_ = free_;
  (*m)->regions_ = regions_;
  (*m)->host_ranges_ = host_ranges_;
  return m;
}

void GuestMemory::copy_contents_from(const GuestMemory& src) {
  // Only the pages the source has are copied: SEEK_DATA/SEEK_HOLE walk its
  // extents, so a sparse 16 GiB object costs what it holds.
  off_t pos = 0, end = off_t(src.capacity_);
  while (pos < end) {
    off_t data = lseek(src.fd_, pos, SEEK_DATA);
    if (data < 0) break;
    off_t hole = lseek(src.fd_, data, SEEK_HOLE);
    if (hole < 0) hole = end;
    memcpy(base_ + data, src.base_ + data, size_t(hole - data));
    pos = hole;
  }
}

GuestMemory::~GuestMemory() {
  if (base_) munmap(base_, capacity_);
  if (fd_ >= 0) close(fd_);
}

SysResult<uint64_t> GuestMemory::alloc(uint64_t len) {
  len = page_up(len);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < len) continue;
    uint64_t off = it->first, rest = it->second - len;
    free_.erase(it);
    if (rest) free_[off + len] = rest;
    return off;
  }
  return fail(ENOMEM);
}

bool GuestMemory::claim(uint64_t off, uint64_t len) {
  len = page_up(len);
  auto it = free_.upper_bound(off);
  if (it == free_.begin()) return false;
  --it;
  uint64_t lo = it->first, hi = it->first + it->second;
  if (off < lo || off + len > hi) return false;
  free_.erase(it);
  if (off > lo) free_[lo] = off - lo;
  if (off + len < hi) free_[off + len] = hi - (off + len);
  return true;
}

void GuestMemory::zero(uint64_t off, uint64_t len) {
  // Gives the pages back to the host; they read as zero afterwards.
  fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(off), off_t(page_up(len)));
}

void GuestMemory::release(uint64_t off, uint64_t len) {
  len = page_up(len);
  if (!len) return;
  zero(off, len);
  auto [it, ok] = free_.emplace(off, len);
  // Coalesce with neighbours.
  auto next = std::next(it);
  if (next != free_.end() && it->first + it->second == next->first) {
    it->second += next->second;
    free_.erase(next);
  }
  if (it != free_.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second == it->first) {
      prev->second += it->second;
      free_.erase(it);
    }
  }
}

void GuestMemory::add(const Region& r) { regions_[r.va] = r; }

const Region* GuestMemory::find(uint64_t va) const {
  auto it = regions_.upper_bound(va);
  if (it == regions_.begin()) return nullptr;
  --it;
  return va < it->second.va + it->second.len ? &it->second : nullptr;
}

Region* GuestMemory::find_mut(uint64_t va) { return const_cast<Region*>(std::as_const(*this).find(va)); }

bool GuestMemory::overlaps(uint64_t va, uint64_t len) const {
  auto it = regions_.lower_bound(va);
  if (it != regions_.end() && it->first < va + len) return true;
  if (it != regions_.begin()) {
    --it;
    if (it->second.va + it->second.len > va) return true;
  }
  return false;
}

void GuestMemory::remove_range(uint64_t va, uint64_t len, bool release_bytes) {
  uint64_t end = va + len;
  // Split a region straddling the start, then one straddling the end.
  auto split = [&](uint64_t at) {
    Region* r = find_mut(at);
    if (!r || r->va == at) return;
    Region tail = *r;
    uint64_t cut = at - r->va;
    tail.va = at;
    tail.len = r->len - cut;
    tail.off = r->off + cut;
    r->len = cut;
    regions_[tail.va] = tail;
  };
  split(va);
  split(end);
  for (auto it = regions_.lower_bound(va); it != regions_.end() && it->first < end;) {
    // Heap bytes stay reserved for brk to grow into again; others are freed.
    if (release_bytes && it->second.kind == RegionKind::kHeap)
      zero(it->second.off, it->second.len);
    else if (release_bytes)
      release(it->second.off, it->second.len);
    it = regions_.erase(it);
  }
}

SysResult<void> GuestMemory::protect_range(uint64_t va, uint64_t len, uint32_t prot) {
  uint64_t end = va + len;
  for (uint64_t a = va; a < end;) {
    const Region* r = find(a);
    if (!r) return fail(ENOMEM);
    a = r->va + r->len;
  }
  // Split at the edges so only the range changes.
  for (uint64_t a = va; a < end;) {
    Region* r = find_mut(a);
    if (r->va < a) {
      Region tail = *r;
      uint64_t cut = a - r->va;
      tail.va = a; tail.len = r->len - cut; tail.off = r->off + cut;
      r->len = cut;
      regions_[a] = tail;
      r = &regions_[a];
    }
    if (r->va + r->len > end) {
      Region tail = *r;
      uint64_t cut = end - r->va;
      tail.va = end; tail.len = r->len - cut; tail.off = r->off + cut;
      r->len = cut;
      regions_[end] = tail;
      r = &regions_[a];
    }
    r->prot = prot;
    a = r->va + r->len;
  }
  return {};
}

bool GuestMemory::hits_host_range(uint64_t va, uint64_t len) const {
  for (auto [lo, hi] : host_ranges_)
    if (va < hi && lo < va + len) return true;
  return false;
}

void GuestMemory::unhold(uint64_t lo, uint64_t hi) {
  for (size_t i = 0; i < held_.size(); i++)
    if (held_[i].first == lo && held_[i].second == hi) {
      held_.erase(held_.begin() + long(i));
      return;
    }
}

uint64_t GuestMemory::blocker_below(uint64_t va, uint64_t len) const {
  uint64_t low = 0;
  auto consider = [&](uint64_t lo, uint64_t hi) {
    if (va < hi && lo < va + len && (!low || lo < low)) low = lo ? lo : 1;
  };
  for (auto& [lo, hi] : host_ranges_) consider(lo, hi);
  for (auto& [lo, hi] : held_) consider(lo, hi);
  return low;
}

bool GuestMemory::free_for_placement(uint64_t va, uint64_t len) const {
  if (hits_host_range(va, len)) return false;
  for (auto& [lo, hi] : held_)
    if (va < hi && lo < va + len) return false;
  return true;
}

uint64_t GuestMemory::find_free_top_down(uint64_t len, uint64_t lo, uint64_t hi) const {
  uint64_t top = hi;
  // Walk regions from the highest below `hi` downwards, checking each gap.
  auto it = regions_.lower_bound(hi);
  while (true) {
    uint64_t gap_lo = lo;
    if (it != regions_.begin()) {
      auto prev = std::prev(it);
      gap_lo = std::max(lo, prev->second.va + prev->second.len);
    }
    // Inside the gap, step below whatever of psx's (or held) is in the way.
    uint64_t gap_top = top;
    while (gap_top >= gap_lo + len) {
      uint64_t cand = page_down(gap_top - len);
      if (cand < gap_lo) break;
      uint64_t below = blocker_below(cand, len);
      if (!below) return cand;
      gap_top = below;
    }
    if (it == regions_.begin()) return 0;
    --it;
    top = std::min(top, it->second.va);
    if (top <= lo) return 0;
  }
}

SysResult<uint8_t*> GuestMemory::translate(uint64_t addr, uint64_t len, bool write) {
  const Region* r = find(addr);
  if (!r) return fail(EFAULT);
  uint32_t need = write ? PROT_WRITE : PROT_READ;
  if (!(r->prot & need)) return fail(EFAULT);
  uint8_t* p = base_ + r->off + (addr - r->va);
  if (len == 0) return p;
  uint64_t end = addr + len;
  if (end < addr) return fail(EFAULT);
  // A buffer may span adjacent regions whose bytes are also adjacent in the object.
  while (end > r->va + r->len) {
    const Region* next = find(r->va + r->len);
    if (!next || next->off != r->off + r->len || !(next->prot & need)) return fail(EFAULT);
    r = next;
  }
  return p;
}

SysResult<std::string> GuestMemory::read_string(uint64_t addr, size_t max) {
  std::string s;
  while (true) {
    const Region* r = find(addr);
    if (!r || !(r->prot & PROT_READ)) return fail(EFAULT);
    const char* p = reinterpret_cast<const char*>(base_ + r->off + (addr - r->va));
    uint64_t avail = r->va + r->len - addr;
    const void* nul = memchr(p, 0, avail);
    uint64_t n = nul ? uint64_t(static_cast<const char*>(nul) - p) : avail;
    if (s.size() + n >= max) return fail(ENAMETOOLONG);
    s.append(p, n);
    if (nul) return s;
    addr += avail;
  }
}

}  // namespace psx
