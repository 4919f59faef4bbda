// xml_problem (see xml_check.h): a single pass with a stack of open tags.
#include "tests/bench/xml_check.h"

#include <cctype>
#include <set>
#include <vector>

namespace psx::test {
namespace {

bool name_start(char c) { return isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' || (c & 0x80); }
bool name_char(char c) {
  return name_start(c) || isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

class Checker {
 public:
  explicit Checker(const std::string& d) : d_(d) {}

  std::string run() {
    if (d_.compare(0, 5, "<?xml") == 0) {
      size_t end = d_.find("?>");
      if (end == std::string::npos) return at("unterminated XML declaration");
      i_ = end + 2;
    }
    while (i_ < d_.size()) {
      if (d_[i_] == '<') {
        std::string p = markup();
        if (!p.empty()) return p;
      } else {
        std::string p = text();
        if (!p.empty()) return p;
      }
    }
    if (!open_.empty()) return at("unclosed <" + open_.back() + ">");
    if (roots_ != 1) return at("expected one root element, found " + std::to_string(roots_));
    return "";
  }

 private:
  std::string at(const std::string& what) const { return what + " at byte " + std::to_string(i_); }

  std::string name(std::string& out) {
    if (i_ >= d_.size() || !name_start(d_[i_])) return at("expected a name");
    size_t s = i_;
    while (i_ < d_.size() && name_char(d_[i_])) i_++;
    out = d_.substr(s, i_ - s);
    return "";
  }
  void space() {
    while (i_ < d_.size() && isspace(static_cast<unsigned char>(d_[i_]))) i_++;
  }
  std::string entity() {
    size_t semi = d_.find(';', i_);
    if (semi == std::string::npos || semi - i_ > 10) return at("bare &");
    std::string e = d_.substr(i_ + 1, semi - i_ - 1);
    static const std::set<std::string> known = {"amp", "lt", "gt", "quot", "apos"};
    bool numeric = e.size() > 1 && e[0] == '#';
    if (!known.count(e) && !numeric) return at("unknown entity &" + e + ";");
    i_ = semi + 1;
    return "";
  }
  std::string text() {
    if (open_.empty() && !isspace(static_cast<unsigned char>(d_[i_]))) return at("text outside the root element");
    while (i_ < d_.size() && d_[i_] != '<') {
      if (d_[i_] == '&') {
        std::string p = entity();
        if (!p.empty()) return p;
      } else {
        i_++;
      }
    }
    return "";
  }
  std::string markup() {
    if (d_.compare(i_, 4, "<!--") == 0) {
      size_t end = d_.find("-->", i_ + 4);
      if (end == std::string::npos) return at("unterminated comment");
      i_ = end + 3;
      return "";
    }
    if (d_.compare(i_, 2, "<!") == 0 || d_.compare(i_, 2, "<?") == 0) return at("declarations are not expected here");
    bool closing = d_.compare(i_, 2, "</") == 0;
    i_ += closing ? 2 : 1;
    std::string tag;
    if (std::string p = name(tag); !p.empty()) return p;
    if (closing) {
      space();
      if (i_ >= d_.size() || d_[i_] != '>') return at("expected > after </" + tag);
      i_++;
      if (open_.empty() || open_.back() != tag) return at("</" + tag + "> closes nothing open");
      open_.pop_back();
      return "";
    }
    if (open_.empty()) roots_++;
    std::set<std::string> attrs;
    for (;;) {
      size_t before = i_;
      space();
      if (i_ >= d_.size()) return at("unterminated <" + tag);
      if (d_[i_] == '>') {
        i_++;
        open_.push_back(tag);
        return "";
      }
      if (d_.compare(i_, 2, "/>") == 0) {
        i_ += 2;
        return "";
      }
      if (i_ == before) return at("expected space before an attribute of <" + tag);
      std::string attr;
      if (std::string p = name(attr); !p.empty()) return p;
      if (!attrs.insert(attr).second) return at("attribute " + attr + " twice");
      space();
      if (i_ >= d_.size() || d_[i_] != '=') return at("expected = after " + attr);
      i_++;
      space();
      if (i_ >= d_.size() || (d_[i_] != '"' && d_[i_] != '\'')) return at("unquoted value of " + attr);
      char q = d_[i_++];
      while (i_ < d_.size() && d_[i_] != q) {
        if (d_[i_] == '<') return at("< in the value of " + attr);
        if (d_[i_] == '&') {
          if (std::string p = entity(); !p.empty()) return p;
        } else {
          i_++;
        }
      }
      if (i_ >= d_.size()) return at("unterminated value of " + attr);
      i_++;
    }
  }

  const std::string& d_;
  size_t i_ = 0;
  std::vector<std::string> open_;
  int roots_ = 0;
};

}  // namespace

std::string xml_problem(const std::string& doc) { return Checker(doc).run(); }

}  // namespace psx::test
