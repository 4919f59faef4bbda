// brk, mmap, mmap2, munmap, mprotect, madvise. The personality decides every
// mapping and keeps the region table; the guest host process carries the
// change out (the completion's action). Mappings of files: sys_mmap_file.cpp.
#include <sys/mman.h>

#include "subsystem/elf_loader.h"
#include "subsystem/personality.h"
#include "syscalls/mmap_file.h"

namespace psx {
namespace {

uint64_t addr_limit(const Call& c) { return c.wide() ? (1ull << 47) : (1ull << 32); }

Outcome map_anon(Personality& p, Call& c, uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags,
                 int fd, uint64_t off) {
  constexpr uint32_t kFixedNoReplace = 0x100000;
  if (!(flags & MAP_ANONYMOUS)) {  // Linux looks at the descriptor first
    if (off % kPage) return Outcome::error(EINVAL);
    if (!p.fd(fd)) return Outcome::error(EBADF);
  }
  if (len == 0) return Outcome::error(EINVAL);
  uint64_t plen = page_up(len);
  if (plen < len || plen > addr_limit(c)) return Outcome::error(ENOMEM);
  uint32_t type = flags & 0x0f;
  if (type != MAP_SHARED && type != MAP_PRIVATE && type != 0x03 /*MAP_SHARED_VALIDATE*/)
    return Outcome::error(EINVAL);
  if (prot & ~uint32_t(PROT_READ | PROT_WRITE | PROT_EXEC)) return Outcome::error(EINVAL);
  bool fixed = flags & MAP_FIXED, noreplace = flags & kFixedNoReplace;
  GuestMemory& m = p.mem();
  const AbiLayout& lay = layout_for(c.abi);
  uint64_t va = 0;
  if (fixed || noreplace) {
    if (addr % kPage) return Outcome::error(EINVAL);
    if (addr < kPage || addr + plen > addr_limit(c) || addr + plen < addr) return Outcome::error(ENOMEM);
    if (m.hits_host_range(addr, plen)) return Outcome::error(ENOMEM);  // psx's own pages live there
    if (noreplace && !fixed && m.overlaps(addr, plen)) return Outcome::error(EEXIST);
    va = addr;
  } else {
    uint64_t hint = page_down(addr);
    if (hint >= kPage && hint + plen <= addr_limit(c) && !m.overlaps(hint, plen) && m.free_for_placement(hint, plen))
      va = hint;
    else
      va = m.find_free_top_down(plen, lay.mmap_lo, lay.mmap_hi);
    if (!va) return Outcome::error(ENOMEM);
  }
  std::shared_ptr<OpenFile> file;  // a store file to read in (sys_mmap_file.cpp)
  if (!(flags & MAP_ANONYMOUS)) {
    auto k = file_mapping_kind(*p.fd(fd)->file, prot, type);
    if (!k) return Outcome::error(k.error().value);
    if (*k == FileMapping::kStoreFile) return map_file(p, c, va, plen, prot, fixed, *p.fd(fd)->file, off);
    // /dev/zero: anonymous memory, as on Linux.
  }
  auto bytes = m.alloc(plen);
  if (!bytes) return Outcome::error(ENOMEM);
  if (fixed) m.remove_range(va, plen);
  m.add(Region{va, plen, *bytes, prot, RegionKind::kAnon, type != MAP_PRIVATE});
  return Outcome::done(int64_t(va)).with(Action::kMap, va, plen, *bytes, prot, fixed ? kMapReplace : 0);
}

}  // namespace

Outcome sys_mmap(Personality& p, Call& c) {
  return map_anon(p, c, c.ptr(0), c.ul(1), c.u(2), c.u(3), c.i(4), c.ul(5));
}

Outcome sys_mmap2(Personality& p, Call& c) {
  // riscv32: the offset is in 4096-byte units.
  return map_anon(p, c, c.ptr(0), c.ul(1), c.u(2), c.u(3), c.i(4), c.ul(5) * kPage);
}

Outcome sys_munmap(Personality& p, Call& c) {
  uint64_t addr = c.ptr(0), len = page_up(c.ul(1));
  if (addr % kPage || c.ul(1) == 0 || len < c.ul(1) || addr + len > addr_limit(c) || addr + len < addr)
    return Outcome::error(EINVAL);
  if (p.mem().hits_host_range(addr, len)) return Outcome::error(EINVAL);
  p.mem().remove_range(addr, len);
  return Outcome::done(0).with(Action::kUnmap, addr, len);
}

Outcome sys_mprotect(Personality& p, Call& c) {
  uint64_t addr = c.ptr(0), len = page_up(c.ul(1));
  uint32_t prot = c.u(2);
  if (addr % kPage || len < c.ul(1)) return Outcome::error(EINVAL);
  if (prot & ~uint32_t(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
    return Outcome::error(EINVAL);
  if (len == 0) return Outcome::done(0);
  prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
  auto r = p.mem().protect_range(addr, len, prot);
  if (!r) return Outcome::error(r.error().value);
  return Outcome::done(0).with(Action::kProtect, addr, len, prot);
}

Outcome sys_madvise(Personality& p, Call& c) {
  uint64_t addr = c.ptr(0), len = page_up(c.ul(1));
  int advice = c.i(2);
  if (addr % kPage || len < c.ul(1)) return Outcome::error(EINVAL);
  GuestMemory& m = p.mem();
  for (uint64_t a = addr; a < addr + len;) {
    const Region* r = m.find(a);
    if (!r) return Outcome::error(ENOMEM);
    uint64_t end = std::min(addr + len, r->va + r->len);
    // DONTNEED on private memory must read back as zeros; the guest's pages
    // are the memory object's, so the bytes are dropped there.
    if (advice == MADV_DONTNEED && !r->shared) m.zero(r->off + (a - r->va), end - a);
    a = end;
  }
  return Outcome::done(0);
}

Outcome sys_brk(Personality& p, Call& c) {
  uint64_t want = c.ptr(0);
  if (want < p.brk_start || want - p.brk_start > p.heap_max) return Outcome::done(int64_t(p.brk_cur));
  uint64_t cur_end = page_up(p.brk_cur), new_end = page_up(want);
  GuestMemory& m = p.mem();
  if (new_end > cur_end) {
    uint64_t len = new_end - cur_end;
    if (m.overlaps(cur_end, len) || m.hits_host_range(cur_end, len)) return Outcome::done(int64_t(p.brk_cur));
    uint64_t off = p.heap_off + (cur_end - p.brk_start);
    m.add(Region{cur_end, len, off, PROT_READ | PROT_WRITE, RegionKind::kHeap});
    p.brk_cur = want;
    return Outcome::done(int64_t(want)).with(Action::kMap, cur_end, len, off, PROT_READ | PROT_WRITE, 0);
  }
  p.brk_cur = want;
  if (new_end < cur_end) {
    m.remove_range(new_end, cur_end - new_end);
    return Outcome::done(int64_t(want)).with(Action::kUnmap, new_end, cur_end - new_end);
  }
  return Outcome::done(int64_t(want));
}

}  // namespace psx
