// Looks at a file's first two pages before LMDB maps it: LMDB trusts its
// meta pages, and a truncated or foreign file would otherwise make it fault
// (SIGBUS on a page past the end) instead of failing.
#pragma once
#include <string>

#include "storage/error.h"

namespace psx::storage {

// Ok if `path` starts with two LMDB meta pages whose newest one describes no
// page beyond the end of the file. Reads only.
StoreResult<void> check_lmdb_file(const std::string& path);

}  // namespace psx::storage
