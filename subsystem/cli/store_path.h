// Which store a command uses, the same way everywhere: --store FILE, else
// $PSX_STORE, else the default store $XDG_DATA_HOME/psx/default.psx
// (~/.local/share/psx/default.psx), created on first use.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "storage/store.h"

namespace psx::cli {

// The store named by the environment, or the default path.
std::string store_path_from_env();
// Takes "--store FILE" / "--store=FILE" out of args (anywhere before a "--"
// or the first non-option when stop_at_operand); returns the chosen path.
std::string take_store_option(std::vector<std::string>& args, bool stop_at_operand);
// Opens the store for a kernel host (writer). A missing store at the default
// path (or with create) is created and given its first directories and /dev
// nodes. Errors are one line for a person.
// `code`, when given, receives the storage error code of a failure (busy:
// another process is the writer).
Result<std::unique_ptr<storage::Store>, std::string> open_store_for_writing(const std::string& path,
                                                                            bool create_if_missing,
                                                                            storage::StoreErrc* code = nullptr);
// Opens an existing store as an LMDB reader (inspection while a kernel host runs).
Result<std::unique_ptr<storage::Store>, std::string> open_store_for_reading(const std::string& path);
// The process holding the writer lock (flock) of the store at `path`, read
// from /proc/locks; 0 when nobody holds it or it cannot be told.
int store_writer_pid(const std::string& path);

}  // namespace psx::cli
