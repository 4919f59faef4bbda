// vDSO symbol lookup: the vDSO is a small shared object the kernel maps into
// every process (AT_SYSINFO_EHDR); its dynamic symbol table names the clock
// functions. Walks the section headers, which the vDSO image always has.
#include "subsystem/shim/vdso.h"

#include <elf.h>
#include <sys/auxv.h>

#include <cstring>

namespace psx::shim {

namespace {
void* lookup(uintptr_t base, const char* name) {
  auto* eh = reinterpret_cast<const Elf64_Ehdr*>(base);
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64) return nullptr;
  auto* sh = reinterpret_cast<const Elf64_Shdr*>(base + eh->e_shoff);
  // The load bias: the vDSO's first PT_LOAD maps file offset 0 at its p_vaddr.
  auto* ph = reinterpret_cast<const Elf64_Phdr*>(base + eh->e_phoff);
  uintptr_t bias = base;
  for (int i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_LOAD) {
      bias = base - ph[i].p_vaddr;
      break;
    }
  for (int i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_DYNSYM) continue;
    auto* syms = reinterpret_cast<const Elf64_Sym*>(base + sh[i].sh_offset);
    const char* strs = reinterpret_cast<const char*>(base + sh[sh[i].sh_link].sh_offset);
    size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
    for (size_t k = 0; k < n; k++)
      if (syms[k].st_shndx != SHN_UNDEF && ELF64_ST_TYPE(syms[k].st_info) == STT_FUNC &&
          strcmp(strs + syms[k].st_name, name) == 0)
        return reinterpret_cast<void*>(bias + syms[k].st_value);
  }
  return nullptr;
}
}  // namespace

VdsoClock find_vdso_clock() {
  VdsoClock v;
  uintptr_t base = getauxval(AT_SYSINFO_EHDR);
  if (!base) return v;
  v.clock_gettime = reinterpret_cast<int (*)(int, void*)>(lookup(base, "__vdso_clock_gettime"));
  v.time = reinterpret_cast<long (*)(long*)>(lookup(base, "__vdso_time"));
  return v;
}

}  // namespace psx::shim
