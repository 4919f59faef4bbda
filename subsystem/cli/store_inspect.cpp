// psx store info, records, log, fsck: the store as records, through storage
// (DESIGN: raw records, log and fsck go through storage, paths through vfs).
// Each runs in one read transaction, so it sees one consistent snapshot even
// while a running psx commits.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "storage/fsck.h"
#include "storage/tables.h"
#include "subsystem/cli/store_cli.h"
#include "subsystem/cli/store_format.h"
#include "subsystem/cli/store_json.h"
#include "subsystem/cli/store_path.h"
#include "subsystem/cli/store_records.h"

namespace psx::cli::store {
namespace {

using storage::Table;

int store_error(const Args& a, const storage::StoreError& e) { return fail(a, e.message); }

}  // namespace

int info_cmd(const Args& a) {
  auto s = open_reader(a);
  if (!s) return kExitFail;
  auto t = s->begin_read();
  if (!t) return store_error(a, t.error());
  const char* names[] = {"inodes", "dirents", "data", "txlog", "orphans"};
  const Table tables[] = {Table::inodes, Table::dirents, Table::data, Table::txlog, Table::orphans};
  uint64_t counts[5];
  for (int i = 0; i < 5; i++) {
    auto n = storage::count_entries(*t, tables[i]);
    if (!n) return store_error(a, n.error());
    counts[i] = *n;
  }
  auto next_ino = storage::get_meta_u64(*t, storage::meta_key::next_ino);
  auto next_txid = storage::get_meta_u64(*t, storage::meta_key::next_txid);
  if (!next_ino) return store_error(a, next_ino.error());
  if (!next_txid) return store_error(a, next_txid.error());
  const storage::StoreInfo& i = s->info();
  int writer = store_writer_pid(a.store_path);
  // The durability mode is chosen by whoever opens the store as its writer
  // and is not recorded in it; a reader can only tell the default.
  std::string durability = storage::durability_name(storage::StoreOptions{}.durability);
  if (a.has("--json")) {
    JsonWriter w;
    w.begin_object()
        .field("path", i.path)
        .field("format", i.format)
        .field("uuid", i.uuid_string())
        .field("created_ns", i.created_ns)
        .field("block_size", i.block_size)
        .field("durability", durability)
        .field("map_size", uint64_t{s->map_size()})
        .field("used_bytes", s->used_bytes())
        .field("next_ino", next_ino->value_or(0))
        .field("next_txid", next_txid->value_or(0));
    w.key("counts").begin_object();
    for (int k = 0; k < 5; k++) w.field(names[k], counts[k]);
    w.end_object();
    w.key("writer_pid");
    if (writer > 0) w.value(writer);
    else w.null();
    w.end_object().print();
    return kExitOk;
  }
  printf("store:       %s\n", i.path.c_str());
  printf("format:      %u\n", i.format);
  printf("uuid:        %s\n", i.uuid_string().c_str());
  printf("created:     %s\n", format_time(i.created_ns, true).c_str());
  printf("block size:  %u bytes\n", i.block_size);
  printf("durability:  %s (the default; each psx that serves the store sets its own)\n", durability.c_str());
  printf("map size:    %s (%zu bytes)\n", human_bytes(s->map_size()).c_str(), s->map_size());
  printf("used:        %s (%llu bytes)\n", human_bytes(s->used_bytes()).c_str(),
         (unsigned long long)s->used_bytes());
  printf("inodes:      %llu (next ino %llu)\n", (unsigned long long)counts[0],
         (unsigned long long)next_ino->value_or(0));
  printf("dirents:     %llu\n", (unsigned long long)counts[1]);
  printf("data blocks: %llu\n", (unsigned long long)counts[2]);
  printf("txlog:       %llu records (next txid %llu)\n", (unsigned long long)counts[3],
         (unsigned long long)next_txid->value_or(0));
  printf("orphans:     %llu\n", (unsigned long long)counts[4]);
  if (writer > 0) printf("writer:      pid %d (a running psx serves this store)\n", writer);
  else printf("writer:      none\n");
  return kExitOk;
}

int records_cmd(const Args& a) {
  auto table = storage::parse_table(a.operands[0]);
  if (!table) {
    fprintf(stderr,
            "psx store records: no table '%s' (tables: inodes, dirents, dirseq, data, meta, txlog, orphans)\n",
            a.operands[0].c_str());
    return kExitUsage;
  }
  uint64_t limit = UINT64_MAX;
  int rc = kExitOk;
  if (!limit_value(a, limit, rc)) return rc;
  auto s = open_reader(a);
  if (!s) return kExitFail;
  auto t = s->begin_read();
  if (!t) return store_error(a, t.error());
  bool json = a.has("--json");
  JsonWriter w;
  if (json) w.begin_array();
  uint64_t n = 0;
  auto r = storage::scan_raw(*t, *table, [&](std::string_view k, std::string_view v) {
    if (n >= limit) return false;
    n++;
    Decoded d = decode(*table, k, v);
    if (json) {
      w.begin_object();
      w.key("key");
      json_of(w, d.key);
      w.key("value");
      json_of(w, d.value);
      w.end_object();
    } else {
      printf("%s -> %s\n", text_of(d.key).c_str(), text_of(d.value).c_str());
    }
    return true;
  });
  if (!r) return store_error(a, r.error());
  if (json) w.end_array().print();
  return kExitOk;
}

int log_cmd(const Args& a) {
  uint64_t limit = UINT64_MAX;
  int rc = kExitOk;
  if (!limit_value(a, limit, rc)) return rc;
  auto s = open_reader(a);
  if (!s) return kExitFail;
  auto t = s->begin_read();
  if (!t) return store_error(a, t.error());
  // The newest N: txids are dense from 1 up to next_txid (minus trimmed ones).
  auto next = storage::get_meta_u64(*t, storage::meta_key::next_txid);
  if (!next) return store_error(a, next.error());
  uint64_t end = next->value_or(1);
  uint64_t from = limit < end ? end - limit : 1;
  bool json = a.has("--json");
  JsonWriter w;
  if (json) w.begin_array();
  auto r = storage::scan_txlog(*t, from, [&](const storage::TxlogEntry& e) {
    if (json) {
      w.begin_object()
          .field("txid", e.txid)
          .field("time_ns", e.time_ns)
          .field("pid", e.pid)
          .field("op", e.op)
          .field("path", e.path)
          .field("ino", e.ino)
          .field("ino2", e.ino2)
          .end_object();
      return true;
    }
    std::string about = e.path.empty() ? "-" : printable(e.path);
    if (e.ino) about += "  (ino " + std::to_string(e.ino) + (e.ino2 ? ", " + std::to_string(e.ino2) : "") + ")";
    printf("%8llu  %s  pid %-6d %-10s %s\n", (unsigned long long)e.txid, format_time(e.time_ns, true).c_str(), e.pid,
           e.op.c_str(), about.c_str());
    return true;
  });
  if (!r) return store_error(a, r.error());
  if (json) w.end_array().print();
  return kExitOk;
}

int fsck_cmd(const Args& a) {
  auto s = open_reader(a);
  if (!s) return kExitFail;
  auto t = s->begin_read();
  if (!t) return store_error(a, t.error());
  storage::FsckOptions opt;
  opt.live = store_writer_pid(a.store_path) > 0;  // a running psx may hold orphans open
  auto found = storage::fsck(*t, opt);
  if (!found) return store_error(a, found.error());
  auto inodes = storage::count_entries(*t, Table::inodes);
  auto dirents = storage::count_entries(*t, Table::dirents);
  auto blocks = storage::count_entries(*t, Table::data);
  if (a.has("--json")) {
    JsonWriter w;
    w.begin_object().field("clean", found->empty());
    w.field("inodes", inodes.value_or(0)).field("dirents", dirents.value_or(0)).field("data_blocks", blocks.value_or(0));
    w.key("findings").begin_array();
    for (const auto& f : *found)
      w.begin_object()
          .field("rule", f.rule)
          .field("table", f.table)
          .field("where", f.where)
          .field("problem", f.problem)
          .end_object();
    w.end_array().end_object().print();
  } else if (found->empty()) {
    printf("%s: clean (%llu inodes, %llu dirents, %llu data blocks checked)\n", a.store_path.c_str(),
           (unsigned long long)inodes.value_or(0), (unsigned long long)dirents.value_or(0),
           (unsigned long long)blocks.value_or(0));
  } else {
    for (const auto& f : *found) printf("%s\n", f.to_string().c_str());
    fprintf(stderr, "psx store fsck: %s: %zu finding%s\n", a.store_path.c_str(), found->size(),
            found->size() == 1 ? "" : "s");
  }
  return found->empty() ? kExitOk : kExitFail;
}

}  // namespace psx::cli::store
