// ioctl requests on store files (sys_ioctl_file.cpp); sys_fd.cpp's ioctl hands them over.
#pragma once
#include "subsystem/personality.h"

namespace psx {

// FIONREAD on an object that is not the console: a store file's bytes from
// the offset to the end (Linux's do_vfs_ioctl); ENOTTY for other objects.
Outcome fionread_file(Personality& p, Call& c, const OpenFile& f);

}  // namespace psx
