// A recursive-descent JSON reader (see bench_json_read.h).
#include "subsystem/cli/bench_json_read.h"

#include <cstdlib>
#include <cstring>

namespace psx::cli::bench {

const JsonValue* JsonValue::get(std::string_view key) const {
  if (kind != Kind::kObject) return nullptr;
  for (auto& [k, v] : object)
    if (k == key) return &v;
  return nullptr;
}

namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  bool document(JsonValue& out) {
    if (!value(out, 0)) return false;
    space();
    return pos_ == s_.size() || fail("trailing characters");
  }
  std::string error() const { return error_ + " at byte " + std::to_string(pos_); }

 private:
  // Deep enough for any report; a bound so a hostile file cannot blow the stack.
  static constexpr int kMaxDepth = 64;

  bool fail(const char* why) {
    if (error_.empty()) error_ = why;
    return false;
  }
  void space() {
    while (pos_ < s_.size() && strchr(" \t\r\n", s_[pos_]) && s_[pos_]) pos_++;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("unknown literal");
    pos_ += word.size();
    return true;
  }
  bool value(JsonValue& out, int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    space();
    if (pos_ >= s_.size()) return fail("unexpected end");
    char c = s_[pos_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.kind = JsonValue::Kind::kString;
      return string(out.string);
    }
    if (c == 't' || c == 'f') {
      out.kind = JsonValue::Kind::kBool;
      out.boolean = c == 't';
      return literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') {
      out.kind = JsonValue::Kind::kNull;
      return literal("null");
    }
    return number(out);
  }
  bool number(JsonValue& out) {
    size_t start = pos_;
    while (pos_ < s_.size() && strchr("+-0123456789.eE", s_[pos_]) && s_[pos_]) pos_++;
    if (start == pos_) return fail("expected a value");
    std::string text(s_.substr(start, pos_ - start));
    char* end = nullptr;
    out.kind = JsonValue::Kind::kNumber;
    out.number = strtod(text.c_str(), &end);
    return *end == 0 || fail("bad number");
  }
  static void put_utf8(std::string& s, unsigned cp) {
    if (cp < 0x80) {
      s += char(cp);
    } else if (cp < 0x800) {
      s += char(0xc0 | cp >> 6);
      s += char(0x80 | (cp & 0x3f));
    } else {
      s += char(0xe0 | cp >> 12);
      s += char(0x80 | (cp >> 6 & 0x3f));
      s += char(0x80 | (cp & 0x3f));
    }
  }
  bool string(std::string& out) {
    pos_++;  // the opening quote
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      char e = s_[pos_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return fail("short \\u escape");
          std::string hex(s_.substr(pos_, 4));
          pos_ += 4;
          put_utf8(out, unsigned(strtoul(hex.c_str(), nullptr, 16)));
          break;
        }
        default: out += e;  // \" \\ \/
      }
    }
    return fail("unterminated string");
  }
  bool array(JsonValue& out, int depth) {
    out.kind = JsonValue::Kind::kArray;
    pos_++;
    space();
    if (pos_ < s_.size() && s_[pos_] == ']') return pos_++, true;
    for (;;) {
      out.array.emplace_back();
      if (!value(out.array.back(), depth + 1)) return false;
      space();
      if (pos_ >= s_.size()) return fail("unterminated array");
      char c = s_[pos_++];
      if (c == ']') return true;
      if (c != ',') return fail("expected , or ]");
    }
  }
  bool object(JsonValue& out, int depth) {
    out.kind = JsonValue::Kind::kObject;
    pos_++;
    space();
    if (pos_ < s_.size() && s_[pos_] == '}') return pos_++, true;
    for (;;) {
      space();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a member name");
      std::string key;
      if (!string(key)) return false;
      space();
      if (pos_ >= s_.size() || s_[pos_++] != ':') return fail("expected :");
      out.object.emplace_back(std::move(key), JsonValue{});
      if (!value(out.object.back().second, depth + 1)) return false;
      space();
      if (pos_ >= s_.size()) return fail("unterminated object");
      char c = s_[pos_++];
      if (c == '}') return true;
      if (c != ',') return fail("expected , or }");
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::optional<JsonValue> parse_json(std::string_view text, std::string* error) {
  Reader r(text);
  JsonValue v;
  if (r.document(v)) return v;
  if (error) *error = r.error();
  return std::nullopt;
}

}  // namespace psx::cli::bench
