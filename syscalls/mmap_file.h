// mmap of files (sys_mmap_file.cpp), called by sys_memory.cpp's mmap once the
// address is chosen.
#pragma once
#include "subsystem/personality.h"

namespace psx {

enum class FileMapping { kStoreFile, kZero };
// What mapping this open file gives with this prot and MAP_ type, or Linux's
// errno (EACCES for the access mode, ENODEV for what cannot be mapped).
SysResult<FileMapping> file_mapping_kind(const OpenFile& f, uint32_t prot, uint32_t type);
// Maps [va, va+plen) with the file's bytes from `off`, read through the
// storage process; parks until they are in.
Outcome map_file(Personality& p, Call& c, uint64_t va, uint64_t plen, uint32_t prot, bool fixed,
                 const OpenFile& f, uint64_t off);

}  // namespace psx
