// StoreError: what went wrong inside the record store, as a value.
// storage knows nothing of POSIX, so it has its own codes; vfs maps them to an
// errno exactly once (vfs/store_errno.h).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/result.h"

namespace psx::storage {

enum class StoreErrc : uint8_t {
  ok,
  not_found,   // no such store file / record
  exists,      // a store file already exists where one was to be created
  foreign,     // the file is not an LMDB environment, or LMDB but not a psx store
  corrupt,     // a psx store whose records or pages break the schema
  too_new,     // written by a newer format version than this build understands
  busy,        // another process holds the store open for writing
  map_full,    // LMDB's map is full; the caller grows it and retries
  txn_full,    // one transaction dirtied more pages than LMDB allows
  io,          // the host refused a read, write or sync
  invalid,     // a caller passed something the schema cannot hold
  read_only,   // a write on a store opened read-only
};

struct StoreError {
  StoreErrc code = StoreErrc::ok;
  int lmdb_rc = 0;      // LMDB's (or the host's) return code when one caused this, else 0
  std::string message;  // one line for people: what, where, and what to do
};

template <class T>
using StoreResult = Result<T, StoreError>;

// `return store_fail(StoreErrc::corrupt, "...")`
Err<StoreError> store_fail(StoreErrc code, std::string message, int rc = 0);
// Maps an LMDB return code (or a host errno) to a StoreError; `what` says which step failed.
Err<StoreError> lmdb_fail(int rc, std::string_view what);
const char* errc_name(StoreErrc code);

}  // namespace psx::storage
