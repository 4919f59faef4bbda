// getrlimit, setrlimit, prlimit64, getrusage, times, sysinfo, getgroups,
// sched_getaffinity, prctl, clock_getres (clock_getres_time64 on riscv32).
// Limits start as the host's (the kernel host runs as the invoking user);
// RLIMIT_NOFILE is enforced (the personality's nofile_limit), the others are
// recorded. Usage figures are the guest host process's own, read from
// /proc/PID; RUSAGE_CHILDREN is zero (children's usage is not collected).
// prctl: PR_SET_NAME and PR_GET_NAME only.
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "subsystem/personality.h"
#include "syscalls/abi_structs.h"

namespace psx {
namespace {

constexpr int kNlimits = 16;  // RLIM_NLIMITS

void load_limits(Personality& p) {
  if (p.rlimits_loaded) return;
  for (int r = 0; r < kNlimits; r++) {
    rlimit host;
    if (getrlimit(__rlimit_resource(r), &host) == 0) p.rlimits[size_t(r)] = {host.rlim_cur, host.rlim_max};
  }
  p.rlimits[RLIMIT_NOFILE].cur = p.nofile_limit;
  // A guest's processes are the kernel host's resources: 1,024 at most unless
  // the guest raises it (up to the host's hard limit), so a fork bomb meets EAGAIN.
  if (p.rlimits[RLIMIT_NPROC].cur > 1024) p.rlimits[RLIMIT_NPROC].cur = 1024;
  p.rlimits_loaded = true;
}

uint64_t nr_open() {
  std::ifstream f("/proc/sys/fs/nr_open");
  uint64_t n = 1 << 20;
  f >> n;
  return n;
}

// The guest's longs: 8 bytes on x86-64, 4 on riscv32 (unsigned values saturate
// there as Linux's compat layer does for rlimits).
void put_long(const Call& c, uint8_t* at, int i, uint64_t v) {
  if (c.wide()) {
    memcpy(at + 8 * i, &v, 8);
  } else {
    uint32_t w = uint32_t(v);
    memcpy(at + 4 * i, &w, 4);
  }
}

// The new limit, checked as do_prlimit does; the old one in *old.
SysResult<void> set_limit(Personality& p, int res, const Personality::Rlimit* want, Personality::Rlimit* old) {
  if (res < 0 || res >= kNlimits) return fail(EINVAL);
  load_limits(p);
  Personality::Rlimit& cur = p.rlimits[size_t(res)];
  if (res == RLIMIT_NOFILE) cur.cur = p.nofile_limit;
  if (want) {
    if (want->cur > want->max) return fail(EINVAL);
    if (res == RLIMIT_NOFILE && want->max > nr_open()) return fail(EPERM);
    if (want->max > cur.max && p.uid != 0) return fail(EPERM);  // CAP_SYS_RESOURCE
  }
  if (old) *old = cur;
  if (want) {
    cur = *want;
    if (res == RLIMIT_NOFILE) p.nofile_limit = want->cur;
  }
  return {};
}

// The guest host process's CPU times (clock ticks) and memory figures.
struct HostUsage {
  uint64_t utime = 0, stime = 0, minflt = 0, majflt = 0, maxrss_kb = 0, nvcsw = 0, nivcsw = 0;
};
HostUsage host_usage(int pid) {
  HostUsage u;
  if (pid <= 0) return u;
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (std::getline(st, line)) {
    // Fields after the command name (which may hold spaces) in parentheses.
    size_t rp = line.rfind(')');
    std::vector<std::string> f;
    std::string cur;
    for (size_t i = rp + 2; i <= line.size(); i++) {
      if (i == line.size() || line[i] == ' ') {
        f.push_back(cur);
        cur.clear();
      } else {
        cur += line[i];
      }
    }
    // f[0] is field 3 (state): minflt = 10, majflt = 12, utime = 14, stime = 15.
    auto field = [&](size_t n) { return n - 3 < f.size() ? std::stoull(f[n - 3]) : 0ull; };
    u.minflt = field(10);
    u.majflt = field(12);
    u.utime = field(14);
    u.stime = field(15);
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    unsigned long long v;
    if (sscanf(line.c_str(), "VmHWM: %llu", &v) == 1) u.maxrss_kb = v;
    if (sscanf(line.c_str(), "voluntary_ctxt_switches: %llu", &v) == 1) u.nvcsw = v;
    if (sscanf(line.c_str(), "nonvoluntary_ctxt_switches: %llu", &v) == 1) u.nivcsw = v;
  }
  return u;
}

bool valid_clock(int clk) {
  switch (clk) {
    case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
    case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
    case CLOCK_TAI:
      return true;
  }
  return false;
}

int nr_cpu_ids() {
  std::ifstream f("/sys/devices/system/cpu/possible");
  std::string s;
  f >> s;
  size_t dash = s.rfind('-');
  try {
    return std::stoi(dash == std::string::npos ? s : s.substr(dash + 1)) + 1;
  } catch (...) {
    return int(sysconf(_SC_NPROCESSORS_CONF));
  }
}

}  // namespace

Outcome sys_getrlimit(Personality& p, Call& c) {
  Personality::Rlimit old;
  if (auto r = set_limit(p, c.i(0), nullptr, &old); !r) return Outcome::error(r.error().value);
  // x86-64 only (riscv32 has prlimit64 alone): struct rlimit is two unsigned longs.
  auto h = p.mem().translate(c.ptr(1), 16, true);
  if (!h) return Outcome::error(EFAULT);
  put_long(c, *h, 0, old.cur);
  put_long(c, *h, 1, old.max);
  return Outcome::done(0);
}

Outcome sys_setrlimit(Personality& p, Call& c) {
  auto h = p.mem().translate(c.ptr(1), 16, false);
  if (!h) return Outcome::error(EFAULT);
  Personality::Rlimit want;
  memcpy(&want.cur, *h, 8);
  memcpy(&want.max, *h + 8, 8);
  auto r = set_limit(p, c.i(0), &want, nullptr);
  return r ? Outcome::done(0) : Outcome::error(r.error().value);
}

Outcome sys_prlimit64(Personality& p, Call& c) {
  int pid = c.i(0), res = c.i(1);
  uint64_t new_ptr = c.ptr(2), old_ptr = c.ptr(3);
  Personality::Rlimit want, old;
  if (new_ptr) {
    auto h = p.mem().translate(new_ptr, 16, false);
    if (!h) return Outcome::error(EFAULT);
    memcpy(&want.cur, *h, 8);
    memcpy(&want.max, *h + 8, 8);
  }
  if (pid != 0 && pid != p.pid) return Outcome::error(ESRCH);  // other processes: not served
  auto r = set_limit(p, res, new_ptr ? &want : nullptr, &old);
  if (!r) return Outcome::error(r.error().value);
  if (old_ptr) {
    auto h = p.mem().translate(old_ptr, 16, true);
    if (!h) return Outcome::error(EFAULT);
    memcpy(*h, &old.cur, 8);
    memcpy(*h + 8, &old.max, 8);
  }
  return Outcome::done(0);
}

Outcome sys_getrusage(Personality& p, Call& c) {
  int who = c.i(0);
  if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD) return Outcome::error(EINVAL);
  // struct rusage: two timevals then fourteen longs, 18 longs in all on both ABIs.
  uint64_t lsz = c.wide() ? 8 : 4;
  auto h = p.mem().translate(c.ptr(1), 18 * lsz, true);
  if (!h) return Outcome::error(EFAULT);
  memset(*h, 0, 18 * lsz);
  if (who == RUSAGE_CHILDREN) return Outcome::done(0);
  HostUsage u = host_usage(p.host_pid());
  uint64_t hz = uint64_t(sysconf(_SC_CLK_TCK));
  uint64_t ut_us = u.utime * 1'000'000 / hz, st_us = u.stime * 1'000'000 / hz;
  put_long(c, *h, 0, ut_us / 1'000'000);
  put_long(c, *h, 1, ut_us % 1'000'000);
  put_long(c, *h, 2, st_us / 1'000'000);
  put_long(c, *h, 3, st_us % 1'000'000);
  put_long(c, *h, 4, u.maxrss_kb);  // ru_maxrss
  put_long(c, *h, 8, u.minflt);     // ru_minflt
  put_long(c, *h, 9, u.majflt);     // ru_majflt
  put_long(c, *h, 16, u.nvcsw);     // ru_nvcsw
  put_long(c, *h, 17, u.nivcsw);    // ru_nivcsw
  return Outcome::done(0);
}

Outcome sys_times(Personality& p, Call& c) {
  if (c.ptr(0)) {
    uint64_t lsz = c.wide() ? 8 : 4;
    auto h = p.mem().translate(c.ptr(0), 4 * lsz, true);
    if (!h) return Outcome::error(EFAULT);
    HostUsage u = host_usage(p.host_pid());
    put_long(c, *h, 0, u.utime);
    put_long(c, *h, 1, u.stime);
    put_long(c, *h, 2, 0);
    put_long(c, *h, 3, 0);
  }
  tms t;
  int64_t ticks = int64_t(::times(&t));
  return Outcome::done(c.wide() ? ticks : int64_t(int32_t(uint32_t(ticks))));
}

Outcome sys_sysinfo(Personality& p, Call& c) {
  struct sysinfo si;
  if (::sysinfo(&si) != 0) return Outcome::error(errno);
  uint64_t lsz = c.wide() ? 8 : 4;
  // long uptime; ulong loads[3]; ulong totalram…freeswap (6); ushort procs, pad;
  // ulong totalhigh, freehigh; uint mem_unit; padding to 64 (riscv32) or 112 bytes.
  uint64_t size = c.wide() ? 112 : 64;
  auto h = p.mem().translate(c.ptr(0), size, true);
  if (!h) return Outcome::error(EFAULT);
  uint8_t* b = *h;
  memset(b, 0, size);
  uint64_t unit = si.mem_unit ? si.mem_unit : 1;
  uint64_t ram[6] = {si.totalram * unit, si.freeram * unit, si.sharedram * unit,
                     si.bufferram * unit, si.totalswap * unit, si.freeswap * unit};
  uint64_t high[2] = {si.totalhigh * unit, si.freehigh * unit};
  uint32_t mem_unit = 1;
  if (!c.wide() && ram[0] + ram[4] > UINT32_MAX) {
    // 32 bits cannot count the bytes: Linux then counts pages.
    mem_unit = 4096;
    for (auto& v : ram) v /= mem_unit;
    for (auto& v : high) v /= mem_unit;
  }
  put_long(c, b, 0, uint64_t(si.uptime));
  for (int i = 0; i < 3; i++) put_long(c, b, 1 + i, si.loads[i]);
  for (int i = 0; i < 6; i++) put_long(c, b, 4 + i, ram[i]);
  uint16_t procs = si.procs;
  memcpy(b + 10 * lsz, &procs, 2);
  uint64_t after = c.wide() ? 10 * lsz + 8 : 10 * lsz + 4;  // x86-64 pads to 8 after the shorts
  put_long(c, b + after, 0, high[0]);
  put_long(c, b + after, 1, high[1]);
  memcpy(b + after + 2 * lsz, &mem_unit, 4);
  return Outcome::done(0);
}

Outcome sys_getgroups(Personality& p, Call& c) {
  int size = c.i(0);
  if (size < 0) return Outcome::error(EINVAL);
  int n = ::getgroups(0, nullptr);
  if (n < 0) return Outcome::error(errno);
  if (size == 0) return Outcome::done(n);
  if (n > size) return Outcome::error(EINVAL);
  std::vector<gid_t> g(size_t(n) + 1);
  n = ::getgroups(n, g.data());
  if (n < 0) return Outcome::error(errno);
  auto h = p.mem().translate(c.ptr(1), uint64_t(n) * 4, true);
  if (!h) return Outcome::error(EFAULT);
  memcpy(*h, g.data(), size_t(n) * 4);
  return Outcome::done(n);
}

Outcome sys_sched_getaffinity(Personality& p, Call& c) {
  int pid = c.i(0);
  uint64_t len = c.ul(1);
  uint64_t lsz = c.wide() ? 8 : 4;
  if (len * 8 < uint64_t(nr_cpu_ids())) return Outcome::error(EINVAL);
  if (len & (lsz - 1)) return Outcome::error(EINVAL);
  if (pid != 0 && pid != p.pid) return Outcome::error(ESRCH);  // other processes: not served
  // The host's mask for the kernel host, whose threads run the guests' calls.
  std::vector<uint8_t> mask(std::max<uint64_t>(8, (std::min<uint64_t>(len, 1 << 16) + 7) & ~7ull));
  long n = syscall(SYS_sched_getaffinity, 0, mask.size(), mask.data());
  if (n < 0) return Outcome::error(errno);
  uint64_t ret = std::min<uint64_t>(len, uint64_t(n));
  if (!c.wide()) ret = std::min<uint64_t>(len, (uint64_t(nr_cpu_ids()) + 31) / 32 * 4);
  auto h = p.mem().translate(c.ptr(2), ret, true);
  if (!h) return Outcome::error(EFAULT);
  memcpy(*h, mask.data(), std::min<uint64_t>(ret, mask.size()));
  return Outcome::done(int64_t(ret));
}

Outcome sys_prctl(Personality& p, Call& c) {
  switch (c.i(0)) {
    case PR_SET_NAME: {
      char name[16] = {};
      for (size_t i = 0; i < 15; i++) {
        auto h = p.mem().translate(c.ptr(1) + i, 1, false);
        if (!h) return Outcome::error(EFAULT);
        name[i] = char(**h);
        if (!name[i]) break;
      }
      memcpy(p.comm, name, sizeof name);
      return Outcome::done(0);
    }
    case PR_GET_NAME: {
      if (!p.comm[0]) {
        // Not set yet: the name the host gave the guest host process (its program's).
        std::ifstream f("/proc/" + std::to_string(p.host_pid()) + "/comm");
        std::string s;
        std::getline(f, s);
        strncpy(p.comm, s.c_str(), 15);
      }
      auto h = p.mem().translate(c.ptr(1), 16, true);
      if (!h) return Outcome::error(EFAULT);
      memcpy(*h, p.comm, 16);
      return Outcome::done(0);
    }
  }
  return Outcome::error(EINVAL);
}

Outcome sys_clock_getres(Personality& p, Call& c) {
  int clk = c.i(0);
  if (!valid_clock(clk)) return Outcome::error(EINVAL);
  if (!c.ptr(1)) return Outcome::done(0);
  timespec res;
  clock_getres(clockid_t(clk), &res);
  abi::Timespec ts{res.tv_sec, res.tv_nsec};
  auto h = p.mem().translate(c.ptr(1), sizeof ts, true);
  if (!h) return Outcome::error(EFAULT);
  memcpy(*h, &ts, sizeof ts);
  return Outcome::done(0);
}

}  // namespace psx
