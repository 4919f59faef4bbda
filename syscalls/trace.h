// strace-like formatting of a finished call for `psx run --trace`.
#pragma once
#include <string>

#include "syscalls/operations.h"

namespace psx {
class Personality;
std::string format_call(Personality& p, const Call& c, const Outcome& o);
}  // namespace psx
