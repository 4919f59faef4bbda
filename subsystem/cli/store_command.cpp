// psx store: the record store for people. This file holds the subcommand
// table (synopsis, help, options), the one option parser they share, and
// the helpers that open the store and report errors the same way everywhere.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "subsystem/cli/commands.h"
#include "subsystem/cli/store_cli.h"
#include "subsystem/cli/store_path.h"

namespace psx::cli::store {
namespace {

struct Subcommand {
  const char* name;
  const char* synopsis;  // after "psx store "
  const char* summary;   // one line for psx store --help
  const char* help;      // the rest of NAME --help
  std::vector<std::string> flags;   // options without a value
  std::vector<std::string> valued;  // options taking a value
  size_t min_operands, max_operands;
  int (*run)(const Args&);
};

constexpr const char* kStoreOption =
    "  --store FILE   the store to use (else $PSX_STORE, else $XDG_DATA_HOME/psx/default.psx)\n";

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> table = {
      {"init", "init", "create a new store (with /dev, /tmp, /bin, /etc, ...)",
       "Creates a new store file with its first directories and /dev nodes.\n"
       "An existing file is never overwritten.\n",
       {}, {}, 0, 0, init_cmd},
      {"info", "info [--json]", "the store's format stamp, size and record counts",
       "Shows the path, format version, uuid, creation time, block size, durability\n"
       "mode, map size and bytes in use, and how many inodes, directory entries, data\n"
       "blocks, transaction log records and orphans the store holds.\n",
       {"--json"}, {}, 0, 0, info_cmd},
      {"ls", "ls [-l] [-a] [--json] [PATH]", "list a directory of the store",
       "Lists the directory PATH (default /) of the store, sorted by name.\n"
       "  -l   long format: mode, links, uid, gid, size (or major, minor), mtime, name,\n"
       "       and -> target for symlinks\n"
       "  -a   include . and ..\n",
       {"-l", "-a", "--json"}, {}, 0, 1, ls_cmd},
      {"tree", "tree [PATH]", "show a subtree as a tree",
       "Shows the subtree at PATH (default /) with one line per entry, symlinks\n"
       "with their targets, and the counts of directories and files at the end.\n",
       {}, {}, 0, 1, tree_cmd},
      {"stat", "stat [--json] PATH", "the records behind a path",
       "Shows the records that make up PATH (a symlink itself, not its target): the\n"
       "inode record with every field, the directory entries that name the inode,\n"
       "and its data blocks with their sizes.\n",
       {"--json"}, {}, 1, 1, stat_cmd},
      {"cat", "cat PATH...", "print files of the store",
       "Writes the contents of each regular file PATH to stdout (following symlinks).\n"
       "Holes read as zeros.\n",
       {}, {}, 1, SIZE_MAX, cat_cmd},
      {"du", "du [-s] [-a] [-h] [--json] [PATH]", "bytes stored per subtree",
       "Shows the bytes held in data blocks under each directory of PATH (default /),\n"
       "deepest first, then PATH itself. Holes cost nothing; a file with several hard\n"
       "links counts once.\n"
       "  -s   only the total for PATH\n"
       "  -a   files too, not only directories\n"
       "  -h   sizes in KiB, MiB, ... (for people)\n",
       {"-s", "-a", "-h", "--json"}, {}, 0, 1, du_cmd},
      {"records", "records TABLE [--limit N] [--json]", "raw records of one table, decoded",
       "Lists the raw records of TABLE in key order with decoded keys and values.\n"
       "Tables: inodes, dirents, dirseq, data, meta, txlog, orphans.\n"
       "  --limit N   at most N records\n",
       {"--json"}, {"--limit"}, 1, 1, records_cmd},
      {"log", "log [--limit N] [--json]", "the transaction history",
       "Shows the transaction log, oldest first: transaction id, time, the pid that\n"
       "asked (0: psx itself), the operation, and the path and inodes it concerned.\n"
       "  --limit N   only the newest N records\n",
       {"--json"}, {"--limit"}, 0, 0, log_cmd},
      {"fsck", "fsck [--json]", "check every invariant of the schema",
       "Checks every invariant written in storage/schema.h. Exits 0 when the store is\n"
       "clean; otherwise prints each violation on its own line and exits 1.\n",
       {"--json"}, {}, 0, 0, fsck_cmd},
      {"import", "import [--progress] HOSTDIR DIR", "copy a host directory tree into the store",
       "Copies the tree at HOSTDIR into the store at DIR (created with its parents if\n"
       "missing; an existing directory is merged into, existing non-directories are\n"
       "replaced). Keeps contents, modes, mtimes and atimes, symlinks, hard links,\n"
       "empty directories, holes of sparse files, FIFOs, sockets and device nodes (as\n"
       "records), and owners when run as root. Creates the store if it does not exist.\n"
       "Needs the store's writer lock: refused while a psx runs on the store.\n"
       "  --progress   report progress on stderr even when it is not a terminal\n",
       {"--progress"}, {}, 2, 2, import_cmd},
      {"export", "export [--progress] DIR HOSTDIR", "copy a store tree to a host directory",
       "Copies the tree at DIR out of the store to HOSTDIR, which must not exist or be\n"
       "an empty directory. Keeps contents, modes, mtimes and atimes, symlinks, hard\n"
       "links, empty directories and holes (written sparse); FIFOs and sockets; device\n"
       "nodes and owners when run as root. Works while a psx runs on the store.\n"
       "  --progress   report progress on stderr even when it is not a terminal\n",
       {"--progress"}, {}, 2, 2, export_cmd},
  };
  return table;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  for (auto& e : v)
    if (e == x) return true;
  return false;
}

void store_usage(FILE* out) {
  fprintf(out,
          "usage: psx store SUBCOMMAND [--store FILE] [OPTIONS] [ARGS...]\n"
          "\n"
          "The record store for people: inspect, check, fill and empty a store without\n"
          "running a program. Paths inside the store are absolute (relative ones start at /).\n"
          "Read-only subcommands work while a psx runs on the store.\n"
          "\n"
          "subcommands:\n");
  for (const Subcommand& s : subcommands()) fprintf(out, "  %-36s %s\n", s.synopsis, s.summary);
  fprintf(out,
          "\n"
          "options for every subcommand:\n"
          "%s"
          "  --help         help for the subcommand\n"
          "\n"
          "exit status: 0 ok, 1 a finding (fsck), not found or failed, 2 usage error\n",
          kStoreOption);
}

// The help text's lines that start with "  -" describe options: they are
// listed with the options every subcommand shares.
void sub_usage(const Subcommand& s, FILE* out) {
  std::string text, options;
  std::string help = s.help;
  for (size_t at = 0; at < help.size();) {
    size_t end = help.find('\n', at);
    end = end == std::string::npos ? help.size() : end + 1;
    std::string line = help.substr(at, end - at);
    bool option = line.rfind("  -", 0) == 0 || (line.rfind("     ", 0) == 0 && !options.empty());
    (option ? options : text) += line;
    at = end;
  }
  if (contains(s.flags, "--json")) options += "  --json         the same as one JSON document (keys as in the text)\n";
  fprintf(out, "usage: psx store %s\n\n%s\noptions:\n%s%s  --help         show this text\n", s.synopsis,
          text.c_str(), options.c_str(), kStoreOption);
}

int usage_error(const Subcommand& s, const std::string& message) {
  fprintf(stderr, "psx store %s: %s (see psx store %s --help)\n", s.name, message.c_str(), s.name);
  return kExitUsage;
}

// Options may come anywhere among the operands (as GNU tools allow); "--"
// ends them; "-la" is "-l -a".
int parse(const Subcommand& s, std::vector<std::string> raw, Args& a, bool& help) {
  a.sub = s.name;
  a.store_path = take_store_option(raw, false);
  bool options_done = false;
  for (size_t i = 0; i < raw.size(); i++) {
    const std::string& w = raw[i];
    if (options_done || w.size() < 2 || w[0] != '-') {
      a.operands.push_back(w);
      continue;
    }
    if (w == "--") {
      options_done = true;
    } else if (w == "--help" || (w == "-h" && !contains(s.flags, "-h"))) {
      help = true;
    } else if (w == "--store") {
      return usage_error(s, "--store needs a FILE");
    } else if (w.rfind("--", 0) == 0) {
      std::string name = w, value;
      bool inline_value = false;
      if (size_t eq = w.find('='); eq != std::string::npos) {
        name = w.substr(0, eq);
        value = w.substr(eq + 1);
        inline_value = true;
      }
      if (contains(s.flags, name) && !inline_value) {
        a.flags.insert(name);
      } else if (contains(s.valued, name)) {
        if (!inline_value) {
          if (i + 1 >= raw.size()) return usage_error(s, name + " needs a value");
          value = raw[++i];
        }
        a.values[name] = value;
      } else {
        return usage_error(s, "unknown option '" + w + "'");
      }
    } else {
      for (size_t j = 1; j < w.size(); j++) {
        std::string f = std::string("-") + w[j];
        if (!contains(s.flags, f)) return usage_error(s, "unknown option '" + f + "'");
        a.flags.insert(f);
      }
    }
  }
  if (help) return kExitOk;
  if (a.operands.size() < s.min_operands) return usage_error(s, "missing operand");
  if (a.operands.size() > s.max_operands) return usage_error(s, "extra operand '" + a.operands[s.max_operands] + "'");
  return kExitOk;
}

}  // namespace

int fail(const Args& a, const std::string& message) {
  fprintf(stderr, "psx store %s: %s\n", a.sub.c_str(), message.c_str());
  return kExitFail;
}

int path_fail(const Args& a, const std::string& path, Errno e) {
  fprintf(stderr, "psx store %s %s: %s\n", a.sub.c_str(), path.c_str(), strerror(e.value));
  return kExitFail;
}

bool limit_value(const Args& a, uint64_t& limit, int& exit_code) {
  auto it = a.values.find("--limit");
  if (it == a.values.end()) return true;
  char* end = nullptr;
  errno = 0;
  unsigned long long n = strtoull(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end || errno || it->second[0] == '-') {
    fprintf(stderr, "psx store %s: --limit wants a number, not '%s'\n", a.sub.c_str(), it->second.c_str());
    exit_code = kExitUsage;
    return false;
  }
  limit = n;
  return true;
}

std::unique_ptr<storage::Store> open_reader(const Args& a) {
  auto s = open_store_for_reading(a.store_path);
  if (!s) {
    fail(a, s.error());
    return nullptr;
  }
  return std::move(*s);
}

std::unique_ptr<storage::Store> open_writer(const Args& a, bool create_if_missing) {
  storage::StoreErrc code = storage::StoreErrc::ok;
  auto s = open_store_for_writing(a.store_path, create_if_missing, &code);
  if (s) return std::move(*s);
  if (code == storage::StoreErrc::busy) {
    // Never a second writer: the running psx owns the namespace.
    int pid = store_writer_pid(a.store_path);
    if (pid > 0)
      fail(a, a.store_path + ": the store is in use by a running psx (pid " + std::to_string(pid) + ")");
    else
      fail(a, a.store_path + ": the store is in use by a running psx");
  } else {
    fail(a, s.error());
  }
  return nullptr;
}

vfs::Caller tool_caller() { return vfs::Caller{}; }

int init_cmd(const Args& a) {
  struct stat st;
  if (::stat(a.store_path.c_str(), &st) == 0)
    return fail(a, a.store_path + " already exists; psx store init never overwrites a file");
  auto s = open_writer(a, true);
  if (!s) return kExitFail;
  printf("created store %s (uuid %s, format %u)\n", a.store_path.c_str(), s->info().uuid_string().c_str(),
         s->info().format);
  return kExitOk;
}

}  // namespace psx::cli::store

namespace psx::cli {

int store_main(int argc, char** argv) {
  using namespace store;
  if (argc < 2) {
    store_usage(stderr);
    return kExitUsage;
  }
  // --store may also come before the subcommand: move it behind it.
  std::vector<std::string> words(argv + 1, argv + argc);
  std::vector<std::string> store_words;
  while (!words.empty() && (words[0] == "--store" || words[0].rfind("--store=", 0) == 0)) {
    size_t n = words[0] == "--store" && words.size() > 1 ? 2 : 1;
    store_words.insert(store_words.end(), words.begin(), words.begin() + long(n));
    words.erase(words.begin(), words.begin() + long(n));
  }
  if (words.empty()) {
    store_usage(stderr);
    return kExitUsage;
  }
  std::string sub = words[0];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    store_usage(stdout);
    return kExitOk;
  }
  for (const Subcommand& s : subcommands()) {
    if (sub != s.name) continue;
    Args a;
    bool help = false;
    std::vector<std::string> rest(words.begin() + 1, words.end());
    rest.insert(rest.begin(), store_words.begin(), store_words.end());
    int rc = parse(s, rest, a, help);
    if (rc != kExitOk) return rc;
    if (help) {
      sub_usage(s, stdout);
      return kExitOk;
    }
    return s.run(a);
  }
  fprintf(stderr, "psx store: unknown subcommand '%s'\n", sub.c_str());
  store_usage(stderr);
  return kExitUsage;
}

}  // namespace psx::cli
