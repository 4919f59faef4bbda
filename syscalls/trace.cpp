#include "syscalls/trace.h"

#include <cinttypes>
#include <cstdio>

#include "subsystem/personality.h"
#include "syscalls/abi_table.h"

namespace psx {
namespace {

void append_quoted(std::string& out, const uint8_t* p, size_t n, size_t limit) {
  out += '"';
  for (size_t i = 0; i < n && i < limit; i++) {
    uint8_t ch = p[i];
    switch (ch) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (ch >= 32 && ch < 127) {
          out += char(ch);
        } else {
          char b[8];
          snprintf(b, sizeof b, "\\x%02x", ch);
          out += b;
        }
    }
  }
  out += '"';
  if (n > limit) out += "...";
}

}  // namespace

std::string format_call(Personality& p, const Call& c, const Outcome& o) {
  std::string s;
  const SyscallEntry* e = c.entry;
  char b[64];
  if (!e) {
    snprintf(b, sizeof b, "syscall_%d(", c.nr);
    s += b;
    for (int i = 0; i < 6; i++) {
      snprintf(b, sizeof b, "%s0x%" PRIx64, i ? ", " : "", c.a[i]);
      s += b;
    }
  } else {
    s += e->name;
    s += '(';
    const char* k = e->args;
    for (int i = 0; k[i] && i < 6; i++) {
      if (i) s += ", ";
      switch (k[i]) {
        case 'd': snprintf(b, sizeof b, "%" PRId64, c.l(i)); s += b; break;
        case 'u': snprintf(b, sizeof b, "%" PRIu64, c.ul(i)); s += b; break;
        case 's': {
          auto str = p.mem().read_string(c.ptr(i), 4096);
          if (str) {
            append_quoted(s, reinterpret_cast<const uint8_t*>(str->data()), str->size(), 64);
          } else {
            snprintf(b, sizeof b, "0x%" PRIx64, c.ptr(i));
            s += b;
          }
          break;
        }
        case 'w': {  // a buffer the guest handed in; its length is the next argument
          uint64_t len = c.ul(i + 1);
          auto host = p.mem().translate(c.ptr(i), std::min<uint64_t>(len, 32), false);
          if (host) {
            append_quoted(s, *host, len, 32);
          } else {
            snprintf(b, sizeof b, "0x%" PRIx64, c.ptr(i));
            s += b;
          }
          break;
        }
        default:
          if (c.a[i] == 0 && k[i] == 'p') {
            s += "NULL";
          } else {
            snprintf(b, sizeof b, "0x%" PRIx64, c.ul(i));
            s += b;
          }
      }
    }
  }
  s += ')';
  if (o.action == Action::kExit || o.action == Action::kKillSelf) {
    s += " = ?";
  } else if (o.result < 0 && o.result >= -4095) {
    snprintf(b, sizeof b, " = -1 %s", errno_name(int(-o.result)));
    s += b;
    if (!e || e->op == Op::kNone) {
      s += e ? " (" : " (unknown system call)";
      if (e) {
        s += e->note;
        s += ')';
      }
    }
  } else if (e && (e->op == Op::mmap || e->op == Op::mmap2 || e->op == Op::brk || e->op == Op::mremap)) {
    snprintf(b, sizeof b, " = 0x%" PRIx64, uint64_t(o.result));
    s += b;
  } else {
    snprintf(b, sizeof b, " = %" PRId64, o.result);
    s += b;
  }
  return s;
}

}  // namespace psx
