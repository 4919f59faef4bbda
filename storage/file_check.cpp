#include "storage/file_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace psx::storage {

namespace {

// LMDB 0.9 on-disk layout (mdb.c): a 16-byte page header, then MDB_meta:
// magic u32, version u32, address, mapsize, two MDB_db of 48 bytes (the first
// one's leading u32 is the page size), last_pg u64, txnid u64.
constexpr size_t kPageHeader = 16;
constexpr uint32_t kMagic = 0xBEEFC0DE;
constexpr uint32_t kDataVersion = 1;
constexpr size_t kOffMagic = kPageHeader + 0;
constexpr size_t kOffVersion = kPageHeader + 4;
constexpr size_t kOffPageSize = kPageHeader + 24;
constexpr size_t kOffLastPage = kPageHeader + 120;
constexpr size_t kOffTxnid = kPageHeader + 128;
constexpr uint16_t kPageFlagMeta = 0x08;
constexpr size_t kOffFlags = 10;

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

struct Meta {
  bool valid = false;
  uint32_t page_size = 0;
  uint64_t last_page = 0;
  uint64_t txnid = 0;
};

Meta parse(const uint8_t* page) {
  Meta m;
  if (!(load<uint16_t>(page + kOffFlags) & kPageFlagMeta)) return m;
  if (load<uint32_t>(page + kOffMagic) != kMagic) return m;
  if (load<uint32_t>(page + kOffVersion) != kDataVersion) return m;
  m.page_size = load<uint32_t>(page + kOffPageSize);
  m.last_page = load<uint64_t>(page + kOffLastPage);
  m.txnid = load<uint64_t>(page + kOffTxnid);
  m.valid = true;
  return m;
}

}  // namespace

StoreResult<void> check_lmdb_file(const std::string& path) {
  std::string q = "'" + path + "'";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return store_fail(StoreErrc::io, "cannot read " + q + ": " + strerror(errno), errno);
  struct stat st;
  fstat(fd, &st);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  std::vector<uint8_t> head(kPageHeader + 160);
  ssize_t n = pread(fd, head.data(), head.size(), 0);
  Meta m0 = n == static_cast<ssize_t>(head.size()) ? parse(head.data()) : Meta{};
  Meta m1;
  if (m0.valid && m0.page_size >= 512 && m0.page_size <= 65536 && (m0.page_size & (m0.page_size - 1)) == 0) {
    n = pread(fd, head.data(), head.size(), m0.page_size);
    if (n == static_cast<ssize_t>(head.size())) m1 = parse(head.data());
  }
  ::close(fd);
  if (size == 0) return store_fail(StoreErrc::foreign, q + " is empty, not a psx store");
  if (!m0.valid || !m1.valid)
    return store_fail(StoreErrc::foreign, q + " is not a psx store (no LMDB header)");
  const Meta& m = m1.txnid > m0.txnid ? m1 : m0;
  if (m1.page_size != m0.page_size || (m.last_page + 1) * m.page_size > size)
    return store_fail(StoreErrc::corrupt, q + " is a damaged store: its header describes " +
                                              std::to_string((m.last_page + 1) * m.page_size) +
                                              " bytes but the file has " + std::to_string(size));
  return {};
}

}  // namespace psx::storage
