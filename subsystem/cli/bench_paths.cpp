// The paths (columns) and operations (rows) of psx bench, where their
// programs are, and how to read what they print.
#include "subsystem/cli/bench_paths.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace psx::cli::bench {

const std::vector<Path>& all_paths() {
  // Order: the reference first, then the roads by how much of psx they use.
  static const std::vector<Path> paths = {
      {"host", "host", "the same x86-64 binary run directly on the host kernel (the reference, ratio 1.0)", false},
      {"sud", "psx SUD", "native guest, --trap=sud: Syscall User Dispatch SIGSYS -> channel -> kernel process", true},
      {"rewrite", "psx rewrite",
       "native guest, --trap=rewrite: rewritten syscall site -> stub -> channel -> kernel process", true},
      {"local", "psx in-guest",
       "native guest, --trap=rewrite with local answers: answered in the guest host process (identity page)", true},
      {"rv32", "psx rv32", "riscv32 build of the guest on Unicorn under psx: ECALL -> channel -> kernel process",
       true},
      {"qemu", "qemu rv32", "the same riscv32 binary under qemu-riscv32 (its calls become host syscalls)", false},
      {"ptrace", "ptrace",
       "x86-64 binary under a seccomp+ptrace tracer that stops every call and answers getppid itself", false},
  };
  return paths;
}

const std::vector<Operation>& all_ops() {
  static const std::vector<Operation> ops = {
      {"getppid", "null syscall (getppid)"},
      {"read_zero_1", "read 1 B /dev/zero"},
      {"write_null_4k", "write 4 KiB /dev/null"},
      {"stat", "stat file"},
      {"open_close", "open+close file"},
      {"pread_4k", "pread 4 KiB file (cached)"},
      {"pwrite_4k", "pwrite 4 KiB file"},
      // One round trip each: parent -> forked child -> parent through two
      // pipes (the child is forked before timing); 64 KiB moves whole each way.
      {"pipe_pingpong_1", "pipe ping-pong 1 B", true},
      {"pipe_pingpong_64k", "pipe ping-pong 64 KiB", true},
      // One child each: forked, then _exit(0) or execve of exec_target (a
      // static musl program that returns 0), then waited for.
      {"fork_exit_wait", "fork+exit+wait", true},
      {"fork_exec_wait", "fork+execve+wait", true},
  };
  return ops;
}

namespace {

bool executable(const std::string& p) { return !p.empty() && access(p.c_str(), X_OK) == 0; }

std::string self_dir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string s(buf, size_t(n));
  return s.substr(0, s.rfind('/'));
}

std::string on_path(const char* name) {
  const char* path = getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string cand = (end == start ? std::string(".") : p.substr(start, end - start)) + "/" + name;
    if (executable(cand)) return cand;
    start = end + 1;
  }
  return "";
}

}  // namespace

Tools locate_tools(const std::string& build_override) {
  Tools t;
  // The build tree is the parent of bin/ (where psx lives) unless told.
  t.build = build_override;
  if (t.build.empty()) {
    std::string bin = self_dir();
    t.build = bin.substr(0, bin.rfind('/'));
  }
#ifdef PSX_BUILD_DIR
  if (!executable(t.build + "/guests/syscall_ops") && build_override.empty()) t.build = PSX_BUILD_DIR;
#endif
  t.psx = self_dir() + "/psx";
  if (!executable(t.psx)) t.psx = t.build + "/bin/psx";
  t.guest = t.build + "/guests/syscall_ops";
  t.guest_rv32 = t.build + "/guests/syscall_ops.rv32";
  t.exec_target = t.build + "/guests/exec_target";
  t.exec_target_rv32 = t.build + "/guests/exec_target.rv32";
  t.qemu = on_path("qemu-riscv32");
  t.ptrace = t.build + "/bench/ptrace/psx_bench_ptrace";
  t.transport = t.build + "/bench/kernelprocs/psx_bench_transport";
  t.rv32_bench = t.build + "/bench/rv32/psx_bench_rv32";
  return t;
}

Invocation invocation(const Path& p, const Tools& t, const std::string& store, const std::string& host_tmp,
                      bool psx_stats) {
  Invocation inv;
  auto need = [&](const std::string& file, const std::string& what) {
    if (executable(file)) return true;
    if (inv.unavailable.empty()) inv.unavailable = what + " not found (" + file + ")";
    return false;
  };
  std::vector<std::string> psx = {t.psx, "run", "--store", store};
  if (psx_stats) psx.push_back("--stats");
  if (p.id == "host") {
    need(t.guest, "the x86-64 guest");
    inv.argv = {t.guest};
    inv.dir = host_tmp + "/host";
  } else if (p.id == "sud" || p.id == "rewrite") {
    need(t.psx, "psx");
    need(t.guest, "the x86-64 guest");
    inv.argv = psx;
    // The shim could answer getppid itself; these paths measure the kernel
    // process behind the channel, so every call goes there.
    inv.argv.insert(inv.argv.end(), {"--trap=" + p.id, "--no-local-answers", t.guest});
    inv.dir = "/tmp/psx-bench-" + p.id;
  } else if (p.id == "local") {
    need(t.psx, "psx");
    need(t.guest, "the x86-64 guest");
    inv.argv = psx;
    inv.argv.insert(inv.argv.end(), {"--trap=rewrite", t.guest});
    inv.dir = "/tmp/psx-bench-local";
  } else if (p.id == "rv32") {
    need(t.psx, "psx");
    if (!executable(t.guest_rv32)) inv.unavailable = "no riscv32 build of the guest (the riscv32 toolchain was not found at build time)";
    inv.argv = psx;
    // Like the native columns: every call through the channel to a kernel
    // process (the emulator could answer identity calls itself).
    inv.argv.insert(inv.argv.end(), {"--no-local-answers", t.guest_rv32});
    inv.dir = "/tmp/psx-bench-rv32";
  } else if (p.id == "qemu") {
    if (t.qemu.empty()) inv.unavailable = "qemu-riscv32 is not installed";
    else if (!executable(t.guest_rv32)) inv.unavailable = "no riscv32 build of the guest";
    inv.argv = {t.qemu, t.guest_rv32};
    inv.dir = host_tmp + "/qemu";
  } else if (p.id == "ptrace") {
    need(t.ptrace, "the ptrace interceptor");
    need(t.guest, "the x86-64 guest");
    inv.argv = {t.ptrace, "--seccomp", t.guest};
    inv.dir = host_tmp + "/ptrace";
  } else {
    inv.unavailable = "unknown path";
  }
  // fork_exec_wait's program: the host's file where the guest runs on the
  // host kernel, the copy psx bench imports into its store under psx.
  const bool rv32 = p.id == "rv32" || p.id == "qemu";
  const std::string& host_file = rv32 ? t.exec_target_rv32 : t.exec_target;
  if (!executable(host_file)) {
    inv.no_exec = "exec_target was not built (" + host_file + ")";
  } else if (p.counts_copies) {
    inv.exec_target = std::string(kStoreExecDir) + "/" + host_file.substr(host_file.rfind('/') + 1);
  } else if (p.id != "qemu") {
    inv.exec_target = host_file;
  }
  return inv;
}

std::string not_on_path(const Path& p, const Operation& op) {
  if (p.id == "local" && op.id != "getppid")
    return "no fast path for this call: only identity calls and clocks are answered in the guest host process";
  if (p.id == "qemu" && op.id == "fork_exec_wait")
    return "qemu-riscv32 passes execve to the host kernel, which cannot run a riscv32 program without a binfmt_misc "
           "handler for it (none is assumed)";
  return "";
}

std::vector<GuestLine> parse_guest_output(const std::string& out) {
  std::vector<GuestLine> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("op=", 0) != 0) continue;
    GuestLine g;
    size_t sp = line.find(' ');
    g.op = line.substr(3, sp == std::string::npos ? std::string::npos : sp - 3);
    if (sp == std::string::npos) continue;
    std::string rest = line.substr(sp + 1);
    if (rest.rfind("unavailable=", 0) == 0) {
      g.unavailable = rest.substr(12);
      if (g.unavailable.empty()) g.unavailable = "unavailable";
    } else {
      double ns;
      long iters;
      int reps;
      long long calls;
      if (sscanf(rest.c_str(), "ns=%lf iters=%ld reps=%d calls=%lld", &ns, &iters, &reps, &calls) != 4) continue;
      g.ns = ns;
      g.iters = iters;
      g.calls = calls;
    }
    lines.push_back(g);
  }
  return lines;
}

RunStats parse_run_stats(const std::string& err) {
  RunStats s;
  unsigned long long a = 0, b = 0;
  if (size_t at = err.find("psx: bytes copied:"); at != std::string::npos &&
      sscanf(err.c_str() + at, "psx: bytes copied: %llu payload bytes by the transport, %llu", &a, &b) == 2) {
    s.found = true;
    s.transport_bytes = double(a);
    s.process_bytes = double(b);
  }
  unsigned long long calls = 0;
  for (size_t at = err.find("psx: "); at != std::string::npos; at = err.find("psx: ", at + 1))
    if (sscanf(err.c_str() + at, "psx: %llu calls reached the kernel host", &calls) == 1) {
      s.kernel_calls = double(calls);
      break;
    }
  if (size_t at = err.find("psx: trap="); at != std::string::npos) {
    unsigned long long total, rw, sud, local;
    double p1, p2;
    if (sscanf(err.c_str() + at,
               "psx: trap=%*s %llu system calls: %llu rewritten site (%lf%%), %llu SUD trap (%lf%%); %llu answered",
               &total, &rw, &p1, &sud, &p2, &local) == 6) {
      s.rewritten = double(rw);
      s.sud = double(sud);
      s.local = double(local);
    }
  }
  return s;
}

}  // namespace psx::cli::bench
