#include "tests/emulator/test_image.h"

#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>

namespace psx::emu::test {
namespace {

constexpr uint64_t kPage = 4096;
uint64_t down(uint64_t v) { return v & ~(kPage - 1); }
uint64_t up(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }

uint32_t prot_of(uint32_t pflags) {
  return ((pflags & PF_R) ? PROT_READ : 0) | ((pflags & PF_W) ? PROT_WRITE : 0) |
         ((pflags & PF_X) ? PROT_EXEC : 0);
}

bool add_region(TestImage* img, uint64_t va, uint64_t len, uint32_t prot, uint64_t* offset) {
  if (img->boot.nregions == kMaxBootRegions) return false;
  *offset = img->memfd_size;
  img->memfd_size += len;
  if (ftruncate(img->memfd, (off_t)img->memfd_size) != 0) return false;
  img->boot.regions[img->boot.nregions++] = BootRegion{va, len, *offset, prot, 0};
  return true;
}

}  // namespace

std::string load_test_image(const std::string& path, const std::vector<std::string>& argv,
                            TestImage* img) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)), {});
  if (f.size() < sizeof(Elf32_Ehdr)) return "cannot read " + path;
  Elf32_Ehdr eh;
  memcpy(&eh, f.data(), sizeof eh);
  if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS32 ||
      eh.e_machine != EM_RISCV)
    return path + " is not an ELF32 RISC-V file";
  if (uint64_t(eh.e_phoff) + uint64_t(eh.e_phnum) * sizeof(Elf32_Phdr) > f.size())
    return "program headers out of range";
  img->memfd = memfd_create("psx-test-guest", MFD_CLOEXEC);
  if (img->memfd < 0) return "memfd_create failed";
  img->boot.abi = Abi::kLinuxRiscv32;
  img->boot.entry = eh.e_entry;

  uint64_t top = 0;
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf32_Phdr ph;
    memcpy(&ph, f.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (uint64_t(ph.p_offset) + ph.p_filesz > f.size()) return "segment out of range";
    uint64_t va = down(ph.p_vaddr), len = up(uint64_t(ph.p_vaddr) + ph.p_memsz) - va, off;
    if (!add_region(img, va, len, prot_of(ph.p_flags), &off)) return "too many regions";
    if (pwrite(img->memfd, f.data() + ph.p_offset, ph.p_filesz, off + (ph.p_vaddr - va)) !=
        ssize_t(ph.p_filesz))
      return "pwrite failed";
    top = std::max(top, va + len);
  }
  img->brk = uint32_t(top);

  // Initial stack, top down: strings, then argc/argv/envp/auxv at sp.
  uint64_t stack_off;
  if (!add_region(img, kStackTop - kStackSize, kStackSize, PROT_READ | PROT_WRITE, &stack_off))
    return "too many regions";
  std::vector<uint8_t> stack(kStackSize);
  uint32_t at = kStackSize;
  std::vector<uint32_t> argv_va;
  for (const auto& a : argv) {
    at -= uint32_t(a.size() + 1);
    memcpy(&stack[at], a.c_str(), a.size() + 1);
    argv_va.push_back(kStackTop - kStackSize + at);
  }
  std::vector<uint32_t> words = {uint32_t(argv.size())};
  words.insert(words.end(), argv_va.begin(), argv_va.end());
  words.push_back(0);  // argv end
  words.push_back(0);  // envp end
  for (uint32_t w : {uint32_t(AT_PAGESZ), 4096u, uint32_t(AT_NULL), 0u}) words.push_back(w);
  at = (at - uint32_t(words.size() * 4)) & ~15u;
  memcpy(&stack[at], words.data(), words.size() * 4);
  img->boot.sp = kStackTop - kStackSize + at;
  if (pwrite(img->memfd, stack.data(), stack.size(), stack_off) != ssize_t(stack.size()))
    return "pwrite failed";

  // Symbols, for entry points and expected pcs.
  for (int i = 0; i < eh.e_shnum; ++i) {
    Elf32_Shdr sh, strs;
    if (uint64_t(eh.e_shoff) + (i + 1) * sizeof sh > f.size()) break;
    memcpy(&sh, f.data() + eh.e_shoff + i * sizeof sh, sizeof sh);
    if (sh.sh_type != SHT_SYMTAB || sh.sh_link >= eh.e_shnum) continue;
    memcpy(&strs, f.data() + eh.e_shoff + sh.sh_link * sizeof strs, sizeof strs);
    for (uint32_t o = 0; o + sizeof(Elf32_Sym) <= sh.sh_size; o += sizeof(Elf32_Sym)) {
      Elf32_Sym s;
      memcpy(&s, f.data() + sh.sh_offset + o, sizeof s);
      if (s.st_name == 0 || strs.sh_offset + s.st_name >= f.size()) continue;
      img->symbols[reinterpret_cast<const char*>(f.data() + strs.sh_offset + s.st_name)] =
          s.st_value;
    }
  }
  return "";
}

}  // namespace psx::emu::test
