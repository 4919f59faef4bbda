#include "subsystem/cli/store_records.h"

#include <cstdio>
#include <cstring>

#include "subsystem/cli/store_format.h"

namespace psx::cli::store {

using storage::Table;

namespace {
Field num(std::string name, uint64_t v) { return {std::move(name), std::to_string(v), std::to_string(v)}; }
Field snum(std::string name, int64_t v) { return {std::move(name), std::to_string(v), std::to_string(v)}; }
Field str(std::string name, std::string_view v) {
  return {std::move(name), "\"" + printable(v) + "\"", JsonWriter::quoted(v)};
}
Field word(std::string name, std::string v) {  // an identifier-like value, unquoted for people
  std::string j = JsonWriter::quoted(v);
  return {std::move(name), std::move(v), std::move(j)};
}
Field when(std::string name, int64_t ns) {  // people read a date, JSON gets ns since the epoch
  return {std::move(name), format_time(ns, true), std::to_string(ns)};
}
Field octal(std::string name, uint32_t v) {
  char b[16];
  snprintf(b, sizeof b, "0%o", v);
  return {std::move(name), b, std::to_string(v)};
}


template <class T>
bool load(std::string_view v, T& out) {
  if (v.size() != sizeof(T)) return false;
  std::memcpy(&out, v.data(), sizeof(T));
  return true;
}
const uint8_t* bytes(std::string_view v) { return reinterpret_cast<const uint8_t*>(v.data()); }

void undecodable(std::vector<Field>& f, std::string_view v) {
  f.push_back(num("undecodable_bytes", v.size()));
  f.push_back(word("hex", hex_preview(v, 64)));
}

std::string type_word(uint8_t t) {
  return storage::valid_type(t) ? storage::type_name(static_cast<storage::InodeType>(t)) : "type" + std::to_string(t);
}

}  // namespace

void inode_fields(std::vector<Field>& f, const storage::InodeRecord& r) {
  f.push_back(word("type", type_word(r.type)));
  f.push_back(octal("perm", r.perm));
  f.push_back(num("uid", r.uid));
  f.push_back(num("gid", r.gid));
  f.push_back(num("nlink", r.nlink));
  f.push_back(num("size", r.size));
  f.push_back(num("stored_bytes", r.stored_bytes));
  if (r.is_dir()) {
    f.push_back(num("next_seq", r.next_seq));
    f.push_back(num("parent", r.parent));
  }
  if (r.rdev) {
    f.push_back(num("rdev", r.rdev));
    f.push_back(word("device", std::to_string(rdev_major(r.rdev)) + ":" + std::to_string(rdev_minor(r.rdev))));
  }
  f.push_back(when("atime", r.atime_ns));
  f.push_back(when("mtime", r.mtime_ns));
  f.push_back(when("ctime", r.ctime_ns));
  f.push_back(when("btime", r.btime_ns));
}

Decoded decode(Table table, std::string_view k, std::string_view v) {
  Decoded d;
  switch (table) {
    case Table::inodes: {
      storage::InodeRecord r;
      if (k.size() == 8) d.key.push_back(num("ino", storage::get_be64(bytes(k))));
      else undecodable(d.key, k);
      if (load(v, r)) inode_fields(d.value, r);
      else undecodable(d.value, v);
      break;
    }
    case Table::dirents: {
      storage::DirentRecord r;
      if (k.size() > 8) {
        d.key.push_back(num("parent", storage::get_be64(bytes(k))));
        d.key.push_back(str("name", k.substr(8)));
      } else {
        undecodable(d.key, k);
      }
      if (load(v, r)) {
        d.value.push_back(num("ino", r.ino));
        d.value.push_back(word("type", type_word(r.type)));
        d.value.push_back(num("seq", r.seq));
      } else {
        undecodable(d.value, v);
      }
      break;
    }
    case Table::dirseq:
      if (k.size() == 12) {
        d.key.push_back(num("parent", storage::get_be64(bytes(k))));
        d.key.push_back(num("seq", storage::get_be32(bytes(k) + 8)));
      } else {
        undecodable(d.key, k);
      }
      d.value.push_back(str("name", v));
      break;
    case Table::data:
      if (k.size() == 16) {
        uint64_t ino = storage::get_be64(bytes(k)), block = storage::get_be64(bytes(k) + 8);
        d.key.push_back(num("ino", ino));
        d.key.push_back(num("block", block));
      } else {
        undecodable(d.key, k);
      }
      d.value.push_back(num("bytes", v.size()));
      d.value.push_back(word("head", hex_preview(v, 16)));
      break;
    case Table::meta:
      d.key.push_back(word("name", std::string(k)));
      if (k == storage::meta_key::uuid && v.size() == 16) {
        storage::StoreInfo i;
        std::memcpy(i.uuid.data(), v.data(), 16);
        d.value.push_back(word("uuid", i.uuid_string()));
      } else if (k == storage::meta_key::created_ns && v.size() == 8) {
        int64_t ns;
        std::memcpy(&ns, v.data(), 8);
        d.value.push_back(when("time", ns));
      } else if (v.size() == 8) {
        uint64_t x;
        std::memcpy(&x, v.data(), 8);
        d.value.push_back(num("value", x));
      } else {
        undecodable(d.value, v);
      }
      break;
    case Table::txlog: {
      storage::TxlogHeader h;
      if (k.size() == 8) d.key.push_back(num("txid", storage::get_be64(bytes(k))));
      else undecodable(d.key, k);
      if (v.size() >= sizeof h && (std::memcpy(&h, v.data(), sizeof h), sizeof h + h.op_len + h.path_len == v.size())) {
        d.value.push_back(when("time", h.time_ns));
        d.value.push_back(snum("pid", h.pid));
        d.value.push_back(str("op", v.substr(sizeof h, h.op_len)));
        d.value.push_back(str("path", v.substr(sizeof h + h.op_len, h.path_len)));
        d.value.push_back(num("ino", h.ino));
        d.value.push_back(num("ino2", h.ino2));
      } else {
        undecodable(d.value, v);
      }
      break;
    }
    case Table::orphans: {
      storage::OrphanRecord r;
      if (k.size() == 8) d.key.push_back(num("ino", storage::get_be64(bytes(k))));
      else undecodable(d.key, k);
      if (load(v, r)) d.value.push_back(when("since", r.since_ns));
      else undecodable(d.value, v);
      break;
    }
  }
  return d;
}

std::string text_of(const std::vector<Field>& fs) {
  std::string s;
  for (const Field& f : fs) {
    if (!s.empty()) s += ' ';
    s += f.name + "=" + f.text;
  }
  return s;
}

void json_of(JsonWriter& w, const std::vector<Field>& fs) {
  w.begin_object();
  for (const Field& f : fs) w.key(f.name).raw(f.json);
  w.end_object();
}

}  // namespace psx::cli::store
