// Errno: a POSIX error number as the guest sees it. Linux x86-64 and riscv32
// both use the asm-generic numbering, which is also the host's, so the host's
// <cerrno> constants are the guest's (asserted below).
#pragma once
#include <cerrno>
#include <cstdint>

#include "storage/result.h"

namespace psx {

struct Errno {
  int value = 0;
  constexpr Errno() = default;
  constexpr explicit Errno(int v) : value(v) {}
  constexpr bool operator==(const Errno&) const = default;
};

template <class T>
using SysResult = Result<T, Errno>;

// Shorthand for returning an errno: `return fail(ENOENT);`
inline constexpr Err<Errno> fail(int e) { return Err<Errno>{Errno{e}}; }

// Name of an errno ("ENOENT"), for traces and messages.
const char* errno_name(int e);

static_assert(EPERM == 1 && ENOENT == 2 && EBADF == 9 && EAGAIN == 11 && EFAULT == 14 &&
              EINVAL == 22 && ENOSYS == 38 && ELOOP == 40 && ENOTEMPTY == 39,
              "guest errno numbering is asm-generic");

}  // namespace psx
