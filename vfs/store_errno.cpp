#include "vfs/store_errno.h"

namespace psx::vfs {

Errno to_errno(const storage::StoreError& e) {
  using storage::StoreErrc;
  switch (e.code) {
    case StoreErrc::ok: return Errno{0};
    case StoreErrc::not_found: return Errno{ENOENT};
    case StoreErrc::exists: return Errno{EEXIST};
    case StoreErrc::busy: return Errno{EBUSY};
    case StoreErrc::map_full: return Errno{ENOSPC};
    case StoreErrc::txn_full: return Errno{EFBIG};
    case StoreErrc::invalid: return Errno{EINVAL};
    case StoreErrc::read_only: return Errno{EROFS};
    case StoreErrc::foreign:
    case StoreErrc::corrupt:
    case StoreErrc::too_new:
    case StoreErrc::io: return Errno{EIO};
  }
  return Errno{EIO};
}

}  // namespace psx::vfs
