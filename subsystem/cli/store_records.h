// Raw records decoded by the layouts of storage/schema.h, as fields that
// can be shown to people ("name=value") or written as JSON.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "storage/schema.h"
#include "storage/store.h"
#include "subsystem/cli/store_json.h"

namespace psx::cli::store {

// One decoded field of a record, rendered for people and for JSON.
struct Field {
  std::string name;
  std::string text;  // for people
  std::string json;  // a JSON literal
};

struct Decoded {
  std::vector<Field> key, value;
};

// Decodes one raw record of `table`. A record that does not fit its layout
// is shown as its bytes, not guessed at.
Decoded decode(storage::Table table, std::string_view key, std::string_view value);
// The fields of an inode record (times: dates for people, ns in JSON).
void inode_fields(std::vector<Field>& out, const storage::InodeRecord& r);
// "a=1 b=\"x\"" for people.
std::string text_of(const std::vector<Field>& fields);
// {"a":1,"b":"x"}.
void json_of(JsonWriter& w, const std::vector<Field>& fields);

}  // namespace psx::cli::store
