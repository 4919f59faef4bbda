// mremap and msync. The bytes of a mapping live in the guest's memory object;
// a resized mapping keeps its bytes there: it grows in place when the next
// pages are free (and its object range can grow too, else its bytes move
// within the object). A move (MREMAP_MAYMOVE, to a free address or to
// MREMAP_FIXED's) keeps the bytes' object offsets when the offsets after them
// are free (else copies them to a fresh range) and reaches the guest host
// process as one kRemap. The image, stack and heap do not move or grow
// (ENOMEM). MREMAP_DONTUNMAP answers EINVAL: when Linux accepts it depends on
// its VMA state (merged neighbours, anon_vma), which psx does not model — on
// this host even a private anonymous page is refused once it has been written.
// Growing a mapping of a file shows zeros past the part read at mmap time.
#include <sys/mman.h>

#include <cstring>

#include "subsystem/elf_loader.h"
#include "subsystem/personality.h"

namespace psx {
namespace {

uint64_t addr_limit(const Call& c) { return c.wide() ? (1ull << 47) : (1ull << 32); }

// Free room above end (up to `ceil`).
uint64_t room_above(const GuestMemory& m, uint64_t end, uint64_t ceil) {
  auto it = m.regions().lower_bound(end);
  uint64_t hi = it == m.regions().end() ? ceil : std::min(ceil, it->second.va);
  return hi > end ? hi - end : 0;
}

// The memory-object range for region r grown to new_len, its old bytes first:
// r's own range grown in place when the object has room after it (in_place),
// else a fresh range with the bytes copied in (ENOMEM if the object is full).
SysResult<uint64_t> rebase(Personality& p, const Region& r, uint64_t new_len, bool in_place) {
  GuestMemory& m = p.mem();
  if (in_place && m.claim(r.off + r.len, new_len - r.len)) return r.off;
  auto fresh = m.alloc(new_len);
  if (!fresh) return fail(ENOMEM);
  memcpy(m.at(*fresh), m.at(r.off), r.len);
  p.kernel().copies().process_bytes += r.len;
  return *fresh;
}

// Moves [addr, addr+old_len) of region r to [va, va+new_len); the guest host
// process is told to unmap `gone` bytes at addr (the old length, before a
// MREMAP_FIXED shrink). The bytes keep their object offsets when they can
// (shrinking, or the offsets after them are free); else they are copied.
Outcome move(Personality& p, const Region& r, uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t va,
             uint64_t gone) {
  GuestMemory& m = p.mem();
  uint64_t off = r.off + (addr - r.va);
  bool keep = new_len <= old_len || m.claim(off + old_len, new_len - old_len);
  uint64_t new_off = off;
  if (!keep) {
    auto fresh = m.alloc(new_len);
    if (!fresh) return Outcome::error(ENOMEM);
    new_off = *fresh;
    memcpy(m.at(new_off), m.at(off), std::min(old_len, new_len));
    p.kernel().copies().process_bytes += std::min(old_len, new_len);
  }
  m.remove_range(addr, old_len, !keep);  // kept bytes go with the range
  if (keep && new_len < old_len) m.release(off + new_len, old_len - new_len);
  m.remove_range(va, new_len);  // MREMAP_FIXED replaces what was there
  m.add(Region{va, new_len, new_off, r.prot, RegionKind::kAnon, r.shared});
  return Outcome::done(int64_t(va)).with(Action::kRemap, addr, gone, va, new_len, new_off, r.prot);
}

}  // namespace

Outcome sys_mremap(Personality& p, Call& c) {
  uint64_t addr = c.ptr(0), old_len = page_up(c.ul(1)), new_len = page_up(c.ul(2)), new_addr = c.ptr(4);
  uint32_t flags = c.u(3);
  if (flags & ~uint32_t(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return Outcome::error(EINVAL);
  if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return Outcome::error(EINVAL);
  if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len)) return Outcome::error(EINVAL);
  if (addr % kPage) return Outcome::error(EINVAL);
  if (new_len == 0 || new_len < c.ul(2) || old_len < c.ul(1)) return Outcome::error(EINVAL);
  uint64_t limit = addr_limit(c);
  if (new_len > limit) return Outcome::error(EINVAL);
  if (flags & MREMAP_DONTUNMAP) return Outcome::error(EINVAL);  // see above: not supported
  GuestMemory& m = p.mem();
  const AbiLayout& lay = layout_for(c.abi);
  if (flags & MREMAP_FIXED) {  // always a move, checked in Linux's order
    if (!m.find(addr)) return Outcome::error(EFAULT);
    uint64_t gone = old_len;
    if (new_addr % kPage || new_addr > limit - new_len) return Outcome::error(EINVAL);
    if (addr + old_len > new_addr && new_addr + new_len > addr) return Outcome::error(EINVAL);  // overlap
    if (new_addr < kPage || m.hits_host_range(new_addr, new_len)) return Outcome::error(ENOMEM);
    if (old_len > new_len) old_len = new_len;  // the tail goes (below, with the move)
    const Region* found = m.find(addr);
    if (old_len > found->va + found->len - addr) return Outcome::error(EFAULT);
    if (old_len == 0) return Outcome::error(EINVAL);  // duplicating a shared mapping: not supported
    Region r = *found;
    if (r.kind != RegionKind::kAnon) return Outcome::error(ENOMEM);
    if (gone > old_len) m.remove_range(addr + old_len, gone - old_len);  // cannot fail after this
    return move(p, r, addr, old_len, new_len, new_addr, gone);
  }
  if (old_len >= new_len) {  // shrinking just unmaps the tail
    if (old_len == new_len) return Outcome::done(int64_t(addr));
    m.remove_range(addr + new_len, old_len - new_len);
    return Outcome::done(int64_t(addr)).with(Action::kUnmap, addr + new_len, old_len - new_len);
  }
  const Region* found = m.find(addr);
  if (!found || old_len > found->va + found->len - addr) return Outcome::error(EFAULT);
  if (old_len == 0) return Outcome::error(EINVAL);  // duplicating a shared mapping: not supported
  Region r = *found;
  if (r.kind != RegionKind::kAnon) return Outcome::error(ENOMEM);  // the image, stack and heap stay put
  uint64_t delta = new_len - old_len, end = addr + old_len;
  bool at_end = end == r.va + r.len;
  // In place: the pages after the mapping are free.
  if (at_end && room_above(m, end, limit) >= delta && !m.hits_host_range(end, delta)) {
    uint64_t grown = r.len + delta;
    auto off = rebase(p, r, grown, true);
    if (!off) return Outcome::error(ENOMEM);
    bool same = *off == r.off;
    if (!same) m.release(r.off, r.len);  // copied to the new range
    r.len = grown;
    r.off = *off;
    m.add(r);
    if (!same) {
      // The bytes moved within the object: map the whole region afresh.
      return Outcome::done(int64_t(addr)).with(Action::kMap, r.va, r.len, r.off, r.prot, kMapReplace);
    }
    return Outcome::done(int64_t(addr)).with(Action::kMap, end, delta, r.off + (end - r.va), r.prot, 0);
  }
  if (!(flags & MREMAP_MAYMOVE)) return Outcome::error(ENOMEM);
  uint64_t va = m.find_free_top_down(new_len, lay.mmap_lo, lay.mmap_hi);
  if (!va) return Outcome::error(ENOMEM);
  return move(p, r, addr, old_len, new_len, va, old_len);
}

Outcome sys_msync(Personality& p, Call& c) {
  uint64_t addr = c.ptr(0);
  int flags = c.i(2);
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return Outcome::error(EINVAL);
  if (addr % kPage) return Outcome::error(EINVAL);
  if ((flags & MS_ASYNC) && (flags & MS_SYNC)) return Outcome::error(EINVAL);
  uint64_t len = page_up(c.ul(1)), end = addr + len;
  if (end < addr || len < c.ul(1)) return Outcome::error(ENOMEM);
  // Mappings of files are private copies: there is nothing to write back.
  // An unmapped page anywhere in the range is ENOMEM, after the whole walk.
  bool hole = false;
  for (uint64_t a = addr; a < end;) {
    const Region* r = p.mem().find(a);
    if (!r) {
      hole = true;
      auto it = p.mem().regions().upper_bound(a);
      if (it == p.mem().regions().end()) break;
      a = it->second.va;
      continue;
    }
    a = r->va + r->len;
  }
  return hole ? Outcome::error(ENOMEM) : Outcome::done(0);
}

}  // namespace psx
