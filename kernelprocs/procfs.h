// The /proc namespace as proc and the syscall layer both see it: the names
// (a path parses into a node), the request a personality lays out for proc,
// what each node looks like to stat, and getdents64 records.
//
// Who serves what: proc answers everything it knows from its process table
// (the /proc and /proc/PID directories, stat, status, cmdline, comm, exe as a
// link, self) and the host's own meminfo, cpuinfo, uptime, loadavg, version.
// A process's descriptors and working directory are its personality's state:
// /proc/PID/fd, fd/N and cwd are answered by the caller's own personality when
// PID is the caller (syscalls/procfs.h); for other processes proc answers
// EACCES (not served yet). Magic links followed (exe, cwd, fd/N) lead out of
// /proc: the syscall layer continues in the store or on the descriptor.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernelprocs/message.h"
#include "kernelprocs/object_stat.h"
#include "vfs/errno.h"

namespace psx {

enum class ProcNode : uint8_t {
  kNone = 0,
  // /proc itself and its fixed entries.
  kRoot, kSelf, kMeminfo, kCpuinfo, kUptime, kLoadavg, kVersion,
  // /proc/PID and what is in it.
  kPidDir, kFdDir, kFdLink, kCwd, kExe, kCmdline, kComm, kStat, kStatus,
};

// What a path under /proc names. `rest` is what follows a magic link that
// leads out of /proc (cwd, fd/N): "/proc/self/cwd/a/b" is {kCwd, rest "a/b"}.
struct ProcPath {
  ProcNode node = ProcNode::kNone;
  int pid = 0;  // kPidDir and below
  int fd = -1;  // kFdLink
  std::string rest;
};

// Is `path` (absolute) in /proc? Its first component is "proc".
bool is_proc_path(std::string_view path);
// Parses an absolute path that begins with /proc. "self" in the middle of a
// path is the caller (self_pid); a final "self" is the link itself (kSelf).
// Names are only checked for form here (a pid that is a number, an fd that
// is one): whether that process or descriptor exists is the server's to say.
// Errors: ENOENT (no such name), ENOTDIR (a name below a file or a link that
// is not a directory). A path whose ".." leaves /proc is returned as
// {kNone, rest = the normalised path} (it names a file in the store).
SysResult<ProcPath> parse_proc_path(std::string_view path, int self_pid);
// The absolute path of a node (for paths relative to a /proc directory, and
// for what /proc/PID/fd/N shows of a descriptor proc owns).
std::string proc_node_path(ProcNode node, int pid, int fd = 0);
bool proc_node_is_dir(ProcNode n);
bool proc_node_is_link(ProcNode n);

// An object number for a node: what OpenFile::object holds for descriptors
// proc owns, and the inode number stat reports. Top-level nodes have pid 0.
uint64_t proc_object(ProcNode node, int pid, int fd = 0);
ProcNode proc_object_node(uint64_t object);
int proc_object_pid(uint64_t object);
int proc_object_fd(uint64_t object);

// What stat shows for a node. owner_uid/gid: the process's ids for nodes
// below /proc/PID (root's for the top level); when: its start time (seconds);
// fd_access: O_ACCMODE of the descriptor a kFdLink names.
ObjectStat proc_node_stat(ProcNode node, int pid, int fd, uint32_t owner_uid, uint32_t owner_gid, int64_t when,
                          uint32_t fd_access = 0);
inline constexpr uint64_t kProcDev = 0x17;  // makedev(0, 0x17): /proc's anonymous device

// Permission to open or access a node: R_OK/W_OK/X_OK bits against its
// mode, with uid 0 passing read and write (as Linux's DAC override does).
bool proc_may(const ObjectStat& st, uint32_t uid, uint32_t gid, int mask);

// One directory entry; put_dirents lays out linux_dirent64 records from
// entry index `pos` on (d_off = index + 1) and advances pos. Returns the bytes
// written, or -EINVAL if not even the first one fits.
struct ProcDirent {
  uint64_t ino;
  uint8_t type;  // DT_DIR 4, DT_REG 8, DT_LNK 10
  std::string name;
};
int64_t put_dirents(std::span<const ProcDirent> all, uint64_t& pos, uint8_t* out, size_t cap);
// ".", ".." and the fixed entries of a /proc directory node (the pids in
// /proc and the descriptors in fd/ are the server's to add).
std::vector<ProcDirent> proc_fixed_entries(ProcNode dir, int pid);

// The request a personality lays out in its scratch memory for kProcFs
// (kernelprocs/proc.h). The result stat comes first, so a reply can be read
// as the console's kConsoleStat reply is (an ObjectStat at the buffer's start).
enum class ProcFsKind : uint32_t {
  // path -> stat, object: the node the path names (a final link is followed
  // if `follow`; proc follows only "self": following exe, cwd or fd/N of
  // another process answers EACCES). Used by open, stat, access.
  kLookup,
  // path (a link) -> its text written to `out` (no NUL); reply: bytes.
  // EINVAL if not a link.
  kReadlink,
};
struct ProcFsRequest {
  ObjectStat stat;       // result of kLookup
  ProcFsKind kind = ProcFsKind::kLookup;
  int32_t caller = 0;    // the caller's pid ("self")
  uint32_t uid = 0, gid = 0;
  uint32_t follow = 1;
  uint32_t pad = 0;
  uint64_t object = 0;   // result of kLookup: for kProcFsRead / kProcFsGetdents
  BufRef out;            // kReadlink: the guest's buffer
  char path[4096];       // absolute and normalised, beginning "/proc"
};

}  // namespace psx
