#include "storage/error.h"

#include <lmdb.h>

#include <cerrno>

namespace psx::storage {

Err<StoreError> store_fail(StoreErrc code, std::string message, int rc) {
  return Err{StoreError{code, rc, std::move(message)}};
}

Err<StoreError> lmdb_fail(int rc, std::string_view what) {
  StoreErrc code = StoreErrc::io;
  switch (rc) {
    case MDB_NOTFOUND: code = StoreErrc::not_found; break;
    case MDB_KEYEXIST: code = StoreErrc::exists; break;
    case MDB_MAP_FULL: code = StoreErrc::map_full; break;
    case MDB_TXN_FULL: case MDB_CURSOR_FULL: code = StoreErrc::txn_full; break;
    case MDB_INVALID: case MDB_VERSION_MISMATCH: code = StoreErrc::foreign; break;
    case MDB_CORRUPTED: case MDB_PAGE_NOTFOUND: code = StoreErrc::corrupt; break;
    case EACCES: case EROFS: code = StoreErrc::read_only; break;
    case EINVAL: code = StoreErrc::invalid; break;
    default: break;
  }
  std::string msg(what);
  msg += ": ";
  msg += mdb_strerror(rc);
  return Err{StoreError{code, rc, std::move(msg)}};
}

const char* errc_name(StoreErrc code) {
  switch (code) {
    case StoreErrc::ok: return "ok";
    case StoreErrc::not_found: return "not_found";
    case StoreErrc::exists: return "exists";
    case StoreErrc::foreign: return "foreign";
    case StoreErrc::corrupt: return "corrupt";
    case StoreErrc::too_new: return "too_new";
    case StoreErrc::busy: return "busy";
    case StoreErrc::map_full: return "map_full";
    case StoreErrc::txn_full: return "txn_full";
    case StoreErrc::io: return "io";
    case StoreErrc::invalid: return "invalid";
    case StoreErrc::read_only: return "read_only";
  }
  return "?";
}

}  // namespace psx::storage
