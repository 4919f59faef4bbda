// Shared by the `psx store` subcommands: their parsed command line, how they
// open the store and report errors, and their entry points.
//
// Exit codes (every subcommand): 0 ok; 1 a finding (fsck), something not
// found, or an operation that failed; 2 a usage error.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "storage/store.h"
#include "vfs/errno.h"
#include "vfs/fs.h"

namespace psx::cli::store {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitUsage = 2;

// One subcommand's command line after parsing.
struct Args {
  std::string sub;                            // "ls"
  std::string store_path;                     // --store, $PSX_STORE or the default
  std::vector<std::string> operands;          // what is not an option
  std::set<std::string> flags;                // "-l", "--json", ...
  std::map<std::string, std::string> values;  // "--limit" -> "10"
  bool has(const std::string& flag) const { return flags.count(flag) != 0; }
};

// "psx store SUB: MESSAGE" on stderr; returns kExitFail.
int fail(const Args& a, const std::string& message);
// "psx store SUB PATH: strerror(e)" on stderr; returns kExitFail.
int path_fail(const Args& a, const std::string& path, Errno e);
// --limit N (or the default): false and a usage message when N is not a number.
bool limit_value(const Args& a, uint64_t& limit, int& exit_code);

// Opens the chosen store as an LMDB reader; on failure prints the store's
// one-line reason and returns null.
std::unique_ptr<storage::Store> open_reader(const Args& a);
// Opens (create_if_missing: creates and populates) the store as its one
// writer; when a running psx holds it, says so in one line and returns null.
std::unique_ptr<storage::Store> open_writer(const Args& a, bool create_if_missing);

// The caller the commands act as: root, pid 0 (psx itself in the txlog).
vfs::Caller tool_caller();

// Entry points, one per subcommand (argument parsing and --help done).
int init_cmd(const Args& a);
int info_cmd(const Args& a);
int ls_cmd(const Args& a);
int tree_cmd(const Args& a);
int stat_cmd(const Args& a);
int cat_cmd(const Args& a);
int du_cmd(const Args& a);
int records_cmd(const Args& a);
int log_cmd(const Args& a);
int fsck_cmd(const Args& a);
int import_cmd(const Args& a);
int export_cmd(const Args& a);

}  // namespace psx::cli::store
