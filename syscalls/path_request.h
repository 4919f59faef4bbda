// Calls that name files build a StorageRequest in the personality's scratch
// memory and send it to the storage kernel process (see storage_protocol.h).
#pragma once
#include "kernelprocs/storage_protocol.h"
#include "subsystem/personality.h"

namespace psx {

inline constexpr int kAtFdcwd = -100;

// A cleared request of `kind` with the caller's credentials.
StorageRequest& new_request(Personality& p, StorageReqKind kind);
StorageRequest& current_request(Personality& p);
// The inode a relative path starts from: the cwd for AT_FDCWD, else the
// directory open on dirfd (EBADF, ENOTDIR).
SysResult<uint64_t> start_dir(Personality& p, int dirfd);
// Copies the guest's path into dst (EFAULT; ENAMETOOLONG at PATH_MAX; ENOENT
// for "" unless allow_empty).
SysResult<size_t> copy_path(Personality& p, uint64_t addr, char* dst, bool allow_empty = false);
// Both at once: dirfd + path into the request's path (second = path2/dir2).
SysResult<void> put_path(Personality& p, StorageRequest& r, int dirfd, uint64_t addr, bool second = false);
// Sends the current request; the reply's arg[0] becomes the result unless k says otherwise.
Outcome send_request(Personality& p, Call& c, Continuation k = nullptr);
// Continuation that returns the reply's result.
Outcome reply_result(Personality& p, Call& c, const Message& reply);
// The last reference of a description of inode ino closed (or an open
// failed after the store counted it): the store may drop an unlinked inode.
void release_inode(Personality& p, uint64_t ino);
// The open file description behind fd, or EBADF.
SysResult<OpenFile*> open_file(Personality& p, int fd);

}  // namespace psx
