#include "storage/tables.h"

#include <lmdb.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace psx::storage {

namespace {

MDB_val as_val(const Key& k) { return {k.len, const_cast<uint8_t*>(k.bytes)}; }
MDB_val as_val(std::string_view s) { return {s.size(), const_cast<char*>(s.data())}; }
std::string_view as_view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

// Every failure goes through here so a write transaction learns about
// MDB_MAP_FULL / MDB_TXN_FULL (see WriteTxn::note).
Err<StoreError> failed(Txn& t, int rc, std::string_view what) {
  if (t.writable()) static_cast<WriteTxn&>(t).note(rc);
  return lmdb_fail(rc, what);
}

// Cursors are closed before their transaction ends (required for read txns).
class Cursor {
 public:
  Cursor(Txn& t, Table table) { rc_ = mdb_cursor_open(t.raw(), t.store().dbi(table), &c_); }
  ~Cursor() {
    if (c_) mdb_cursor_close(c_);
  }
  int rc() const { return rc_; }
  int get(MDB_val& k, MDB_val& v, MDB_cursor_op op) { return mdb_cursor_get(c_, &k, &v, op); }
  int del() { return mdb_cursor_del(c_, 0); }

 private:
  MDB_cursor* c_ = nullptr;
  int rc_ = 0;
};

template <class T>
StoreResult<std::optional<T>> get_struct(Txn& t, Table table, const Key& key, const char* what) {
  MDB_val k = as_val(key), v;
  int rc = mdb_get(t.raw(), t.store().dbi(table), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<T>{};
  if (rc) return failed(t, rc, what);
  if (v.mv_size != sizeof(T))
    return store_fail(StoreErrc::corrupt, std::string(what) + ": record has " + std::to_string(v.mv_size) +
                                              " bytes, expected " + std::to_string(sizeof(T)));
  T out;
  std::memcpy(&out, v.mv_data, sizeof(T));
  return std::optional<T>{out};
}

StoreResult<void> put_raw(WriteTxn& t, Table table, MDB_val k, MDB_val v, const char* what) {
  int rc = mdb_put(t.raw(), t.store().dbi(table), &k, &v, 0);
  if (rc) return failed(t, rc, what);
  return {};
}

StoreResult<void> del_raw(WriteTxn& t, Table table, MDB_val k, const char* what) {
  int rc = mdb_del(t.raw(), t.store().dbi(table), &k, nullptr);
  if (rc && rc != MDB_NOTFOUND) return failed(t, rc, what);
  return {};
}

// Scratch for the carried-over part of a partly rewritten block; one per
// thread because reads and the commit worker run in different threads.
uint8_t* scratch(size_t n) {
  thread_local std::vector<uint8_t> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// Reserves `new_len` bytes for block (ino, blk); keeps the old bytes
// [0, keep) and zero-fills [keep, zero_to). Returns the reserved space,
// valid until the next write to the data table.
StoreResult<uint8_t*> reserve_block(WriteTxn& t, Ino ino, uint64_t blk, size_t new_len, size_t keep_from,
                                    size_t keep_to, size_t zero_from, size_t zero_to, size_t& old_len) {
  Key key = data_key(ino, blk);
  MDB_val k = as_val(key), v;
  MDB_dbi dbi = t.store().dbi(Table::data);
  int rc = mdb_get(t.raw(), dbi, &k, &v);
  old_len = 0;
  uint8_t* saved = nullptr;
  if (rc == 0) {
    old_len = v.mv_size;
    keep_to = std::min(keep_to, old_len);
    if (keep_from < keep_to) {
      saved = scratch(t.block_size());
      std::memcpy(saved + keep_from, static_cast<uint8_t*>(v.mv_data) + keep_from, keep_to - keep_from);
    }
  } else if (rc != MDB_NOTFOUND) {
    return failed(t, rc, "reading a data block");
  } else {
    keep_to = keep_from;
  }
  MDB_val nv{new_len, nullptr};
  rc = mdb_put(t.raw(), dbi, &k, &nv, MDB_RESERVE);
  if (rc) return failed(t, rc, "reserving a data block");
  uint8_t* dst = static_cast<uint8_t*>(nv.mv_data);
  if (saved) std::memcpy(dst + keep_from, saved + keep_from, keep_to - keep_from);
  if (zero_from < zero_to) std::memset(dst + zero_from, 0, zero_to - zero_from);
  return dst;
}

}  // namespace

// ---------------------------------------------------------------- meta

StoreResult<std::optional<uint64_t>> get_meta_u64(Txn& t, std::string_view key) {
  MDB_val k = as_val(key), v;
  int rc = mdb_get(t.raw(), t.store().dbi(Table::meta), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<uint64_t>{};
  if (rc) return failed(t, rc, "reading meta");
  if (v.mv_size != 8) return store_fail(StoreErrc::corrupt, "meta '" + std::string(key) + "' is not 8 bytes");
  uint64_t x;
  std::memcpy(&x, v.mv_data, 8);
  return std::optional<uint64_t>{x};
}

StoreResult<void> put_meta_u64(WriteTxn& t, std::string_view key, uint64_t value) {
  return put_raw(t, Table::meta, as_val(key), MDB_val{8, &value}, "writing meta");
}

StoreResult<void> put_meta_bytes(WriteTxn& t, std::string_view key, std::span<const uint8_t> value) {
  return put_raw(t, Table::meta, as_val(key), MDB_val{value.size(), const_cast<uint8_t*>(value.data())},
                 "writing meta");
}

static StoreResult<uint64_t> take_counter(WriteTxn& t, std::string_view key) {
  auto cur = PSX_TRY(get_meta_u64(t, key));
  if (!cur) return store_fail(StoreErrc::corrupt, "meta '" + std::string(key) + "' is missing");
  PSX_TRY_VOID(put_meta_u64(t, key, *cur + 1));
  return *cur;
}

StoreResult<Ino> alloc_ino(WriteTxn& t) { return take_counter(t, meta_key::next_ino); }

// ---------------------------------------------------------------- inodes

StoreResult<std::optional<InodeRecord>> get_inode(Txn& t, Ino ino) {
  return get_struct<InodeRecord>(t, Table::inodes, ino_key(ino), "reading an inode");
}

StoreResult<void> put_inode(WriteTxn& t, Ino ino, const InodeRecord& rec) {
  Key k = ino_key(ino);
  return put_raw(t, Table::inodes, as_val(k), MDB_val{sizeof rec, const_cast<InodeRecord*>(&rec)},
                 "writing an inode");
}

StoreResult<void> del_inode(WriteTxn& t, Ino ino) {
  Key k = ino_key(ino);
  return del_raw(t, Table::inodes, as_val(k), "deleting an inode");
}

StoreResult<void> scan_inodes(Txn& t, const std::function<bool(Ino, const InodeRecord&)>& fn) {
  return scan_raw(t, Table::inodes, [&](std::string_view k, std::string_view v) {
    InodeRecord rec{};
    if (k.size() != 8) return true;  // fsck reports malformed keys through scan_raw
    std::memcpy(&rec, v.data(), std::min(v.size(), sizeof rec));
    return fn(get_be64(reinterpret_cast<const uint8_t*>(k.data())), rec);
  });
}

StoreResult<uint64_t> count_entries(Txn& t, Table table) {
  MDB_stat st;
  int rc = mdb_stat(t.raw(), t.store().dbi(table), &st);
  if (rc) return failed(t, rc, "counting records");
  return uint64_t{st.ms_entries};
}

// ---------------------------------------------------------------- dirents

StoreResult<std::optional<DirentRecord>> get_dirent(Txn& t, Ino parent, std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLen) return std::optional<DirentRecord>{};
  return get_struct<DirentRecord>(t, Table::dirents, dirent_key(parent, name), "reading a directory entry");
}

StoreResult<void> put_dirent(WriteTxn& t, Ino parent, std::string_view name, const DirentRecord& rec) {
  if (name.empty() || name.size() > kMaxNameLen)
    return store_fail(StoreErrc::invalid, "a directory entry name must be 1..255 bytes");
  auto old = PSX_TRY(get_dirent(t, parent, name));
  if (old && old->seq != rec.seq) {
    Key sk = dirseq_key(parent, old->seq);
    PSX_TRY_VOID(del_raw(t, Table::dirseq, as_val(sk), "updating the directory index"));
  }
  Key k = dirent_key(parent, name);
  PSX_TRY_VOID(put_raw(t, Table::dirents, as_val(k), MDB_val{sizeof rec, const_cast<DirentRecord*>(&rec)},
                       "writing a directory entry"));
  Key sk = dirseq_key(parent, rec.seq);
  return put_raw(t, Table::dirseq, as_val(sk), as_val(name), "writing the directory index");
}

StoreResult<void> del_dirent(WriteTxn& t, Ino parent, std::string_view name) {
  auto old = PSX_TRY(get_dirent(t, parent, name));
  if (!old) return {};
  Key sk = dirseq_key(parent, old->seq);
  PSX_TRY_VOID(del_raw(t, Table::dirseq, as_val(sk), "updating the directory index"));
  Key k = dirent_key(parent, name);
  return del_raw(t, Table::dirents, as_val(k), "deleting a directory entry");
}

StoreResult<bool> dir_is_empty(Txn& t, Ino parent) {
  Cursor c(t, Table::dirents);
  if (c.rc()) return failed(t, c.rc(), "opening a cursor");
  Key start = ino_key(parent);
  MDB_val k = as_val(start), v;
  int rc = c.get(k, v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND) return true;
  if (rc) return failed(t, rc, "reading a directory");
  return !(k.mv_size > 8 && get_be64(static_cast<uint8_t*>(k.mv_data)) == parent);
}

StoreResult<void> scan_dir(Txn& t, Ino parent, uint32_t after_seq,
                           const std::function<bool(std::string_view, const DirentRecord&)>& fn) {
  Cursor c(t, Table::dirseq);
  if (c.rc()) return failed(t, c.rc(), "opening a cursor");
  Key start = dirseq_key(parent, after_seq >= kSeqLimit ? kSeqLimit : after_seq + 1);
  MDB_val k = as_val(start), v;
  int rc = c.get(k, v, MDB_SET_RANGE);
  while (rc == 0) {
    if (k.mv_size != 12 || get_be64(static_cast<uint8_t*>(k.mv_data)) != parent) break;
    std::string_view name = as_view(v);
    auto rec = PSX_TRY(get_dirent(t, parent, name));
    if (!rec) return store_fail(StoreErrc::corrupt, "directory index names a missing entry of inode " +
                                                        std::to_string(parent));
    if (!fn(name, *rec)) return {};
    rc = c.get(k, v, MDB_NEXT);
  }
  if (rc && rc != MDB_NOTFOUND) return failed(t, rc, "reading a directory");
  return {};
}

StoreResult<void> scan_all_dirents(Txn& t,
                                   const std::function<bool(Ino, std::string_view, const DirentRecord&)>& fn) {
  return scan_raw(t, Table::dirents, [&](std::string_view k, std::string_view v) {
    if (k.size() < 8) return true;
    DirentRecord rec{};
    std::memcpy(&rec, v.data(), std::min(v.size(), sizeof rec));
    return fn(get_be64(reinterpret_cast<const uint8_t*>(k.data())), k.substr(8), rec);
  });
}

StoreResult<uint32_t> take_dir_seq(WriteTxn& t, Ino dir, InodeRecord& rec) {
  if (rec.next_seq < kFirstSeq) rec.next_seq = kFirstSeq;
  if (rec.next_seq >= kSeqLimit) {
    // Renumber: collect (name, record) first, then rewrite, so the cursor
    // never walks a table being changed.
    std::vector<std::pair<std::string, DirentRecord>> entries;
    PSX_TRY_VOID(scan_dir(t, dir, 0, [&](std::string_view name, const DirentRecord& r) {
      entries.emplace_back(std::string(name), r);
      return true;
    }));
    for (auto& [name, r] : entries) PSX_TRY_VOID(del_dirent(t, dir, name));
    uint32_t seq = kFirstSeq;
    for (auto& [name, r] : entries) {
      r.seq = seq++;
      PSX_TRY_VOID(put_dirent(t, dir, name, r));
    }
    rec.next_seq = seq;
  }
  return rec.next_seq++;
}

// ---------------------------------------------------------------- data

StoreResult<size_t> read_data(Txn& t, Ino ino, uint64_t size, uint64_t off, std::span<uint8_t> out) {
  if (off >= size || out.empty()) return size_t{0};
  const uint64_t n = std::min<uint64_t>(out.size(), size - off);
  const uint32_t bs = t.block_size();
  Cursor c(t, Table::data);
  if (c.rc()) return failed(t, c.rc(), "opening a cursor");
  Key start = data_key(ino, off / bs);
  MDB_val k = as_val(start), v;
  int rc = c.get(k, v, MDB_SET_RANGE);
  uint64_t pos = 0;
  while (pos < n) {
    const uint64_t at = off + pos, blk = at / bs;
    const size_t in = at % bs;
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(bs - in, n - pos));
    // Where the cursor stands: a block of this file at or after `blk`, or none.
    bool here = false;
    if (rc == 0 && k.mv_size == 16 && get_be64(static_cast<uint8_t*>(k.mv_data)) == ino) {
      uint64_t kb = get_be64(static_cast<uint8_t*>(k.mv_data) + 8);
      here = kb == blk;
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
      return failed(t, rc, "reading data");
    }
    size_t copied = 0;
    if (here) {
      if (v.mv_size > in) {
        copied = std::min(chunk, v.mv_size - in);
        std::memcpy(out.data() + pos, static_cast<uint8_t*>(v.mv_data) + in, copied);
      }
      rc = c.get(k, v, MDB_NEXT);
    }
    if (copied < chunk) std::memset(out.data() + pos + copied, 0, chunk - copied);  // a hole
    pos += chunk;
  }
  return static_cast<size_t>(n);
}

StoreResult<int64_t> write_data(WriteTxn& t, Ino ino, uint64_t off, std::span<const uint8_t> in) {
  const uint32_t bs = t.block_size();
  const MDB_dbi dbi = t.store().dbi(Table::data);
  int64_t delta = 0;
  uint64_t pos = 0;
  while (pos < in.size()) {
    const uint64_t at = off + pos, blk = at / bs;
    const size_t start = at % bs;
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(bs - start, in.size() - pos));
    Key key = data_key(ino, blk);
    MDB_val k = as_val(key), v;
    int rc = mdb_get(t.raw(), dbi, &k, &v);
    size_t old_len = 0;
    uint8_t* saved = nullptr;
    if (rc == 0) {
      old_len = v.mv_size;
      // Only the bytes outside [start, start+chunk) survive; save them, since
      // the reserved space may be the old pages themselves.
      if (start > 0 || start + chunk < old_len) {
        saved = scratch(bs);
        std::memcpy(saved, v.mv_data, old_len);
      }
    } else if (rc != MDB_NOTFOUND) {
      return failed(t, rc, "reading a data block");
    }
    const size_t new_len = std::max(start + chunk, old_len);
    MDB_val nv{new_len, nullptr};
    rc = mdb_put(t.raw(), dbi, &k, &nv, MDB_RESERVE);
    if (rc) return failed(t, rc, "reserving a data block");
    uint8_t* dst = static_cast<uint8_t*>(nv.mv_data);
    const size_t head = std::min(start, old_len);
    if (head) std::memcpy(dst, saved, head);
    if (head < start) std::memset(dst + head, 0, start - head);  // a hole before the write
    if (start + chunk < old_len) std::memcpy(dst + start + chunk, saved + start + chunk, old_len - start - chunk);
    std::memcpy(dst + start, in.data() + pos, chunk);  // the caller's bytes, straight into the page
    delta += static_cast<int64_t>(new_len) - static_cast<int64_t>(old_len);
    pos += chunk;
  }
  return delta;
}

StoreResult<int64_t> fill_holes(WriteTxn& t, Ino ino, uint64_t off, uint64_t len) {
  const uint32_t bs = t.block_size();
  int64_t delta = 0;
  const uint64_t end = off + len;
  for (uint64_t blk = off / bs; blk * bs < end; ++blk) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(bs, end - blk * bs));
    Key key = data_key(ino, blk);
    MDB_val k = as_val(key), v;
    int rc = mdb_get(t.raw(), t.store().dbi(Table::data), &k, &v);
    size_t old_len = 0;
    if (rc == 0) old_len = v.mv_size;
    else if (rc != MDB_NOTFOUND) return failed(t, rc, "reading a data block");
    if (old_len >= want) continue;
    size_t got = 0;
    PSX_TRY(reserve_block(t, ino, blk, want, 0, old_len, old_len, want, got));
    delta += static_cast<int64_t>(want) - static_cast<int64_t>(old_len);
  }
  return delta;
}

StoreResult<int64_t> truncate_data(WriteTxn& t, Ino ino, uint64_t new_size) {
  const uint32_t bs = t.block_size();
  int64_t delta = 0;
  const uint64_t first_gone = (new_size + bs - 1) / bs;
  // Whole blocks past the new end: seek afresh after each delete.
  for (;;) {
    Cursor c(t, Table::data);
    if (c.rc()) return failed(t, c.rc(), "opening a cursor");
    Key start = data_key(ino, first_gone);
    MDB_val k = as_val(start), v;
    int rc = c.get(k, v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) break;
    if (rc) return failed(t, rc, "truncating data");
    if (k.mv_size != 16 || get_be64(static_cast<uint8_t*>(k.mv_data)) != ino) break;
    delta -= static_cast<int64_t>(v.mv_size);
    rc = c.del();
    if (rc) return failed(t, rc, "truncating data");
  }
  // The block that straddles the new end keeps only its head.
  if (new_size % bs) {
    const uint64_t blk = new_size / bs;
    const size_t keep = new_size % bs;
    Key key = data_key(ino, blk);
    MDB_val k = as_val(key), v;
    int rc = mdb_get(t.raw(), t.store().dbi(Table::data), &k, &v);
    if (rc == 0 && v.mv_size > keep) {
      size_t old_len = 0;
      PSX_TRY(reserve_block(t, ino, blk, keep, 0, keep, keep, keep, old_len));
      delta -= static_cast<int64_t>(old_len - keep);
    } else if (rc && rc != MDB_NOTFOUND) {
      return failed(t, rc, "truncating data");
    }
  }
  return delta;
}

StoreResult<void> delete_data(WriteTxn& t, Ino ino) {
  PSX_TRY(truncate_data(t, ino, 0));
  return {};
}

StoreResult<void> scan_blocks(Txn& t, Ino ino, const std::function<bool(uint64_t, size_t)>& fn) {
  Cursor c(t, Table::data);
  if (c.rc()) return failed(t, c.rc(), "opening a cursor");
  Key start = data_key(ino, 0);
  MDB_val k = as_val(start), v;
  int rc = c.get(k, v, MDB_SET_RANGE);
  while (rc == 0) {
    if (k.mv_size != 16 || get_be64(static_cast<uint8_t*>(k.mv_data)) != ino) break;
    if (!fn(get_be64(static_cast<uint8_t*>(k.mv_data) + 8), v.mv_size)) return {};
    rc = c.get(k, v, MDB_NEXT);
  }
  if (rc && rc != MDB_NOTFOUND) return failed(t, rc, "reading data");
  return {};
}

StoreResult<void> scan_all_blocks(Txn& t, const std::function<bool(Ino, uint64_t, size_t)>& fn) {
  return scan_raw(t, Table::data, [&](std::string_view k, std::string_view v) {
    if (k.size() != 16) return true;
    auto* p = reinterpret_cast<const uint8_t*>(k.data());
    return fn(get_be64(p), get_be64(p + 8), v.size());
  });
}

// ---------------------------------------------------------------- orphans

StoreResult<void> add_orphan(WriteTxn& t, Ino ino, int64_t since_ns) {
  Key k = ino_key(ino);
  OrphanRecord r{since_ns};
  return put_raw(t, Table::orphans, as_val(k), MDB_val{sizeof r, &r}, "writing an orphan");
}

StoreResult<void> del_orphan(WriteTxn& t, Ino ino) {
  Key k = ino_key(ino);
  return del_raw(t, Table::orphans, as_val(k), "deleting an orphan");
}

StoreResult<bool> is_orphan(Txn& t, Ino ino) {
  auto r = PSX_TRY(get_struct<OrphanRecord>(t, Table::orphans, ino_key(ino), "reading an orphan"));
  return r.has_value();
}

StoreResult<void> scan_orphans(Txn& t, const std::function<bool(Ino, const OrphanRecord&)>& fn) {
  return scan_raw(t, Table::orphans, [&](std::string_view k, std::string_view v) {
    if (k.size() != 8) return true;
    OrphanRecord r{};
    std::memcpy(&r, v.data(), std::min(v.size(), sizeof r));
    return fn(get_be64(reinterpret_cast<const uint8_t*>(k.data())), r);
  });
}

StoreResult<uint64_t> reclaim_orphans(WriteTxn& t) {
  std::vector<Ino> inos;
  PSX_TRY_VOID(scan_orphans(t, [&](Ino ino, const OrphanRecord&) {
    inos.push_back(ino);
    return true;
  }));
  for (Ino ino : inos) {
    PSX_TRY_VOID(delete_data(t, ino));
    PSX_TRY_VOID(del_inode(t, ino));
    PSX_TRY_VOID(del_orphan(t, ino));
  }
  return uint64_t{inos.size()};
}

// ---------------------------------------------------------------- txlog

StoreResult<uint64_t> append_txlog(WriteTxn& t, std::string_view op, int32_t pid, Ino ino, Ino ino2,
                                   std::string_view path, int64_t time_ns) {
  uint64_t txid = PSX_TRY(take_counter(t, meta_key::next_txid));
  op = op.substr(0, 64);
  path = path.substr(0, 4096);
  TxlogHeader h;
  h.time_ns = time_ns;
  h.pid = pid;
  h.op_len = static_cast<uint16_t>(op.size());
  h.path_len = static_cast<uint16_t>(path.size());
  h.ino = ino;
  h.ino2 = ino2;
  Key k = ino_key(txid);
  MDB_val kv = as_val(k), v{sizeof h + op.size() + path.size(), nullptr};
  int rc = mdb_put(t.raw(), t.store().dbi(Table::txlog), &kv, &v, MDB_RESERVE);
  if (rc) return failed(t, rc, "writing the transaction log");
  auto* dst = static_cast<uint8_t*>(v.mv_data);
  std::memcpy(dst, &h, sizeof h);
  std::memcpy(dst + sizeof h, op.data(), op.size());
  std::memcpy(dst + sizeof h + op.size(), path.data(), path.size());
  return txid;
}

StoreResult<void> scan_txlog(Txn& t, uint64_t from, const std::function<bool(const TxlogEntry&)>& fn) {
  Cursor c(t, Table::txlog);
  if (c.rc()) return failed(t, c.rc(), "opening a cursor");
  Key start = ino_key(from);
  MDB_val k = as_val(start), v;
  int rc = c.get(k, v, MDB_SET_RANGE);
  while (rc == 0) {
    if (k.mv_size != 8 || v.mv_size < sizeof(TxlogHeader)) return store_fail(StoreErrc::corrupt, "malformed txlog record");
    TxlogHeader h;
    std::memcpy(&h, v.mv_data, sizeof h);
    if (sizeof h + h.op_len + h.path_len != v.mv_size) return store_fail(StoreErrc::corrupt, "malformed txlog record");
    TxlogEntry e;
    e.txid = get_be64(static_cast<uint8_t*>(k.mv_data));
    e.time_ns = h.time_ns;
    e.pid = h.pid;
    e.ino = h.ino;
    e.ino2 = h.ino2;
    const char* p = static_cast<const char*>(v.mv_data) + sizeof h;
    e.op.assign(p, h.op_len);
    e.path.assign(p + h.op_len, h.path_len);
    if (!fn(e)) return {};
    rc = c.get(k, v, MDB_NEXT);
  }
  if (rc && rc != MDB_NOTFOUND) return failed(t, rc, "reading the transaction log");
  return {};
}

StoreResult<uint64_t> trim_txlog(WriteTxn& t, uint64_t keep) {
  uint64_t total = PSX_TRY(count_entries(t, Table::txlog));
  uint64_t gone = 0;
  while (total - gone > keep) {
    Cursor c(t, Table::txlog);
    MDB_val k, v;
    int rc = c.get(k, v, MDB_FIRST);
    if (rc == MDB_NOTFOUND) break;
    if (rc == 0) rc = c.del();
    if (rc) return failed(t, rc, "trimming the transaction log");
    ++gone;
  }
  return gone;
}

// ---------------------------------------------------------------- raw

StoreResult<void> scan_raw(Txn& t, Table table, const std::function<bool(std::string_view, std::string_view)>& fn) {
  Cursor c(t, table);
  if (c.rc()) return failed(t, c.rc(), "opening a cursor");
  MDB_val k, v;
  int rc = c.get(k, v, MDB_FIRST);
  while (rc == 0) {
    if (!fn(as_view(k), as_view(v))) return {};
    rc = c.get(k, v, MDB_NEXT);
  }
  if (rc && rc != MDB_NOTFOUND) return failed(t, rc, std::string("reading table ") + table_name(table));
  return {};
}

}  // namespace psx::storage
