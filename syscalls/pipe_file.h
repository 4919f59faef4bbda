// The pipe parts of calls that are not pipe-only (sys_pipe.cpp): the open of
// a FIFO, FIONREAD, F_GETPIPE_SZ/F_SETPIPE_SZ, and a description's release.
#pragma once
#include "subsystem/personality.h"

namespace psx {

// The description's id in pipe messages (unique while it is open).
inline int64_t pipe_description(const OpenFile& f) { return int64_t(reinterpret_cast<uintptr_t>(&f)); }
// Tells the pipe process that the last reference of f closed.
void release_pipe_end(Personality& p, const OpenFile& f);
// The store found a FIFO at ino: its ends come from the pipe process. Installs
// a descriptor with these status flags, or releases ino on failure.
Outcome open_fifo(Personality& p, Call& c, uint64_t ino, uint32_t status_flags, bool cloexec);
// ioctl(FIONREAD) on a pipe: the bytes it holds, as an int at c.ptr(2).
Outcome pipe_fionread(Personality& p, Call& c, const OpenFile& f);
// fcntl F_GETPIPE_SZ (want < 0) and F_SETPIPE_SZ; EBADF for a non-pipe, as Linux.
Outcome pipe_size(Personality& p, Call& c, const OpenFile& f, int64_t want);

}  // namespace psx
