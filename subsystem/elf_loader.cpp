#include "subsystem/elf_loader.h"

#include <elf.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>

#include <algorithm>
#include <cstring>

namespace psx {
namespace {

constexpr uint16_t kEmRiscv = 243;

const AbiLayout kX86Layout{
    .pie_base = 0x0000'4000'0000'0000ull,
    .stack_top = 0x0000'3fff'ffff'f000ull,
    .stack_size = 8ull << 20,
    .mmap_lo = 0x0000'1000'0000'0000ull,
    .mmap_hi = 0x0000'3f00'0000'0000ull,
    .heap_max = 1ull << 30,
};
const AbiLayout kRv32Layout{
    .pie_base = 0x0040'0000ull,
    .stack_top = 0xbfff'f000ull,
    .stack_size = 8ull << 20,
    .mmap_lo = 0x4000'0000ull,
    .mmap_hi = 0xb000'0000ull,
    .heap_max = 256ull << 20,
};

Err<LoadError> bad(int err, std::string msg) { return Err<LoadError>{LoadError{err, std::move(msg)}}; }

uint32_t elf_prot(uint32_t pf) {
  return ((pf & PF_R) ? PROT_READ : 0) | ((pf & PF_W) ? PROT_WRITE : 0) | ((pf & PF_X) ? PROT_EXEC : 0);
}

// Both ELF classes read into one neutral shape.
struct Seg {
  uint32_t type, flags;
  uint64_t offset, vaddr, filesz, memsz;
};
struct Parsed {
  Abi abi;
  bool pie;
  uint64_t entry, phoff;
  uint16_t phentsize, phnum;
  std::vector<Seg> segs;
};

template <class Ehdr, class Phdr>
Result<Parsed, LoadError> parse(std::span<const uint8_t> f, Abi abi) {
  if (f.size() < sizeof(Ehdr)) return bad(ENOEXEC, "truncated ELF header");
  Ehdr eh;
  memcpy(&eh, f.data(), sizeof eh);
  if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
    return bad(ENOEXEC, "not an executable (ELF type " + std::to_string(eh.e_type) + ")");
  if (eh.e_phentsize != sizeof(Phdr)) return bad(ENOEXEC, "unexpected program header size");
  if (eh.e_phnum == 0 || eh.e_phnum > 256) return bad(ENOEXEC, "bad program header count");
  uint64_t ph_end = uint64_t(eh.e_phoff) + uint64_t(eh.e_phnum) * sizeof(Phdr);
  if (eh.e_phoff == 0 || ph_end > f.size()) return bad(ENOEXEC, "truncated: program headers lie past the end of the file");
  Parsed p{abi, eh.e_type == ET_DYN, eh.e_entry, eh.e_phoff, eh.e_phentsize, eh.e_phnum, {}};
  for (int i = 0; i < eh.e_phnum; i++) {
    Phdr ph;
    memcpy(&ph, f.data() + eh.e_phoff + i * sizeof(Phdr), sizeof ph);
    if (ph.p_type == PT_INTERP)
      return bad(ENOEXEC, "dynamically linked executable: dynamic linking is not supported yet (build with -static)");
    if (ph.p_type != PT_LOAD && ph.p_type != PT_PHDR && ph.p_type != PT_TLS && ph.p_type != PT_GNU_STACK) continue;
    Seg s{ph.p_type, ph.p_flags, ph.p_offset, ph.p_vaddr, ph.p_filesz, ph.p_memsz};
    if (s.type == PT_LOAD) {
      if (s.filesz > s.memsz) return bad(ENOEXEC, "segment file size exceeds memory size");
      if (s.offset + s.filesz < s.offset || s.offset + s.filesz > f.size())
        return bad(ENOEXEC, "truncated: a segment lies past the end of the file");
      if (s.vaddr + s.memsz < s.vaddr) return bad(ENOEXEC, "segment address overflows");
      if ((s.vaddr - s.offset) % kPage != 0) return bad(ENOEXEC, "misaligned segment");
    }
    p.segs.push_back(s);
  }
  if (std::none_of(p.segs.begin(), p.segs.end(), [](const Seg& s) { return s.type == PT_LOAD; }))
    return bad(ENOEXEC, "no loadable segments");
  return p;
}

Result<Parsed, LoadError> parse_any(std::span<const uint8_t> f) {
  if (f.size() < 4 || memcmp(f.data(), ELFMAG, SELFMAG) != 0) return bad(ENOEXEC, "not an ELF executable");
  if (f.size() < EI_NIDENT + 4) return bad(ENOEXEC, "truncated ELF header");
  uint8_t cls = f[EI_CLASS], data = f[EI_DATA];
  if (data != ELFDATA2LSB) return bad(ENOEXEC, "big-endian ELF is not supported");
  uint16_t machine;
  memcpy(&machine, f.data() + 18, 2);
  if (cls == ELFCLASS64 && machine == EM_X86_64) return parse<Elf64_Ehdr, Elf64_Phdr>(f, Abi::kLinuxX86_64);
  if (cls == ELFCLASS32 && machine == kEmRiscv) return parse<Elf32_Ehdr, Elf32_Phdr>(f, Abi::kLinuxRiscv32);
  if (machine == kEmRiscv) return bad(ENOEXEC, "RISC-V ELF64 (rv64) is not supported: psx emulates riscv32");
  return bad(ENOEXEC, "ELF for an unsupported machine (e_machine " + std::to_string(machine) + ", class " +
                          std::to_string(cls == ELFCLASS64 ? 64 : 32) + "); psx runs x86-64 and riscv32");
}

// The initial stack, built bottom-up in a scratch vector then copied in place.
template <class Word>
struct StackBuilder {
  std::vector<uint8_t> strings;  // placed at the top
  uint64_t top;
  explicit StackBuilder(uint64_t t) : top(t) {}
  // Returns the guest address a string will have; layout fixed at the end.
  size_t add(const void* p, size_t n) {
    size_t at = strings.size();
    strings.insert(strings.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
    return at;
  }
  size_t add_str(const std::string& s) { return add(s.c_str(), s.size() + 1); }
};

uint64_t hwcap_for(Abi abi) {
  if (abi == Abi::kLinuxX86_64) return getauxval(AT_HWCAP);
  // riscv: one bit per single-letter extension; we emulate I, M, A.
  return (1u << ('i' - 'a')) | (1u << ('m' - 'a')) | (1u << ('a' - 'a'));
}

template <class Word>
Result<uint64_t, LoadError> build_stack(const LoadRequest& req, const Parsed& p, uint64_t load_bias,
                                        uint64_t phdr_va, GuestMemory& mem, const AbiLayout& lay) {
  auto off = mem.alloc(lay.stack_size);
  if (!off) return bad(ENOMEM, "out of guest memory for the stack");
  uint64_t lo = lay.stack_top - lay.stack_size;
  mem.add(Region{lo, lay.stack_size, *off, PROT_READ | PROT_WRITE, RegionKind::kStack});

  StackBuilder<Word> sb(lay.stack_top);
  std::vector<size_t> argv_at, envp_at;
  for (auto& a : req.argv) argv_at.push_back(sb.add_str(a));
  for (auto& e : req.envp) envp_at.push_back(sb.add_str(e));
  size_t execfn_at = sb.add_str(req.execfn);
  const std::string platform = p.abi == Abi::kLinuxX86_64 ? "x86_64" : "riscv32";
  size_t platform_at = sb.add_str(platform);
  uint8_t rnd[16];
  if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) memset(rnd, 0x5a, sizeof rnd);
  size_t random_at = sb.add(rnd, sizeof rnd);

  uint64_t strings_base = (lay.stack_top - 16 - sb.strings.size()) & ~uint64_t(15);
  auto str = [&](size_t at) { return Word(strings_base + at); };

  std::vector<Word> words;
  words.push_back(Word(req.argv.size()));
  for (size_t a : argv_at) words.push_back(str(a));
  words.push_back(0);
  for (size_t e : envp_at) words.push_back(str(e));
  words.push_back(0);
  auto aux = [&](uint64_t k, uint64_t v) {
    words.push_back(Word(k));
    words.push_back(Word(v));
  };
  aux(AT_PHDR, phdr_va);
  aux(AT_PHENT, p.phentsize);
  aux(AT_PHNUM, p.phnum);
  aux(AT_PAGESZ, kPage);
  aux(AT_BASE, 0);
  aux(AT_FLAGS, 0);
  aux(AT_ENTRY, p.entry + load_bias);
  aux(AT_UID, req.uid);
  aux(AT_EUID, req.uid);
  aux(AT_GID, req.gid);
  aux(AT_EGID, req.gid);
  aux(AT_SECURE, 0);
  aux(AT_RANDOM, str(random_at));
  aux(AT_HWCAP, hwcap_for(p.abi));
  aux(AT_HWCAP2, 0);
  aux(AT_CLKTCK, 100);
  aux(AT_PLATFORM, str(platform_at));
  aux(AT_EXECFN, str(execfn_at));
  if (p.abi == Abi::kLinuxX86_64) aux(AT_MINSIGSTKSZ, getauxval(AT_MINSIGSTKSZ));
  aux(AT_NULL, 0);

  uint64_t words_bytes = words.size() * sizeof(Word);
  uint64_t sp = (strings_base - words_bytes) & ~uint64_t(15);
  if (lay.stack_top - sp > lay.stack_size / 4)
    return bad(E2BIG, "argument list and environment too large");
  uint8_t* base = mem.at(*off) - lo;  // guest address -> host pointer within the stack
  memcpy(base + sp, words.data(), words_bytes);
  memcpy(base + strings_base, sb.strings.data(), sb.strings.size());
  return sp;
}

}  // namespace

const AbiLayout& layout_for(Abi abi) { return abi == Abi::kLinuxRiscv32 ? kRv32Layout : kX86Layout; }

Result<Abi, LoadError> probe_elf(std::span<const uint8_t> file) {
  auto p = parse_any(file);
  if (!p) return Err{p.error()};
  return p->abi;
}

Result<LoadedImage, LoadError> load_elf(const LoadRequest& req, GuestMemory& mem) {
  auto parsed = parse_any(req.file);
  if (!parsed) return Err{parsed.error()};
  const Parsed& p = *parsed;
  const AbiLayout& lay = layout_for(p.abi);
  const uint64_t addr_limit = p.abi == Abi::kLinuxRiscv32 ? (1ull << 32) : (1ull << 47);

  // The image is one contiguous allocation in the memory object; regions are
  // cut from it by protection, pages shared by two segments get both's rights.
  uint64_t lo = UINT64_MAX, hi = 0;
  for (auto& s : p.segs)
    if (s.type == PT_LOAD) {
      lo = std::min(lo, page_down(s.vaddr));
      hi = std::max(hi, page_up(s.vaddr + s.memsz));
    }
  uint64_t bias = p.pie ? lay.pie_base - lo : 0;
  lo += bias;
  hi += bias;
  if (hi > addr_limit || lo < kPage) return bad(ENOEXEC, "segments lie outside the guest address space");
  if (hi - lo > (1ull << 32)) return bad(ENOMEM, "image larger than 4 GiB");
  if (mem.hits_host_range(lo, hi - lo))
    return bad(ENOMEM, "the program's fixed load address collides with psx's own mappings");

  auto img = mem.alloc(hi - lo);
  if (!img) return bad(ENOMEM, "out of guest memory for the image");
  std::vector<uint32_t> page_prot((hi - lo) / kPage, 0);
  uint8_t* dst = mem.at(*img);
  for (auto& s : p.segs) {
    if (s.type != PT_LOAD) continue;
    memcpy(dst + (s.vaddr + bias - lo), req.file.data() + s.offset, s.filesz);
    for (uint64_t a = page_down(s.vaddr + bias); a < page_up(s.vaddr + bias + s.memsz); a += kPage)
      page_prot[(a - lo) / kPage] |= elf_prot(s.flags);
  }
  LoadedImage out;
  for (size_t i = 0; i < page_prot.size();) {
    size_t j = i;
    while (j < page_prot.size() && page_prot[j] == page_prot[i]) j++;
    if (page_prot[i] != 0)  // a gap between segments stays unmapped
      mem.add(Region{lo + i * kPage, (j - i) * kPage, *img + i * kPage, page_prot[i], RegionKind::kImage});
    else
      mem.release(*img + i * kPage, (j - i) * kPage);
    i = j;
  }

  // AT_PHDR: the PT_PHDR segment, else the headers inside the first loaded segment.
  uint64_t phdr_va = 0;
  for (auto& s : p.segs)
    if (s.type == PT_PHDR) phdr_va = s.vaddr + bias;
  if (!phdr_va)
    for (auto& s : p.segs)
      if (s.type == PT_LOAD && s.offset <= p.phoff && p.phoff < s.offset + s.filesz) {
        phdr_va = s.vaddr + bias + (p.phoff - s.offset);
        break;
      }

  out.brk_start = hi;
  auto heap = mem.alloc(lay.heap_max);
  if (!heap) return bad(ENOMEM, "out of guest memory for the heap");
  out.heap_off = *heap;

  auto sp = p.abi == Abi::kLinuxRiscv32 ? build_stack<uint32_t>(req, p, bias, phdr_va, mem, lay)
                                        : build_stack<uint64_t>(req, p, bias, phdr_va, mem, lay);
  if (!sp) return Err{sp.error()};

  if (p.abi == Abi::kLinuxRiscv32) {
    // The signal return trampoline (boot_info.h): li a7, 139 (rt_sigreturn); ecall.
    if (mem.overlaps(kRv32SigreturnVa, kPage))
      return bad(ENOMEM, "the program's segments cover the signal trampoline page");
    auto page = mem.alloc(kPage);
    if (!page) return bad(ENOMEM, "out of guest memory for the signal trampoline");
    const uint32_t code[2] = {0x08b00893, 0x00000073};
    memcpy(mem.at(*page), code, sizeof code);
    mem.add(Region{kRv32SigreturnVa, kPage, *page, PROT_READ | PROT_EXEC, RegionKind::kImage});
    out.boot.sigreturn = kRv32SigreturnVa;
  }
  out.entry = p.entry + bias;
  out.phdr = phdr_va;
  out.boot.abi = p.abi;
  out.boot.entry = out.entry;
  out.boot.sp = *sp;
  for (auto& [va, r] : mem.regions()) {
    if (out.boot.nregions == kMaxBootRegions) return bad(ENOEXEC, "too many segments");
    out.boot.regions[out.boot.nregions++] = BootRegion{r.va, r.len, r.off, r.prot, 0};
  }
  return out;
}

}  // namespace psx
