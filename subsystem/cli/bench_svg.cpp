// psx bench --svg FILE: one group of horizontal bars per operation, one bar
// per path in a fixed colour, on one logarithmic time axis shared by all
// groups (so bars compare across operations too). Plain SVG 1.1 written
// here; no library.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "subsystem/cli/bench_report.h"

namespace psx::cli::bench {
namespace {

// One colour per path, in the order of all_paths(); distinguishable in grey too.
const char* colour(size_t i) {
  static const char* const kColours[] = {"#4d4d4d", "#d62728", "#1f77b4", "#2ca02c",
                                         "#9467bd", "#ff7f0e", "#8c564b", "#17becf"};
  return kColours[i % (sizeof kColours / sizeof kColours[0])];
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string id_safe(const std::string& s) {
  std::string o;
  for (char c : s) o += isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return o;
}

std::string decade_label(int e) {
  static const char* const kUnits[] = {"ns", "µs", "ms", "s"};
  int unit = std::clamp(e / 3, 0, 3);
  double v = std::pow(10.0, e - unit * 3);
  char buf[24];
  snprintf(buf, sizeof buf, "%g %s", v, kUnits[unit]);
  return buf;
}

}  // namespace

std::string svg_report(const Report& r) {
  // Geometry (px): label column, plot area, bar height and gaps.
  const double left = 150, plot = 620, right_text = 170, bar = 14, gap = 4, head = 22;
  const double width = left + plot + right_text;
  const double group_h = head + double(r.paths.size()) * (bar + gap) + 14;
  const double top = 64;  // title and legend
  const double height = top + double(r.ops.size()) * group_h + 30;

  // The axis spans whole decades around every figure measured.
  double lo = 1e300, hi = 0;
  for (auto& [op, row] : r.cells)
    for (auto& [path, c] : row)
      if (c.available() && c.median_ns() > 0) {
        lo = std::min(lo, c.median_ns());
        hi = std::max(hi, c.median_ns());
      }
  if (hi <= 0) lo = 1, hi = 1e3;
  int e_lo = int(std::floor(std::log10(lo))), e_hi = int(std::ceil(std::log10(hi)));
  if (e_hi <= e_lo) e_hi = e_lo + 1;
  auto x_of = [&](double ns) {
    double t = (std::log10(std::max(ns, 1e-3)) - e_lo) / double(e_hi - e_lo);
    return left + plot * std::clamp(t, 0.0, 1.0);
  };

  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(1);
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" << width << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << width << " " << height << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o << "<title>psx bench " << escape(r.date) << "</title>\n";
  o << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height << "\" fill=\"white\"/>\n";
  o << "<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">psx bench: median time per call, log scale ("
    << escape(r.date) << ")</text>\n";
  o << "<text x=\"10\" y=\"34\" fill=\"#555\">" << escape(r.machine.cpu) << ", " << r.machine.cores << " cores, "
    << escape(r.machine.kernel) << ", KPTI " << (r.machine.kpti ? "on" : "off") << "; " << r.repetitions
    << " runs per path; ratio = path / host</text>\n";
  // Legend.
  o << "<g class=\"legend\">\n";
  double lx = 10;
  for (size_t i = 0; i < r.paths.size(); i++) {
    o << "<rect x=\"" << lx << "\" y=\"44\" width=\"12\" height=\"12\" fill=\"" << colour(i) << "\"/>"
      << "<text x=\"" << lx + 16 << "\" y=\"54\">" << escape(r.paths[i].label) << "</text>\n";
    lx += 22 + 7.0 * double(r.paths[i].label.size());
  }
  o << "</g>\n";
  // Decade grid lines across the whole chart.
  o << "<g class=\"axis\" stroke=\"#ddd\">\n";
  for (int e = e_lo; e <= e_hi; e++) {
    double x = x_of(std::pow(10.0, e));
    o << "<line x1=\"" << x << "\" y1=\"" << top - 4 << "\" x2=\"" << x << "\" y2=\"" << height - 24 << "\"/>\n";
    o << "<text x=\"" << x << "\" y=\"" << height - 10 << "\" text-anchor=\"middle\" stroke=\"none\" fill=\"#555\">"
      << decade_label(e) << "</text>\n";
  }
  o << "</g>\n";

  double y = top;
  for (const Operation& op : r.ops) {
    o << "<g class=\"op\" id=\"op-" << id_safe(op.id) << "\">\n";
    o << "<text x=\"10\" y=\"" << y + 15 << "\" font-weight=\"bold\">" << escape(op.label) << "</text>\n";
    double by = y + head;
    for (size_t i = 0; i < r.paths.size(); i++) {
      const Path& p = r.paths[i];
      const Cell* c = r.cell(op.id, p.id);
      o << "<text x=\"" << left - 6 << "\" y=\"" << by + bar - 3 << "\" text-anchor=\"end\" fill=\"#333\">"
        << escape(p.label) << "</text>";
      if (c && c->available()) {
        double x = x_of(c->median_ns());
        std::string label = format_ns(c->median_ns());
        if (auto q = r.ratio(op.id, p.id)) {
          char buf[32];
          snprintf(buf, sizeof buf, " (%.2f×)", *q);
          label += buf;
        }
        o << "<rect class=\"bar\" data-path=\"" << escape(p.id) << "\" x=\"" << left << "\" y=\"" << by
          << "\" width=\"" << std::max(1.0, x - left) << "\" height=\"" << bar << "\" fill=\"" << colour(i)
          << "\"><title>" << escape(p.label + ": " + label) << "</title></rect>"
          << "<text x=\"" << x + 4 << "\" y=\"" << by + bar - 3 << "\">" << escape(label) << "</text>\n";
      } else {
        std::string why = c && !c->unavailable.empty() ? c->unavailable : "not measured";
        if (why.size() > 110) {
          size_t cut = 107;
          while (cut > 0 && (static_cast<unsigned char>(why[cut]) & 0xc0) == 0x80) cut--;  // whole UTF-8 characters
          why = why.substr(0, cut) + "...";
        }
        o << "<text class=\"na\" data-path=\"" << escape(p.id) << "\" x=\"" << left + 4 << "\" y=\"" << by + bar - 3
          << "\" fill=\"#999\" font-style=\"italic\">n/a: " << escape(why) << "</text>\n";
      }
      by += bar + gap;
    }
    o << "</g>\n";
    y += group_h;
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace psx::cli::bench
