#include "subsystem/cli/store_path.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "kernelprocs/storage_process.h"

namespace psx::cli {
namespace {

// mkdir -p for the default store's directory.
bool make_parents(const std::string& file) {
  size_t slash = file.rfind('/');
  if (slash == std::string::npos) return true;  // "s.psx": the current directory
  std::string dir = file.substr(0, slash);
  for (size_t i = 1; i <= dir.size(); i++) {
    if (i == dir.size() || dir[i] == '/') {
      std::string part = dir.substr(0, i);
      if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return false;
    }
  }
  return true;
}

}  // namespace

std::string store_path_from_env() {
  if (const char* s = getenv("PSX_STORE"); s && *s) return s;
  std::string base;
  if (const char* x = getenv("XDG_DATA_HOME"); x && *x)
    base = x;
  else if (const char* h = getenv("HOME"); h && *h)
    base = std::string(h) + "/.local/share";
  else
    base = "/tmp";
  return base + "/psx/default.psx";
}

std::string take_store_option(std::vector<std::string>& args, bool stop_at_operand) {
  std::string chosen;
  for (size_t i = 0; i < args.size();) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (stop_at_operand && (a.empty() || a[0] != '-')) break;
    if (a == "--store" && i + 1 < args.size()) {
      chosen = args[i + 1];
      args.erase(args.begin() + long(i), args.begin() + long(i) + 2);
      continue;
    }
    if (a.rfind("--store=", 0) == 0) {
      chosen = a.substr(8);
      args.erase(args.begin() + long(i));
      continue;
    }
    i++;
  }
  return chosen.empty() ? store_path_from_env() : chosen;
}

Result<std::unique_ptr<storage::Store>, std::string> open_store_for_writing(const std::string& path,
                                                                            bool create_if_missing,
                                                                            storage::StoreErrc* code) {
  struct stat st;
  bool exists = stat(path.c_str(), &st) == 0;
  if (!exists && !create_if_missing) return Err{std::string(path + ": no such store (create it with psx store init)")};
  if (!exists && !make_parents(path)) return Err{std::string(path + ": cannot create its directory: " + strerror(errno))};
  storage::StoreOptions opt;
  opt.create = !exists;
  auto s = storage::Store::open(path, opt);
  if (!s) {
    if (code) *code = s.error().code;
    return Err{std::string(s.error().message)};
  }
  if (!exists) {
    auto r = populate_new_store(**s);
    if (!r) return Err{std::string(path + ": cannot populate the new store: " + strerror(r.error().value))};
  }
  return std::move(*s);
}

Result<std::unique_ptr<storage::Store>, std::string> open_store_for_reading(const std::string& path) {
  storage::StoreOptions opt;
  opt.read_only = true;
  auto s = storage::Store::open(path, opt);
  if (!s) return Err{std::string(s.error().message)};
  return std::move(*s);
}

int store_writer_pid(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  // Lines look like "1: FLOCK  ADVISORY  WRITE 30910 fe:00:10971543 0 EOF":
  // the holder's pid, then the file as major:minor:inode (hex device numbers).
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream in(line);
    std::string id, kind, advisory, mode, pid, file;
    if (!(in >> id >> kind)) continue;
    if (kind == "->") continue;  // "1: -> FLOCK ...": a waiter, not the holder
    if (!(in >> advisory >> mode >> pid >> file) || kind != "FLOCK" || mode != "WRITE") continue;
    unsigned maj = 0, min = 0;
    unsigned long long ino = 0;
    if (sscanf(file.c_str(), "%x:%x:%llu", &maj, &min, &ino) != 3) continue;
    if (ino == st.st_ino && maj == major(st.st_dev) && min == minor(st.st_dev)) return atoi(pid.c_str());
  }
  return 0;
}

}  // namespace psx::cli
