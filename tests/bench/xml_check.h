// Is a document well-formed XML? Enough of XML 1.0 for the SVG psx bench
// writes (and any SVG a person would): one root element, matching tags,
// quoted attributes with unique names, known or numeric entities, comments,
// the XML declaration. No DTDs. Returns "" when well-formed, else the first
// problem with its byte offset.
#pragma once
#include <string>

namespace psx::test {

std::string xml_problem(const std::string& doc);

}  // namespace psx::test
