#include "storage/fsck.h"

#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "storage/tables.h"

namespace psx::storage {

std::string Finding::to_string() const { return rule + " " + table + " " + where + ": " + problem; }

namespace {

std::string ino_str(Ino ino) { return "ino " + std::to_string(ino); }
std::string dirent_str(Ino parent, std::string_view name) {
  return "dirent (" + std::to_string(parent) + ", \"" + std::string(name) + "\")";
}

struct InodeFacts {
  InodeRecord rec;
  uint64_t names = 0;    // dirents naming it
  uint64_t subdirs = 0;  // directories: dirents naming a directory in it
  Ino named_in = 0;      // the parent of (one) dirent naming it
  uint64_t stored = 0;   // sum of its data blocks
  bool orphan = false;
};

}  // namespace

StoreResult<std::vector<Finding>> fsck(Txn& t, const FsckOptions& options) {
  std::vector<Finding> out;
  auto add = [&](const char* rule, const char* table, std::string where, std::string problem) {
    out.push_back(Finding{rule, table, std::move(where), std::move(problem)});
  };

  // M1
  uint64_t next_ino = 0, next_txid = 0;
  for (auto key : {meta_key::format, meta_key::created_ns, meta_key::block_size, meta_key::next_ino, meta_key::next_txid}) {
    auto v = get_meta_u64(t, key);
    if (!v.ok()) add("M1", "meta", std::string(key), v.error().message);
    else if (!*v) add("M1", "meta", std::string(key), "missing");
    else if (key == meta_key::next_ino) next_ino = **v;
    else if (key == meta_key::next_txid) next_txid = **v;
    else if (key == meta_key::format && **v > kFormatVersion) add("M1", "meta", "format", "newer than this build");
  }

  // I1, I2: load every inode.
  std::unordered_map<Ino, InodeFacts> inodes;
  PSX_TRY_VOID(scan_raw(t, Table::inodes, [&](std::string_view k, std::string_view v) {
    if (k.size() != 8) {
      add("I1", "inodes", "key of " + std::to_string(k.size()) + " bytes", "not an 8-byte inode number");
      return true;
    }
    Ino ino = get_be64(reinterpret_cast<const uint8_t*>(k.data()));
    if (v.size() != sizeof(InodeRecord)) {
      add("I1", "inodes", ino_str(ino), "record has " + std::to_string(v.size()) + " bytes");
      return true;
    }
    InodeFacts f;
    std::memcpy(&f.rec, v.data(), sizeof f.rec);
    if (ino == 0 || (next_ino && ino >= next_ino))
      add("I1", "inodes", ino_str(ino), "outside [1, next_ino=" + std::to_string(next_ino) + ")");
    if (!valid_type(f.rec.type)) add("I2", "inodes", ino_str(ino), "unknown type " + std::to_string(f.rec.type));
    inodes.emplace(ino, f);
    return true;
  }));
  auto root = inodes.find(kRootIno);
  if (root == inodes.end()) add("I1", "inodes", ino_str(kRootIno), "the root inode is missing");
  else if (!root->second.rec.is_dir()) add("I1", "inodes", ino_str(kRootIno), "the root is not a directory");
  else if (root->second.rec.parent != kRootIno)
    add("I1", "inodes", ino_str(kRootIno), "the root's parent is " + std::to_string(root->second.rec.parent));

  // D1-D3: dirents against inodes and the dirseq index.
  std::map<std::pair<Ino, uint32_t>, std::string> seq_seen;  // (parent, seq) -> name, from dirents
  PSX_TRY_VOID(scan_raw(t, Table::dirents, [&](std::string_view k, std::string_view v) {
    if (k.size() < 8) {
      add("D1", "dirents", "key of " + std::to_string(k.size()) + " bytes", "too short");
      return true;
    }
    Ino parent = get_be64(reinterpret_cast<const uint8_t*>(k.data()));
    std::string_view name = k.substr(8);
    std::string where = dirent_str(parent, name);
    if (name.empty() || name.size() > kMaxNameLen || name.find('/') != name.npos ||
        name.find('\0') != name.npos || name == "." || name == "..")
      add("D1", "dirents", where, "invalid name");
    if (v.size() != sizeof(DirentRecord)) {
      add("D2", "dirents", where, "record has " + std::to_string(v.size()) + " bytes");
      return true;
    }
    DirentRecord d;
    std::memcpy(&d, v.data(), sizeof d);
    auto p = inodes.find(parent);
    if (p == inodes.end()) add("D2", "dirents", where, "parent inode does not exist");
    else if (!p->second.rec.is_dir()) add("D2", "dirents", where, "parent is not a directory");
    auto c = inodes.find(d.ino);
    if (c == inodes.end()) {
      add("D2", "dirents", where, "names inode " + std::to_string(d.ino) + ", which does not exist");
    } else {
      if (c->second.rec.type != d.type)
        add("D2", "dirents", where, std::string("states type ") + type_name(static_cast<InodeType>(d.type)) +
                                        " but inode " + std::to_string(d.ino) + " is " + type_name(c->second.rec.kind()));
      c->second.names++;
      c->second.named_in = parent;
      if (c->second.rec.is_dir() && p != inodes.end()) p->second.subdirs++;
    }
    if (d.seq < kFirstSeq || d.seq >= kSeqLimit || (p != inodes.end() && d.seq >= p->second.rec.next_seq))
      add("D3", "dirents", where, "seq " + std::to_string(d.seq) + " outside [3, next_seq)");
    auto [it, fresh] = seq_seen.emplace(std::make_pair(parent, d.seq), std::string(name));
    if (!fresh) add("D3", "dirents", where, "seq " + std::to_string(d.seq) + " also used by \"" + it->second + "\"");
    return true;
  }));
  uint64_t index_entries = 0;
  PSX_TRY_VOID(scan_raw(t, Table::dirseq, [&](std::string_view k, std::string_view v) {
    ++index_entries;
    if (k.size() != 12) {
      add("D3", "dirseq", "key of " + std::to_string(k.size()) + " bytes", "not (parent, seq)");
      return true;
    }
    auto* kp = reinterpret_cast<const uint8_t*>(k.data());
    Ino parent = get_be64(kp);
    uint32_t seq = get_be32(kp + 8);
    std::string where = "(" + std::to_string(parent) + ", " + std::to_string(seq) + ")";
    auto it = seq_seen.find({parent, seq});
    if (it == seq_seen.end()) add("D3", "dirseq", where, "no dirent has this seq (names \"" + std::string(v) + "\")");
    else if (it->second != v) add("D3", "dirseq", where, "names \"" + std::string(v) + "\" but the dirent is \"" + it->second + "\"");
    else seq_seen.erase(it);
    return true;
  }));
  for (auto& [key, name] : seq_seen)
    add("D3", "dirents", dirent_str(key.first, name), "missing from the dirseq index");

  // F1, F2: data blocks.
  const uint32_t bs = t.block_size();
  PSX_TRY_VOID(scan_raw(t, Table::data, [&](std::string_view k, std::string_view v) {
    if (k.size() != 16) {
      add("F1", "data", "key of " + std::to_string(k.size()) + " bytes", "not (ino, block)");
      return true;
    }
    auto* kp = reinterpret_cast<const uint8_t*>(k.data());
    Ino ino = get_be64(kp);
    uint64_t blk = get_be64(kp + 8);
    std::string where = "(" + std::to_string(ino) + ", block " + std::to_string(blk) + ")";
    auto it = inodes.find(ino);
    if (it == inodes.end()) {
      add("F1", "data", where, "block of a missing inode");
      return true;
    }
    auto& f = it->second;
    f.stored += v.size();
    if (f.rec.kind() != InodeType::regular && f.rec.kind() != InodeType::symlink)
      add("F1", "data", where, std::string("block of a ") + type_name(f.rec.kind()));
    if (v.empty() || v.size() > bs) add("F1", "data", where, "holds " + std::to_string(v.size()) + " bytes");
    if (blk * bs >= f.rec.size || blk * bs + v.size() > f.rec.size)
      add("F1", "data", where, "extends to byte " + std::to_string(blk * bs + v.size()) + " past size " + std::to_string(f.rec.size));
    return true;
  }));

  // O1: orphans.
  PSX_TRY_VOID(scan_raw(t, Table::orphans, [&](std::string_view k, std::string_view) {
    if (k.size() != 8) return true;
    Ino ino = get_be64(reinterpret_cast<const uint8_t*>(k.data()));
    auto it = inodes.find(ino);
    if (it == inodes.end()) add("O1", "orphans", ino_str(ino), "orphan of a missing inode");
    else {
      it->second.orphan = true;
      if (it->second.rec.nlink != 0)
        add("O1", "orphans", ino_str(ino), "listed as orphan but nlink is " + std::to_string(it->second.rec.nlink));
    }
    return true;
  }));

  // Per-inode rules.
  for (auto& [ino, f] : inodes) {
    const InodeRecord& r = f.rec;
    std::string where = ino_str(ino);
    if (r.nlink == 0 && !f.orphan)
      add("O1", "inodes", where, options.live ? "nlink is 0 but it is not in the orphans table"
                                              : "nlink is 0 and it is not an orphan (a leaked inode)");
    if (r.stored_bytes != f.stored)
      add("F2", "inodes", where, "stored_bytes " + std::to_string(r.stored_bytes) + " but blocks hold " + std::to_string(f.stored));
    if (r.kind() == InodeType::symlink && (r.size == 0 || r.size > kMaxSymlinkLen || f.stored != r.size))
      add("F3", "inodes", where, "symlink of size " + std::to_string(r.size) + " with " + std::to_string(f.stored) + " bytes stored");
    if (r.is_dir()) {
      if (r.nlink != 0 && r.nlink != 2 + f.subdirs)
        add("L2", "inodes", where, "directory nlink " + std::to_string(r.nlink) + ", expected 2 + " + std::to_string(f.subdirs) + " subdirectories");
      if (ino == kRootIno) {
        if (f.names) add("L2", "inodes", where, "the root is named by a dirent");
      } else if (r.nlink != 0) {
        if (f.names != 1) add("L2", "inodes", where, "directory named by " + std::to_string(f.names) + " dirents, expected 1");
        else if (r.parent != f.named_in)
          add("L2", "inodes", where, "parent (\"..\") is " + std::to_string(r.parent) + " but it lives in " + std::to_string(f.named_in));
      } else if (f.names) {
        add("L2", "inodes", where, "removed directory (nlink 0) still named by a dirent");
      }
    } else if (r.nlink != f.names) {
      add("L1", "inodes", where, "nlink " + std::to_string(r.nlink) + " but " + std::to_string(f.names) + " dirents name it");
    }
  }
  // L3: every live directory reaches the root through `parent`.
  for (auto& [ino, f] : inodes) {
    if (!f.rec.is_dir() || f.rec.nlink == 0) continue;
    Ino cur = ino;
    size_t steps = 0;
    while (cur != kRootIno && steps <= inodes.size()) {
      auto it = inodes.find(cur);
      if (it == inodes.end() || !it->second.rec.is_dir()) break;
      cur = it->second.rec.parent;
      ++steps;
    }
    if (cur != kRootIno) add("L3", "inodes", ino_str(ino), "does not reach the root through its parents");
  }

  // T1
  PSX_TRY_VOID(scan_raw(t, Table::txlog, [&](std::string_view k, std::string_view) {
    if (k.size() != 8) add("T1", "txlog", "key of " + std::to_string(k.size()) + " bytes", "not a txid");
    else if (next_txid && get_be64(reinterpret_cast<const uint8_t*>(k.data())) >= next_txid)
      add("T1", "txlog", "txid " + std::to_string(get_be64(reinterpret_cast<const uint8_t*>(k.data()))), "not below next_txid");
    return true;
  }));
  return out;
}

}  // namespace psx::storage
