// The figures of a psx bench run: medians, ratios, the machine line.
#include "subsystem/cli/bench_report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace psx::cli::bench {

double Cell::median_ns() const {
  std::vector<double> v = samples_ns;
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

const Cell* Report::cell(const std::string& op, const std::string& path) const {
  auto o = cells.find(op);
  if (o == cells.end()) return nullptr;
  auto p = o->second.find(path);
  return p == o->second.end() ? nullptr : &p->second;
}

std::optional<double> Report::ratio(const std::string& op, const std::string& path) const {
  const Cell* host = cell(op, "host");
  const Cell* c = cell(op, path);
  if (!host || !c || !host->available() || !c->available() || host->median_ns() <= 0) return std::nullopt;
  return c->median_ns() / host->median_ns();
}

std::string format_ns(double ns) {
  char buf[32];
  if (ns < 10) snprintf(buf, sizeof buf, "%.1f ns", ns);
  else if (ns < 999.5) snprintf(buf, sizeof buf, "%.0f ns", ns);
  else if (ns < 10e3) snprintf(buf, sizeof buf, "%.2f µs", ns / 1e3);
  else if (ns < 1e6) snprintf(buf, sizeof buf, "%.0f µs", ns / 1e3);
  else if (ns < 10e6) snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  else snprintf(buf, sizeof buf, "%.0f ms", ns / 1e6);
  return buf;
}

Machine describe_machine() {
  Machine m;
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);)
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      m.cpu = colon == std::string::npos ? line : line.substr(colon + 2);
      break;
    }
  if (m.cpu.empty()) m.cpu = "unknown";
  m.cores = sysconf(_SC_NPROCESSORS_ONLN);
  utsname u{};
  if (uname(&u) == 0) m.kernel = std::string(u.sysname) + " " + u.release;
  // "Mitigation: PTI" means the kernel switches page tables on every entry
  // and exit: what makes a host syscall cost about a microsecond here.
  std::ifstream melt("/sys/devices/system/cpu/vulnerabilities/meltdown");
  if (!std::getline(melt, m.meltdown)) m.meltdown = "unknown";
  m.kpti = m.meltdown.find("PTI") != std::string::npos;
  std::ifstream load("/proc/loadavg");
  std::getline(load, m.loadavg);
  if (size_t cut = m.loadavg.find(' '); cut != std::string::npos) {
    // The three averages only.
    size_t second = m.loadavg.find(' ', cut + 1);
    size_t third = second == std::string::npos ? second : m.loadavg.find(' ', second + 1);
    if (third != std::string::npos) m.loadavg.resize(third);
  }
  return m;
}

}  // namespace psx::cli::bench
