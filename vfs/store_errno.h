// The one place where a storage error becomes an errno (CONVENTIONS 5).
#pragma once
#include "storage/error.h"
#include "vfs/errno.h"

namespace psx::vfs {

// map_full/txn_full -> ENOSPC/EFBIG; io, corrupt -> EIO; read_only -> EROFS; ...
Errno to_errno(const storage::StoreError& e);

}  // namespace psx::vfs

// Like PSX_TRY, for a storage call inside a vfs function returning SysResult.
#define VFS_TRY(expr)                                                         \
  ({                                                                          \
    auto&& vfs_try_r_ = (expr);                                               \
    if (!vfs_try_r_.ok()) return ::psx::Err{::psx::vfs::to_errno(vfs_try_r_.error())}; \
    std::move(vfs_try_r_).value();                                            \
  })
