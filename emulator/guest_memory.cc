#include "emulator/guest_memory.h"

#include <sys/mman.h>
#include <unicorn/unicorn.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace psx::emu {
namespace {

constexpr uint32_t kProtMask = PROT_READ | PROT_WRITE | PROT_EXEC;
static_assert(UC_PROT_READ == PROT_READ && UC_PROT_WRITE == PROT_WRITE && UC_PROT_EXEC == PROT_EXEC,
              "guest prot bits are passed to Unicorn unchanged");

std::string uc_error(const char* what, uint64_t va, uint64_t len, uc_err e) {
  char buf[160];
  snprintf(buf, sizeof buf, "%s [%#llx, +%#llx): %s", what, (unsigned long long)va,
           (unsigned long long)len, uc_strerror(e));
  return buf;
}

bool is_code(uint32_t prot) { return prot & PROT_EXEC; }
bool is_writable_code(uint32_t prot) { return (prot & PROT_EXEC) && (prot & PROT_WRITE); }

}  // namespace

GuestMemory::~GuestMemory() {
  // Unicorn may still point at these pages; the caller closes the engine first
  // or the process is ending anyway. Host mappings are ours to release.
  for (auto& [va, e] : entries_) munmap(e.host, e.len);
}

std::string GuestMemory::check_range(uint64_t va, uint64_t len) {
  if (len == 0 || va % kGuestPage || len % kGuestPage) return "guest range is not page aligned";
  if (va >= kGuestSpace || len > kGuestSpace - va) return "guest range leaves the 32-bit space";
  return "";
}

void GuestMemory::count(const Entry& e, int delta) {
  if (is_writable_code(e.prot)) writable_code_ += delta;
}

std::string GuestMemory::uc_add(uint64_t va, const Entry& e) {
  uc_err err = uc_mem_map_ptr(uc_, va, e.len, e.prot & kProtMask, e.host);
  if (err != UC_ERR_OK) return uc_error("uc_mem_map_ptr", va, e.len, err);
  count(e, +1);
  return "";
}

std::string GuestMemory::uc_remove(uint64_t va, const Entry& e) {
  // Drop translations while the range is still mapped (Unicorn translates the
  // address to find the pages).
  if (is_code(e.prot)) uc_ctl_remove_cache(uc_, uint64_t{va}, uint64_t{va + e.len});
  uc_err err = uc_mem_unmap(uc_, va, e.len);
  if (err != UC_ERR_OK) return uc_error("uc_mem_unmap", va, e.len, err);
  count(e, -1);
  return "";
}

std::string GuestMemory::split_at(uint64_t at) {
  auto it = entries_.upper_bound(at);
  if (it == entries_.begin()) return "";
  --it;
  uint64_t va = it->first;
  Entry whole = it->second;
  if (at <= va || at >= va + whole.len) return "";
  if (auto err = uc_remove(va, whole); !err.empty()) return err;
  Entry low{at - va, whole.host, whole.prot};
  Entry high{va + whole.len - at, whole.host + (at - va), whole.prot};
  it->second = low;
  entries_.emplace(at, high);
  if (auto err = uc_add(va, low); !err.empty()) return err;
  return uc_add(at, high);
}

std::string GuestMemory::map(uint64_t va, uint64_t len, uint64_t offset, uint32_t prot,
                             bool replace) {
  if (auto err = check_range(va, len); !err.empty()) return err;
  if (offset % kGuestPage) return "memory-object offset is not page aligned";
  if (prot & ~kProtMask) return "unknown protection bits";
  if (replace) {
    if (auto err = unmap(va, len); !err.empty()) return err;
  } else {
    auto it = entries_.lower_bound(va);
    if (it != entries_.end() && it->first < va + len) return "mapping overlaps an existing one";
    if (it != entries_.begin() && std::prev(it)->first + std::prev(it)->second.len > va)
      return "mapping overlaps an existing one";
  }
  // The host side is always read-write: Unicorn enforces the guest's prot, and
  // the kernel host may write a read-only guest page (e.g. loading the image).
  void* host = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, memfd_, (off_t)offset);
  if (host == MAP_FAILED) return std::string("mmap of the guest memory object: ") + strerror(errno);
  Entry e{len, static_cast<uint8_t*>(host), prot};
  if (auto err = uc_add(va, e); !err.empty()) {
    munmap(host, len);
    return err;
  }
  entries_.emplace(va, e);
  return "";
}

std::string GuestMemory::unmap(uint64_t va, uint64_t len) {
  if (auto err = check_range(va, len); !err.empty()) return err;
  if (auto err = split_at(va); !err.empty()) return err;
  if (auto err = split_at(va + len); !err.empty()) return err;
  for (auto it = entries_.lower_bound(va); it != entries_.end() && it->first < va + len;) {
    if (auto err = uc_remove(it->first, it->second); !err.empty()) return err;
    munmap(it->second.host, it->second.len);
    it = entries_.erase(it);
  }
  return "";
}

std::string GuestMemory::protect(uint64_t va, uint64_t len, uint32_t prot) {
  if (auto err = check_range(va, len); !err.empty()) return err;
  if (prot & ~kProtMask) return "unknown protection bits";
  if (auto err = split_at(va); !err.empty()) return err;
  if (auto err = split_at(va + len); !err.empty()) return err;
  // mprotect(2) fails with ENOMEM on holes; the personality checks that first,
  // so a hole here is a broken invariant of the kernel host. (Splitting first
  // changes nothing the guest can see.)
  uint64_t covered = va;
  for (auto it = entries_.lower_bound(va); it != entries_.end() && it->first == covered &&
                                           covered < va + len; ++it)
    covered += it->second.len;
  if (covered != va + len) return "protect of a range with holes";
  for (auto it = entries_.lower_bound(va); it != entries_.end() && it->first < va + len; ++it) {
    Entry& e = it->second;
    if (e.prot == prot) continue;
    if (is_code(e.prot) || is_code(prot))
      uc_ctl_remove_cache(uc_, uint64_t{it->first}, uint64_t{it->first + e.len});
    uc_err err = uc_mem_protect(uc_, it->first, e.len, prot);
    if (err != UC_ERR_OK) return uc_error("uc_mem_protect", it->first, e.len, err);
    count(e, -1);
    e.prot = prot;
    count(e, +1);
  }
  return "";
}

void GuestMemory::drop_code_translations() {
  for (auto& [va, e] : entries_)
    if (is_code(e.prot)) uc_ctl_remove_cache(uc_, uint64_t{va}, uint64_t{va + e.len});
}

void GuestMemory::drop_writable_code_translations() {
  for (auto& [va, e] : entries_)
    if (is_writable_code(e.prot)) uc_ctl_remove_cache(uc_, uint64_t{va}, uint64_t{va + e.len});
}

uint8_t* GuestMemory::host_at(uint64_t va, uint32_t prot, uint64_t* room) const {
  auto it = entries_.upper_bound(va);
  if (it == entries_.begin()) return nullptr;
  --it;
  const Entry& e = it->second;
  if (va >= it->first + e.len || (e.prot & prot) != prot) return nullptr;
  *room = it->first + e.len - va;
  return e.host + (va - it->first);
}

bool GuestMemory::read(uint64_t va, void* out, uint64_t len) const {
  auto* p = static_cast<uint8_t*>(out);
  while (len) {
    uint64_t room;
    const uint8_t* h = host_at(va, PROT_READ, &room);
    if (!h) return false;
    uint64_t n = std::min(room, len);
    memcpy(p, h, n);
    va += n, p += n, len -= n;
  }
  return true;
}

bool GuestMemory::write(uint64_t va, const void* in, uint64_t len) {
  auto* p = static_cast<const uint8_t*>(in);
  while (len) {
    uint64_t room;
    uint8_t* h = host_at(va, PROT_WRITE, &room);
    if (!h) return false;
    uint64_t n = std::min(room, len);
    memcpy(h, p, n);
    va += n, p += n, len -= n;
  }
  return true;
}

}  // namespace psx::emu
