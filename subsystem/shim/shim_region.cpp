// Placement and filling of the shim region, and load-time patching (see
// shim_region.h). Patching happens here, in the kernel host, on the guest
// memory object itself: the guest host process maps the already patched
// pages, so no guest instruction ever runs unpatched bytes half-written.
#include "subsystem/shim/shim_region.h"

#include <sys/mman.h>

#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include "subsystem/shim/stub_builder.h"

extern "C" char psx_stub_entry[];  // stub_entry.S; same address in the forked guest host process

namespace psx::shim {
namespace {

constexpr uint64_t kReach = (1ull << 31) - (1ull << 20);  // rel32, with a margin

bool reachable(uint64_t a, uint64_t b_lo, uint64_t b_hi) {
  uint64_t lo = std::min(a, b_lo), hi = std::max(a, b_hi);
  return hi - lo < kReach;
}

// Scanning and stub building cost milliseconds for a large program, and a
// shell execs the same one again and again: their results are kept by the
// bytes (and addresses) they were computed from. Kernel host only.
struct Analysis {
  ScanResult scan;
  uint64_t stubs_va = 0;
  StubImage stubs;
};
constexpr size_t kMaxCached = 16;
std::unordered_map<uint64_t, std::shared_ptr<Analysis>>& analysis_cache() {
  static std::unordered_map<uint64_t, std::shared_ptr<Analysis>> cache;
  return cache;
}

// FNV-1a over the spans' addresses and bytes, eight bytes at a time.
uint64_t fingerprint(const std::vector<CodeSpan>& code, const std::vector<CodeSpan>& data) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  for (const auto* spans : {&code, &data})
    for (const CodeSpan& sp : *spans) {
      mix(sp.va);
      mix(sp.bytes.size());
      size_t n = sp.bytes.size() / 8;
      const uint8_t* b = sp.bytes.data();
      for (size_t i = 0; i < n; i++) {
        uint64_t w;
        memcpy(&w, b + i * 8, 8);
        mix(w);
      }
      for (size_t i = n * 8; i < sp.bytes.size(); i++) mix(b[i]);
    }
  return h;
}

bool free_at(const GuestMemory& mem, uint64_t va, uint64_t len) {
  return va >= (1ull << 16) && va + len < (1ull << 47) && !mem.overlaps(va, len) && !mem.hits_host_range(va, len);
}

}  // namespace

SysResult<ShimRegion> prepare_shim_region(GuestMemory& mem, TrapMode mode, uint64_t brk_hi) {
  ShimRegion out;
  std::vector<CodeSpan> code, data;
  uint64_t code_lo = UINT64_MAX, code_hi = 0;
  for (auto& [va, r] : mem.regions()) {
    if (r.kind != RegionKind::kImage || !(r.prot & PROT_READ)) continue;
    CodeSpan s{r.va, std::span<const uint8_t>(mem.at(r.off), r.len)};
    if (r.prot & PROT_EXEC) {
      code.push_back(s);
      code_lo = std::min(code_lo, r.va);
      code_hi = std::max(code_hi, r.va + r.len);
    } else {
      data.push_back(s);
    }
  }
  if (code.empty()) mode = TrapMode::kSud;

  std::shared_ptr<Analysis> known;
  uint64_t stubs_len = 0;
  uint64_t key = 0;
  if (mode == TrapMode::kRewrite) {
    key = fingerprint(code, data);
    auto& cache = analysis_cache();
    if (auto it = cache.find(key); it != cache.end()) known = it->second;
    if (!known) {
      known = std::make_shared<Analysis>();
      std::vector<uint64_t> ptrs = code_pointers_in(data, code);
      known->scan = scan_sites(code, ptrs);
      if (cache.size() >= kMaxCached) cache.clear();
      cache[key] = known;
    }
    const ScanResult& scan = known->scan;
    out.scan = scan.stats;
    uint64_t bound = 16;
    for (auto& s : scan.sites) bound += 2 * (s.end - s.start) + kMaxStubBytes;
    stubs_len = page_up(bound);
  }
  const uint64_t stack_len = mode == TrapMode::kRewrite ? kShimStackBytes : 0;
  const uint64_t len = 2 * kPage + stubs_len + stack_len;

  // Above brk's reach if the code can jump there, else just below the code.
  uint64_t va = 0;
  uint64_t above = page_up(brk_hi) + kPage;
  uint64_t below = code_lo > len + (1ull << 20) ? page_down(code_lo - len - kPage) : 0;
  auto fits = [&](uint64_t cand) {
    if (!cand || !free_at(mem, cand, len)) return false;
    return mode != TrapMode::kRewrite || (reachable(cand, code_lo, code_hi) && reachable(cand + len, code_lo, code_hi));
  };
  if (fits(above)) va = above;
  else if (fits(below)) va = below;
  if (!va && mode == TrapMode::kRewrite) return prepare_shim_region(mem, TrapMode::kSud, brk_hi);
  if (!va) {
    va = mem.find_free_top_down(len, 1ull << 32, 1ull << 46);
    if (!va) return fail(ENOMEM);
  }
  auto off = mem.alloc(len);
  if (!off) return fail(off.error().value);
  mem.reserve_host_range(va, va + len);

  ShimSetup& s = out.setup;
  s.mode = mode;
  s.va = va;
  s.len = len;
  s.off = *off;
  s.identity_va = va;
  s.counters_va = va + kPage;
  s.stubs_va = va + 2 * kPage;
  s.stubs_len = stubs_len;
  s.stack_va = s.stubs_va + stubs_len;
  s.stack_len = stack_len;
  memset(mem.at(*off), 0, 2 * kPage);

  if (mode == TrapMode::kRewrite) {
    if (known->stubs_va != s.stubs_va) {
      known->stubs = build_stubs(known->scan.sites, code, s.stubs_va, reinterpret_cast<uint64_t>(psx_stub_entry));
      known->stubs_va = s.stubs_va;
    }
    const StubImage& img = known->stubs;
    if (img.code.size() > stubs_len) return fail(EOVERFLOW);  // kMaxStubBytes is wrong: a psx bug
    memcpy(mem.at(*off + 2 * kPage), img.code.data(), img.code.size());
    for (const StubPatch& p : img.patches) {
      const Region* r = mem.find(p.va);
      memcpy(mem.at(r->off + (p.va - r->va)), p.bytes.data(), p.bytes.size());
    }
    out.patched = uint32_t(img.patches.size());
    out.scan.accepted = out.patched;
  }
  Counters* c = reinterpret_cast<Counters*>(mem.at(*off + kPage));
  c->sites_patched = out.patched;
  c->sites_seen = out.scan.syscalls;
  return out;
}

void publish_identity(GuestMemory& mem, const ShimSetup& s, const Identity& id) {
  if (!s.len) return;
  auto* dst = reinterpret_cast<Identity*>(mem.at(s.off));
  // Word by word, magic last: the shim answers only once magic is set.
  __atomic_store_n(&dst->answer_locally, id.answer_locally, __ATOMIC_RELAXED);
  __atomic_store_n(&dst->pid, id.pid, __ATOMIC_RELAXED);
  __atomic_store_n(&dst->ppid, id.ppid, __ATOMIC_RELAXED);
  __atomic_store_n(&dst->tid, id.tid, __ATOMIC_RELAXED);
  __atomic_store_n(&dst->uid, id.uid, __ATOMIC_RELAXED);
  __atomic_store_n(&dst->euid, id.euid, __ATOMIC_RELAXED);
  __atomic_store_n(&dst->gid, id.gid, __ATOMIC_RELAXED);
  __atomic_store_n(&dst->egid, id.egid, __ATOMIC_RELAXED);
  __atomic_store_n(&dst->magic, kIdentityMagic, __ATOMIC_RELEASE);
}

Counters read_counters(GuestMemory& mem, const ShimSetup& s) {
  Counters c{};
  if (s.len) memcpy(&c, mem.at(s.off + kPage), sizeof c);
  return c;
}

}  // namespace psx::shim
