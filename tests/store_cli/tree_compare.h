// A host directory tree as everything `psx store import` then `export` must
// keep: per relative path its type, mode, owner, size, mtime, contents,
// symlink target, device number, and which names share an inode (hard-link
// groups). Two snapshots compare equal when the trees match exactly.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace psx::test {

struct NodeInfo {
  uint32_t mode = 0;  // type and permission bits
  uint32_t uid = 0, gid = 0;
  uint64_t size = 0;
  uint64_t blocks = 0;  // 512-byte units allocated (sparseness); not compared
  int64_t mtime_ns = 0;
  uint64_t rdev = 0;
  std::string content;     // regular files: the bytes
  std::string target;      // symlinks
  std::string link_group;  // regular files with nlink > 1: the smallest name of the group
  uint32_t nlink = 0;
  bool operator==(const NodeInfo& o) const;
};

// Relative path ("" for the root, "a/b") -> what it is. Errors end the test run
// through the returned message: empty on success.
std::string snapshot(const std::string& root, std::map<std::string, NodeInfo>& out);
// A list of differences, one per line ("a/b: mode 0644 vs 0600"); empty if equal.
// The root's own mtime and mode are compared too; with `owners` false, uid/gid are not.
std::string compare(const std::map<std::string, NodeInfo>& want, const std::map<std::string, NodeInfo>& got,
                    bool owners);

}  // namespace psx::test
