// How `psx store` shows values to people: mode strings like ls, times,
// sizes, device numbers, paths.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace psx::cli::store {

// "drwxr-xr-x", "-rwsr-x--T", "crw-rw-rw-": as ls -l prints st_mode.
std::string mode_string(uint32_t mode);
// One letter per type, as the first character of mode_string.
char type_letter(uint32_t mode);
// Local time: "2024-05-01 12:00" (minutes) or with seconds and nanoseconds.
std::string format_time(int64_t ns, bool precise);
// 1536 -> "1.5 KiB"; below 1 KiB the plain count and "B".
std::string human_bytes(uint64_t bytes);
// Linux's dev_t encoding (the store keeps the host's st_rdev as is).
uint32_t rdev_major(uint64_t rdev);
uint32_t rdev_minor(uint64_t rdev);
// Joins a store directory and a name: ("/", "a") -> "/a", ("/t", "a") -> "/t/a".
std::string join(const std::string& dir, std::string_view name);
// Printable rendering of bytes: up to `max` bytes as hex pairs.
std::string hex_preview(std::string_view bytes, size_t max);
// A name with control characters shown as '?', as ls does on a terminal.
std::string printable(std::string_view name);

}  // namespace psx::cli::store
