// A small JSON reader for `psx bench`: it reads the JSON that the other
// benchmark programs print (Google Benchmark's --benchmark_format=json,
// psx_bench_rv32 --json) and, in tests/bench, the report psx bench writes.
// Whole documents only, UTF-8 passed through, numbers as double.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace psx::cli::bench {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  // Members in document order (duplicates kept; get() finds the first).
  std::vector<std::pair<std::string, JsonValue>> object;

  bool is_null() const { return kind == Kind::kNull; }
  bool is_number() const { return kind == Kind::kNumber; }
  bool is_string() const { return kind == Kind::kString; }
  bool is_object() const { return kind == Kind::kObject; }
  bool is_array() const { return kind == Kind::kArray; }
  // The member named key of an object, or nullptr.
  const JsonValue* get(std::string_view key) const;
};

// The document in text, or nothing (with *error set) if it is not JSON.
std::optional<JsonValue> parse_json(std::string_view text, std::string* error = nullptr);

}  // namespace psx::cli::bench
