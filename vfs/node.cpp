#include "vfs/node.h"

#include <sys/stat.h>

namespace psx::vfs {

static_assert(kRegular == S_IFREG && kDirectory == S_IFDIR && kSymlink == S_IFLNK && kFifo == S_IFIFO &&
              kCharDevice == S_IFCHR && kBlockDevice == S_IFBLK && kSocket == S_IFSOCK && kTypeMask == S_IFMT);
static_assert(kSetUid == S_ISUID && kSetGid == S_ISGID && kSticky == S_ISVTX);

using storage::InodeType;

uint32_t type_bits(InodeType t) {
  switch (t) {
    case InodeType::regular: return kRegular;
    case InodeType::directory: return kDirectory;
    case InodeType::symlink: return kSymlink;
    case InodeType::fifo: return kFifo;
    case InodeType::char_device: return kCharDevice;
    case InodeType::block_device: return kBlockDevice;
    case InodeType::socket: return kSocket;
  }
  return 0;
}

std::optional<InodeType> type_of_mode(uint32_t mode) {
  switch (mode & kTypeMask) {
    case kRegular: return InodeType::regular;
    case kDirectory: return InodeType::directory;
    case kSymlink: return InodeType::symlink;
    case kFifo: return InodeType::fifo;
    case kCharDevice: return InodeType::char_device;
    case kBlockDevice: return InodeType::block_device;
    case kSocket: return InodeType::socket;
  }
  return std::nullopt;
}

uint8_t dtype_of(InodeType t) { return static_cast<uint8_t>(type_bits(t) >> 12); }  // DT_* = S_IF* >> 12

bool permits(const Cred& cred, const storage::InodeRecord& rec, int want) {
  if (cred.is_root()) {
    if (!(want & kMayExec)) return true;
    return rec.kind() == InodeType::directory || (rec.perm & 0111);
  }
  uint32_t bits;
  if (cred.uid == rec.uid) bits = (rec.perm >> 6) & 7;
  else if (cred.in_group(rec.gid)) bits = (rec.perm >> 3) & 7;
  else bits = rec.perm & 7;
  return (bits & static_cast<uint32_t>(want)) == static_cast<uint32_t>(want);
}

Stat to_stat(Ino ino, const storage::InodeRecord& rec) {
  Stat s;
  s.ino = ino;
  s.mode = type_bits(rec.kind()) | (rec.perm & kPermMask);
  s.nlink = rec.nlink;
  s.uid = rec.uid;
  s.gid = rec.gid;
  s.rdev = rec.rdev;
  // Directories report one page, as ext4 does; their entries live in dirents.
  s.size = rec.kind() == InodeType::directory ? 4096 : rec.size;
  s.blocks = (rec.stored_bytes + 511) / 512;
  s.atime_ns = rec.atime_ns;
  s.mtime_ns = rec.mtime_ns;
  s.ctime_ns = rec.ctime_ns;
  s.btime_ns = rec.btime_ns;
  return s;
}

}  // namespace psx::vfs
