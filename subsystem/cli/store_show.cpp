// psx store ls, tree, stat, cat, du: the store's namespace through vfs, as
// the programs under psx see it, each in one read transaction (a consistent
// snapshot while a running psx commits). The caller is root, so modes never
// hide anything.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "storage/tables.h"
#include "subsystem/cli/store_cli.h"
#include "subsystem/cli/store_format.h"
#include "subsystem/cli/store_json.h"
#include "subsystem/cli/store_records.h"
#include "subsystem/cli/store_view.h"

namespace psx::cli::store {
namespace {

// A store, a read transaction on it and a vfs over it: what every
// command here starts from.
struct Reader {
  std::unique_ptr<storage::Store> store;
  std::optional<storage::ReadTxn> txn;
  std::optional<vfs::Fs> fs;
  storage::Txn& t() { return *txn; }
};

bool open(const Args& a, Reader& r) {
  r.store = open_reader(a);
  if (!r.store) return false;
  auto t = r.store->begin_read();
  if (!t) {
    fail(a, t.error().message);
    return false;
  }
  r.txn.emplace(std::move(*t));
  r.fs.emplace(*r.store);
  return true;
}

std::string operand_or_root(const Args& a) { return a.operands.empty() ? "/" : a.operands[0]; }

// ---- ls

struct Row {
  std::string name;
  vfs::Stat st;
  std::string target;  // symlinks
};

std::string size_column(const vfs::Stat& st) {
  uint32_t type = st.mode & vfs::kTypeMask;
  if (type == vfs::kCharDevice || type == vfs::kBlockDevice)
    return std::to_string(rdev_major(st.rdev)) + ", " + std::to_string(rdev_minor(st.rdev));
  return std::to_string(st.size);
}

void print_long(const std::vector<Row>& rows) {
  size_t wl = 1, wu = 1, wg = 1, ws = 1;
  for (const Row& r : rows) {
    wl = std::max(wl, std::to_string(r.st.nlink).size());
    wu = std::max(wu, std::to_string(r.st.uid).size());
    wg = std::max(wg, std::to_string(r.st.gid).size());
    ws = std::max(ws, size_column(r.st).size());
  }
  for (const Row& r : rows) {
    std::string line = mode_string(r.st.mode);
    auto pad = [&](const std::string& s, size_t w) { line += " " + std::string(w - s.size(), ' ') + s; };
    pad(std::to_string(r.st.nlink), wl);
    line += " " + std::to_string(r.st.uid) + std::string(wu - std::to_string(r.st.uid).size(), ' ');
    line += " " + std::to_string(r.st.gid) + std::string(wg - std::to_string(r.st.gid).size(), ' ');
    pad(size_column(r.st), ws);
    line += " " + format_time(r.st.mtime_ns, false) + " " + printable(r.name);
    if (r.st.is_symlink()) line += " -> " + printable(r.target);
    printf("%s\n", line.c_str());
  }
}

void json_row(JsonWriter& w, const Row& r) {
  w.begin_object()
      .field("name", r.name)
      .field("ino", r.st.ino)
      .field("type", std::string(1, type_letter(r.st.mode)))
      .field("mode", r.st.mode)
      .field("mode_string", mode_string(r.st.mode))
      .field("nlink", r.st.nlink)
      .field("uid", r.st.uid)
      .field("gid", r.st.gid)
      .field("size", r.st.size)
      .field("blocks", r.st.blocks)
      .field("rdev", r.st.rdev)
      .field("mtime_ns", r.st.mtime_ns);
  if (r.st.is_symlink()) w.field("target", r.target);
  w.end_object();
}

}  // namespace

int ls_cmd(const Args& a) {
  Reader rd;
  if (!open(a, rd)) return kExitFail;
  vfs::Fs& fs = *rd.fs;
  std::string path = operand_or_root(a);
  bool lng = a.has("-l");
  // Like ls: a symlink operand is followed unless -l asks about the link.
  auto st = fs.stat(rd.t(), tool_caller(), vfs::kRootIno, path, !lng);
  if (!st) return path_fail(a, path, st.error());
  std::vector<Row> rows;
  auto add = [&](const std::string& name, const std::string& full, const vfs::Stat& s) -> SysResult<void> {
    Row r{name, s, ""};
    if (s.is_symlink()) r.target = PSX_TRY(link_target(fs, rd.t(), full));
    rows.push_back(std::move(r));
    return {};
  };
  if (!st->is_dir()) {
    if (auto r = add(path, path, *st); !r) return path_fail(a, path, r.error());
  } else {
    if (a.has("-a")) {
      (void)add(".", path, *st);
      auto up = fs.stat(rd.t(), tool_caller(), vfs::kRootIno, join(path, ".."), true);
      if (up) (void)add("..", path, *up);
    }
    auto entries = list_dir(fs, rd.t(), st->ino);
    if (!entries) return path_fail(a, path, entries.error());
    for (const Entry& e : *entries) {
      auto s = fs.fstat(rd.t(), e.ino);
      if (!s) return path_fail(a, join(path, e.name), s.error());
      if (auto r = add(e.name, join(path, e.name), *s); !r) return path_fail(a, join(path, e.name), r.error());
    }
  }
  if (a.has("--json")) {
    JsonWriter w;
    w.begin_object().field("path", path).key("entries").begin_array();
    for (const Row& r : rows) json_row(w, r);
    w.end_array().end_object().print();
  } else if (lng) {
    print_long(rows);
  } else {
    for (const Row& r : rows) printf("%s\n", printable(r.name).c_str());
  }
  return kExitOk;
}

// ---- tree

namespace {

struct TreeCounts {
  uint64_t dirs = 0, files = 0;
};

SysResult<void> tree_walk(vfs::Fs& fs, storage::Txn& t, const std::string& path, vfs::Ino dir,
                          const std::string& prefix, TreeCounts& c) {
  auto entries = PSX_TRY(list_dir(fs, t, dir));
  for (size_t i = 0; i < entries.size(); i++) {
    const Entry& e = entries[i];
    bool last = i + 1 == entries.size();
    std::string full = join(path, e.name);
    std::string line = prefix + (last ? "└── " : "├── ") + printable(e.name);
    vfs::Stat st = PSX_TRY(fs.fstat(t, e.ino));
    if (st.is_symlink()) line += " -> " + printable(PSX_TRY(link_target(fs, t, full)));
    printf("%s\n", line.c_str());
    if (st.is_dir()) {
      c.dirs++;
      PSX_TRY_VOID(tree_walk(fs, t, full, e.ino, prefix + (last ? "    " : "│   "), c));
    } else {
      c.files++;
    }
  }
  return {};
}

}  // namespace

int tree_cmd(const Args& a) {
  Reader rd;
  if (!open(a, rd)) return kExitFail;
  std::string path = operand_or_root(a);
  auto st = rd.fs->stat(rd.t(), tool_caller(), vfs::kRootIno, path, true);
  if (!st) return path_fail(a, path, st.error());
  printf("%s\n", printable(path).c_str());
  TreeCounts c;
  if (st->is_dir()) {
    auto r = tree_walk(*rd.fs, rd.t(), path, st->ino, "", c);
    if (!r) return path_fail(a, path, r.error());
  } else {
    c.files = 1;  // as tree(1) counts a file operand
  }
  printf("\n%llu director%s, %llu file%s\n", (unsigned long long)c.dirs, c.dirs == 1 ? "y" : "ies",
         (unsigned long long)c.files, c.files == 1 ? "" : "s");
  return kExitOk;
}

// ---- stat

namespace {

struct Naming {
  vfs::Ino parent;
  std::string name;
  storage::DirentRecord rec;
};

// Consecutive blocks holding full block_size bytes, shown as one run.
struct Run {
  uint64_t first = 0, last = 0, bytes = 0;
};

}  // namespace

int stat_cmd(const Args& a) {
  Reader rd;
  if (!open(a, rd)) return kExitFail;
  storage::Txn& t = rd.t();
  const std::string& path = a.operands[0];
  auto ino = rd.fs->lookup(t, tool_caller(), vfs::kRootIno, path, false);
  if (!ino) return path_fail(a, path, ino.error());
  auto rec = storage::get_inode(t, *ino);
  if (!rec || !rec->has_value()) return fail(a, path + ": inode " + std::to_string(*ino) + " has no record");
  const storage::InodeRecord& r = **rec;
  // Every dirent naming it: a full scan, since dirents are keyed by parent.
  std::vector<Naming> names;
  auto sc = storage::scan_all_dirents(t, [&](vfs::Ino parent, std::string_view name, const storage::DirentRecord& d) {
    if (d.ino == *ino) names.push_back({parent, std::string(name), d});
    return true;
  });
  if (!sc) return fail(a, sc.error().message);
  std::vector<std::pair<uint64_t, size_t>> blocks;
  auto sb = storage::scan_blocks(t, *ino, [&](uint64_t b, size_t len) {
    blocks.emplace_back(b, len);
    return true;
  });
  if (!sb) return fail(a, sb.error().message);
  uint32_t bs = t.block_size();
  std::vector<Field> fields;
  inode_fields(fields, r);

  auto st = rd.fs->fstat(t, *ino);
  std::string ms = st ? mode_string(st->mode) : "?";
  if (a.has("--json")) {
    JsonWriter w;
    w.begin_object().field("path", path).field("ino", *ino).field("mode_string", ms);
    w.key("inode");
    json_of(w, fields);
    w.key("dirents").begin_array();
    for (const Naming& n : names)
      w.begin_object()
          .field("parent", n.parent)
          .field("name", n.name)
          .field("seq", n.rec.seq)
          .field("path", join(dir_path(t, n.parent), n.name))
          .end_object();
    w.end_array().field("block_size", bs).key("blocks").begin_array();
    for (auto& [b, len] : blocks)
      w.begin_object().field("block", b).field("offset", b * bs).field("bytes", uint64_t{len}).end_object();
    w.end_array().end_object().print();
    return kExitOk;
  }

  printf("path: %s\n", printable(path).c_str());
  printf("inode %llu: %s\n", (unsigned long long)*ino, ms.c_str());
  for (const Field& f : fields) printf("  %-13s %s\n", f.name.c_str(), f.text.c_str());
  if (*ino == vfs::kRootIno)
    printf("dirents: none (the root is named by no entry)\n");
  else
    printf("dirents naming it: %zu\n", names.size());
  for (const Naming& n : names)
    printf("  (parent %llu, \"%s\") seq %u  %s\n", (unsigned long long)n.parent, printable(n.name).c_str(), n.rec.seq,
           join(dir_path(t, n.parent), n.name).c_str());
  uint64_t stored = 0;
  for (auto& b : blocks) stored += b.second;
  printf("data blocks: %zu, %llu bytes stored (block size %u)\n", blocks.size(), (unsigned long long)stored, bs);
  // Long files: runs of consecutive blocks instead of one line per block.
  std::vector<Run> runs;
  for (auto& [b, len] : blocks) {
    if (!runs.empty() && runs.back().last + 1 == b && runs.back().bytes == (runs.back().last - runs.back().first + 1) * bs) {
      runs.back().last = b;
      runs.back().bytes += len;
    } else {
      runs.push_back({b, b, len});
    }
  }
  for (const Run& run : runs) {
    if (run.first == run.last)
      printf("  block %llu  offset %llu  %llu bytes\n", (unsigned long long)run.first,
             (unsigned long long)(run.first * bs), (unsigned long long)run.bytes);
    else
      printf("  blocks %llu..%llu  offset %llu  %llu bytes\n", (unsigned long long)run.first,
             (unsigned long long)run.last, (unsigned long long)(run.first * bs), (unsigned long long)run.bytes);
  }
  if (r.size > stored && r.kind() == storage::InodeType::regular)
    printf("holes: %llu bytes (read as zeros)\n", (unsigned long long)(r.size - stored));
  return kExitOk;
}

// ---- cat

int cat_cmd(const Args& a) {
  Reader rd;
  if (!open(a, rd)) return kExitFail;
  int rc = kExitOk;
  std::vector<uint8_t> buf(1 << 20);
  for (const std::string& path : a.operands) {
    auto st = rd.fs->stat(rd.t(), tool_caller(), vfs::kRootIno, path, true);
    if (!st) {
      rc = path_fail(a, path, st.error());
      continue;
    }
    if (st->is_dir()) {
      rc = path_fail(a, path, Errno{EISDIR});
      continue;
    }
    if (!st->is_regular()) {
      rc = fail(a, path + ": not a regular file (a " + std::string(1, type_letter(st->mode)) +
                       " node: its kernel process does the I/O)");
      continue;
    }
    for (uint64_t off = 0;;) {
      auto n = rd.fs->read(rd.t(), st->ino, off, buf);
      if (!n) {
        rc = path_fail(a, path, n.error());
        break;
      }
      if (*n == 0) break;
      if (fwrite(buf.data(), 1, *n, stdout) != *n) return fail(a, std::string("stdout: ") + strerror(errno));
      off += *n;
    }
  }
  return rc;
}

// ---- du

namespace {

struct DuLine {
  std::string path;
  uint64_t bytes;
  bool dir;
};

// Bytes stored under `ino` (counting each inode once); appends lines in
// post-order (children before their directory), as du prints them.
SysResult<uint64_t> du_walk(vfs::Fs& fs, storage::Txn& t, const std::string& path, vfs::Ino ino,
                            std::set<vfs::Ino>& seen, std::vector<DuLine>& out) {
  if (!seen.insert(ino).second) return uint64_t{0};
  auto rec = VFS_TRY(storage::get_inode(t, ino));
  if (!rec) return psx::fail(ENOENT);
  uint64_t total = rec->stored_bytes;
  if (rec->is_dir()) {
    auto entries = PSX_TRY(list_dir(fs, t, ino));
    for (const Entry& e : entries) total += PSX_TRY(du_walk(fs, t, join(path, e.name), e.ino, seen, out));
  }
  out.push_back({path, total, rec->is_dir()});
  return total;
}

}  // namespace

int du_cmd(const Args& a) {
  Reader rd;
  if (!open(a, rd)) return kExitFail;
  std::string path = operand_or_root(a);
  auto ino = rd.fs->lookup(rd.t(), tool_caller(), vfs::kRootIno, path, true);
  if (!ino) return path_fail(a, path, ino.error());
  std::set<vfs::Ino> seen;
  std::vector<DuLine> lines;
  auto total = du_walk(*rd.fs, rd.t(), path, *ino, seen, lines);
  if (!total) return path_fail(a, path, total.error());
  // -s: only the operand; otherwise directories (and with -a files too).
  std::vector<DuLine> shown;
  for (size_t i = 0; i < lines.size(); i++) {
    bool is_top = i + 1 == lines.size();
    if (a.has("-s") ? is_top : (lines[i].dir || a.has("-a") || is_top)) shown.push_back(lines[i]);
  }
  if (a.has("--json")) {
    JsonWriter w;
    w.begin_object().field("path", path).field("total_bytes", *total).key("entries").begin_array();
    for (const DuLine& l : shown)
      w.begin_object().field("path", l.path).field("bytes", l.bytes).field("dir", l.dir).end_object();
    w.end_array().end_object().print();
    return kExitOk;
  }
  for (const DuLine& l : shown) {
    std::string size = a.has("-h") ? human_bytes(l.bytes) : std::to_string(l.bytes);
    printf("%-12s %s\n", size.c_str(), printable(l.path).c_str());
  }
  return kExitOk;
}

}  // namespace psx::cli::store
