// Progress of import and export on large trees: entries and bytes done out
// of the totals, on stderr. On a terminal one line is rewritten in place
// (at most 10 times a second); otherwise (--progress into a file or pipe) a
// new line at most once a second, so logs stay readable.
#pragma once
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "subsystem/cli/store_format.h"

namespace psx::cli::store {

class Progress {
 public:
  Progress(bool enabled, std::string verb, uint64_t total_entries, uint64_t total_bytes)
      : enabled_(enabled),
        tty_(isatty(STDERR_FILENO) == 1),
        verb_(std::move(verb)),
        total_entries_(total_entries),
        total_bytes_(total_bytes),
        last_(std::chrono::steady_clock::now()) {}

  void add(uint64_t entries, uint64_t bytes) {
    entries_ += entries;
    bytes_ += bytes;
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < (tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000))) return;
    last_ = now;
    show();
  }
  // The last state, and on a terminal the end of the rewritten line.
  void finish() {
    if (!enabled_) return;
    show();
    if (tty_) fputc('\n', stderr);
  }

 private:
  void show() {
    fprintf(stderr, "%spsx store %s: %llu/%llu entries, %s/%s%s", tty_ ? "\r" : "", verb_.c_str(),
            (unsigned long long)entries_, (unsigned long long)total_entries_, human_bytes(bytes_).c_str(),
            human_bytes(total_bytes_).c_str(), tty_ ? "\033[K" : "\n");
    fflush(stderr);
  }

  bool enabled_, tty_;
  std::string verb_;
  uint64_t total_entries_, total_bytes_;
  uint64_t entries_ = 0, bytes_ = 0;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace psx::cli::store
