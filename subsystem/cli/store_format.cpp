#include "subsystem/cli/store_format.h"

#include <ctime>

#include "vfs/types.h"

namespace psx::cli::store {

char type_letter(uint32_t mode) {
  switch (mode & vfs::kTypeMask) {
    case vfs::kDirectory: return 'd';
    case vfs::kSymlink: return 'l';
    case vfs::kFifo: return 'p';
    case vfs::kCharDevice: return 'c';
    case vfs::kBlockDevice: return 'b';
    case vfs::kSocket: return 's';
    case vfs::kRegular: return '-';
  }
  return '?';
}

std::string mode_string(uint32_t mode) {
  std::string s(10, '-');
  s[0] = type_letter(mode);
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; i++)
    if (mode & (0400u >> i)) s[1 + i] = rwx[i];
  // Set-id and sticky bits replace the x: lower case when x is also set.
  if (mode & vfs::kSetUid) s[3] = (mode & 0100) ? 's' : 'S';
  if (mode & vfs::kSetGid) s[6] = (mode & 0010) ? 's' : 'S';
  if (mode & vfs::kSticky) s[9] = (mode & 0001) ? 't' : 'T';
  return s;
}

std::string format_time(int64_t ns, bool precise) {
  time_t sec = static_cast<time_t>(ns / 1000000000);
  long frac = static_cast<long>(ns % 1000000000);
  if (frac < 0) {
    sec -= 1;
    frac += 1000000000;
  }
  struct tm tm;
  localtime_r(&sec, &tm);
  char buf[64];
  strftime(buf, sizeof buf, precise ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
  std::string s = buf;
  if (precise) {
    char f[16];
    snprintf(f, sizeof f, ".%09ld", frac);
    s += f;
  }
  return s;
}

std::string human_bytes(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = double(bytes);
  int u = -1;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    u++;
  }
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

uint32_t rdev_major(uint64_t rdev) {
  return static_cast<uint32_t>(((rdev >> 8) & 0xfff) | ((rdev >> 32) & 0xfffff000));
}
uint32_t rdev_minor(uint64_t rdev) { return static_cast<uint32_t>((rdev & 0xff) | ((rdev >> 12) & 0xffffff00)); }

std::string join(const std::string& dir, std::string_view name) {
  if (dir.empty() || dir.back() == '/') return dir + std::string(name);
  return dir + "/" + std::string(name);
}

std::string hex_preview(std::string_view bytes, size_t max) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < bytes.size() && i < max; i++) {
    if (i) s += ' ';
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    s += hex[c >> 4];
    s += hex[c & 15];
  }
  if (bytes.size() > max) s += " ...";
  return s;
}

std::string printable(std::string_view name) {
  std::string s(name);
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return s;
}

}  // namespace psx::cli::store
