// fsck: checks every invariant listed in storage/schema.h and reports each
// violation as one finding. Reads only; run it in a read transaction (or a
// write transaction to see uncommitted state).
#pragma once
#include <string>
#include <vector>

#include "storage/error.h"
#include "storage/store.h"

namespace psx::storage {

struct Finding {
  std::string rule;     // the invariant's tag in schema.h, e.g. "L1"
  std::string table;    // where the offending record lives
  std::string where;    // its decoded key, e.g. "ino 12" or "dirent (1, \"a\")"
  std::string problem;  // what is wrong, with the values seen
  std::string to_string() const;
};

struct FsckOptions {
  // A live store may hold orphans (unlinked, still open); a closed one was
  // reclaimed on open. Either way O1 holds; this only changes the wording.
  bool live = false;
};

// Ok(findings): the store could be read and these are the violations (empty:
// clean). An error means the store could not be read at all.
StoreResult<std::vector<Finding>> fsck(Txn& t, const FsckOptions& options = {});

}  // namespace psx::storage
