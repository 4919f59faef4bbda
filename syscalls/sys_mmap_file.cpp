// mmap of store files: MAP_PRIVATE (and read-only MAP_SHARED) mappings are
// fresh guest memory filled by reading the file through the storage process
// (kStorageRead straight into the new region, which is in the region table,
// writable, before the read); the completion's map action then shows it to
// the guest with the asked protection. Writes to such a mapping never reach
// the file, as for MAP_PRIVATE. Partial: a read-only MAP_SHARED mapping is a
// snapshot (later writes to the file do not show through); writable
// MAP_SHARED mappings of files answer ENODEV (no write-back path yet); pages
// past the end of the file read as zeros instead of raising SIGBUS.
// /dev/zero maps as anonymous memory, as on Linux; other devices, the
// console and directories have no mmap (ENODEV).
#include "syscalls/mmap_file.h"

#include <fcntl.h>
#include <sys/mman.h>

#include "kernelprocs/device.h"
#include "kernelprocs/storage_protocol.h"

namespace psx {
namespace {

// Call scratch while the file is read in: st[0] = va, st[1] = length,
// st[2] = memory-object offset, st[3] = prot | fixed << 32, st[4] = file
// offset, st[5] = bytes read so far. The descriptor is the call's a[4].
constexpr uint64_t kChunk = 1u << 30;  // a message's buffer length is 32 bits

Outcome read_next(Personality& p, Call& c);

Outcome on_read(Personality& p, Call& c, const Message& reply) {
  uint64_t va = c.st[0], len = c.st[1];
  bool fixed = c.st[3] >> 32;
  uint32_t prot = uint32_t(c.st[3]);
  if (reply.arg[0] < 0) {
    p.mem().remove_range(va, len);  // frees the bytes too
    Outcome o = Outcome::error(int(-reply.arg[0]));
    if (fixed) o.with(Action::kUnmap, va, len);  // what was there is gone, as after Linux's failed MAP_FIXED
    return o;
  }
  uint64_t n = uint64_t(reply.arg[0]);
  c.st[5] += n;
  if (n == std::min(kChunk, len - (c.st[5] - n)) && c.st[5] < len) return read_next(p, c);
  // The rest (past the end of the file) stays zero.
  if (Region* r = p.mem().find_mut(va)) r->prot = prot;
  return Outcome::done(int64_t(va)).with(Action::kMap, va, len, c.st[2], prot, fixed ? kMapReplace : 0);
}

Outcome read_next(Personality& p, Call& c) {
  FdEntry* e = p.fd(c.i(4));
  uint64_t done = c.st[5], chunk = std::min(kChunk, c.st[1] - done);
  uint64_t ino = e ? e->file->ino : 0;
  return p.request(c, kStorageAddress, kStorageRead, p.guest_buf(c.st[0] + done, chunk), on_read, int64_t(ino),
                   int64_t(c.st[4] + done));
}

}  // namespace

SysResult<FileMapping> file_mapping_kind(const OpenFile& f, uint32_t prot, uint32_t type) {
  uint32_t acc = f.status_flags & O_ACCMODE;
  bool readable = acc == O_RDONLY || acc == O_RDWR, writable = acc == O_WRONLY || acc == O_RDWR;
  bool shared = type != MAP_PRIVATE;
  if (shared && (prot & PROT_WRITE) && !writable) return fail(EACCES);
  if (!readable) return fail(EACCES);
  if (f.kind == FileKind::kDevice) {
    if (f.object == kDevZero) return FileMapping::kZero;
    return fail(ENODEV);
  }
  if (f.kind != FileKind::kRegular || !f.ino || f.owner != kStorageAddress) return fail(ENODEV);
  if (shared && (prot & PROT_WRITE)) return fail(ENODEV);  // no write-back of shared file pages yet
  return FileMapping::kStoreFile;
}

Outcome map_file(Personality& p, Call& c, uint64_t va, uint64_t plen, uint32_t prot, bool fixed, const OpenFile&,
                 uint64_t off) {
  GuestMemory& m = p.mem();
  auto bytes = m.alloc(plen);
  if (!bytes) return Outcome::error(ENOMEM);
  if (fixed) m.remove_range(va, plen);
  // Writable until the bytes are in: the storage process writes them in place.
  m.add(Region{va, plen, *bytes, PROT_READ | PROT_WRITE, RegionKind::kAnon, false});
  c.st[0] = va;
  c.st[1] = plen;
  c.st[2] = *bytes;
  c.st[3] = prot | (uint64_t(fixed) << 32);
  c.st[4] = off;
  c.st[5] = 0;
  return read_next(p, c);
}

}  // namespace psx
