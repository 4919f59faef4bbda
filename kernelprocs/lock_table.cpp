#include "kernelprocs/lock_table.h"

#include <fcntl.h>

#include <algorithm>

namespace psx {

const LockTable::Range* LockTable::conflict(uint64_t ino, Owner o, int16_t type, int64_t start,
                                            int64_t end) const {
  auto it = ranges_.find(ino);
  if (it == ranges_.end()) return nullptr;
  for (const Range& r : it->second) {
    if (r.owner == o) continue;
    if (r.end < start || r.start > end) continue;
    if (r.type == F_WRLCK || type == F_WRLCK) return &r;
  }
  return nullptr;
}

void LockTable::set(uint64_t ino, Owner o, int32_t pid, int16_t type, int64_t start, int64_t end) {
  std::vector<Range>& v = ranges_[ino];
  // Cut [start, end] out of the owner's locks (splitting one that spans it).
  std::vector<Range> kept;
  kept.reserve(v.size() + 2);
  for (const Range& r : v) {
    if (!(r.owner == o) || r.end < start || r.start > end) {
      kept.push_back(r);
      continue;
    }
    if (r.start < start) {
      Range left = r;
      left.end = start - 1;
      kept.push_back(left);
    }
    if (r.end > end) {
      Range right = r;
      right.start = end + 1;
      kept.push_back(right);
    }
  }
  if (type == F_RDLCK || type == F_WRLCK) {
    // Merge with the owner's touching locks of the same type, as Linux does.
    Range n{o, o.ofd ? -1 : pid, type, start, end};
    bool merged = true;
    while (merged) {
      merged = false;
      for (auto i = kept.begin(); i != kept.end(); ++i) {
        if (!(i->owner == o) || i->type != type) continue;
        bool touches = (i->end == kOffsetMax || i->end + 1 >= n.start) && (n.end == kOffsetMax || n.end + 1 >= i->start);
        if (!touches) continue;
        n.start = std::min(n.start, i->start);
        n.end = std::max(n.end, i->end);
        kept.erase(i);
        merged = true;
        break;
      }
    }
    kept.push_back(n);
  }
  std::sort(kept.begin(), kept.end(), [](const Range& a, const Range& b) { return a.start < b.start; });
  if (kept.empty())
    ranges_.erase(ino);
  else
    v = std::move(kept);
}

bool LockTable::flock_can(uint64_t ino, uint64_t file, int16_t type) const {
  auto it = flocks_.find(ino);
  if (it == flocks_.end()) return true;
  for (const Flock& f : it->second)
    if (f.file != file && (f.type == F_WRLCK || type == F_WRLCK)) return false;
  return true;
}

void LockTable::flock_set(uint64_t ino, uint64_t file, int16_t type) {
  std::vector<Flock>& v = flocks_[ino];
  std::erase_if(v, [&](const Flock& f) { return f.file == file; });
  if (type != F_UNLCK) v.push_back(Flock{file, type});
  if (v.empty()) flocks_.erase(ino);
}

void LockTable::release(uint64_t ino, Owner o) {
  if (auto it = ranges_.find(ino); it != ranges_.end()) {
    std::erase_if(it->second, [&](const Range& r) { return r.owner == o; });
    if (it->second.empty()) ranges_.erase(it);
  }
  if (o.ofd) flock_set(ino, o.id, F_UNLCK);
}

}  // namespace psx
