// /proc in the calls that name files. A path is under /proc when it is
// absolute and begins with /proc, or relative to a /proc directory descriptor
// (a working directory inside /proc is not supported: chdir resolves in the
// store). Such paths go to proc (kernelprocs/procfs.h) instead of the store,
// except the caller's own descriptors and working directory, which its
// personality knows: /proc/self/fd, fd/N, cwd (and exe and cmdline, from
// Personality::exe and ::cmdline).
// Magic links lead back out: /proc/self/cwd/x and /proc/self/exe continue in
// the store, /proc/self/fd/N names the descriptor.
//
// Each path hook is called by a handler once the StorageRequest r holds the
// guest's path (r.path, relative to dirfd). It returns nullopt when the store
// is to serve the call: either the path is not under /proc, or it led out of
// /proc and r now names the target (r.dir, r.path rewritten). Otherwise it
// answers the call.
#pragma once
#include <optional>
#include <string>

#include "kernelprocs/storage_protocol.h"
#include "subsystem/personality.h"

namespace psx {

// The store path of the caller's program, for execve("/proc/self/exe")
// (also /proc/<own pid>/exe, /proc/thread-self/… is not recognised); nullopt
// if path does not name it. An empty Personality::exe gives nullopt.
std::optional<std::string> proc_self_exe(Personality& p, int dirfd, const std::string& path);
inline std::optional<std::string> proc_self_exe(Personality& p) {
  return p.exe.empty() ? std::nullopt : std::optional<std::string>(p.exe);
}

// open/openat (flags: the guest's open flags).
std::optional<Outcome> procfs_open(Personality& p, Call& c, StorageRequest& r, int dirfd, uint32_t flags);
// stat family: `deliver` is the continuation that lays out an ObjectStat found
// at the start of the scratch buffer; `stat_fd` stats a descriptor (for a
// followed /proc/self/fd/N).
using StatFd = Outcome (*)(Personality& p, Call& c, int fd);
std::optional<Outcome> procfs_stat(Personality& p, Call& c, StorageRequest& r, int dirfd, bool follow,
                                   StatFd stat_fd, Continuation deliver);
// access family (mode: R_OK|W_OK|X_OK, or F_OK).
std::optional<Outcome> procfs_access(Personality& p, Call& c, StorageRequest& r, int dirfd, int mode, bool follow);
// readlink/readlinkat: r.out is the guest's buffer.
std::optional<Outcome> procfs_readlink(Personality& p, Call& c, StorageRequest& r, int dirfd);

// Descriptors of /proc files and directories (their owner is proc).
bool procfs_owns(const OpenFile& f);
// read of f at pos into buf; `done` gets a reply whose arg[0] is the bytes
// (the caller's own cmdline is its personality's; the rest is proc's).
Outcome procfs_read(Personality& p, Call& c, const OpenFile& f, BufRef buf, uint64_t pos, Continuation done);
Outcome procfs_fstat(Personality& p, Call& c, const OpenFile& f, Continuation deliver);
// getdents64 on a /proc directory descriptor (fd c.i(0), buffer c.ptr(1), c.ul(2)).
Outcome procfs_getdents(Personality& p, Call& c, OpenFile& f);

}  // namespace psx
