// psx run: starts a program under psx and ends the way it ended.
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kernelprocs/console.h"
#include "kernelprocs/kernel.h"
#include "kernelprocs/proc.h"
#include "subsystem/cli/commands.h"
#include "subsystem/host_signals.h"
#include "subsystem/launcher.h"

extern char** environ;

namespace psx::cli {
namespace {

void run_usage(FILE* out) {
  fprintf(out,
          "usage: psx run [OPTIONS] PROGRAM [ARGS...]\n"
          "\n"
          "Runs PROGRAM (a static x86-64 or riscv32 Linux ELF) under psx. psx ends the way\n"
          "the program ended: the same exit status, or killed by the same signal.\n"
          "\n"
          "options:\n"
          "  --trace            print every system call with its arguments and result (stderr)\n"
          "  --trace-file FILE  write the trace to FILE instead\n"
          "  --stats            print call counts when the program ends (stderr)\n"
          "  --trap=sud         how native system calls are trapped (Syscall User Dispatch;\n"
          "                     rewriting of syscall sites is not available yet)\n"
          "  --store FILE       the record store (accepted; programs still come from the host\n"
          "                     until the store lands)\n"
          "  --help             show this text\n");
}

// A bare name is looked up through PATH, as a shell would.
std::string resolve(const std::string& prog) {
  if (prog.find('/') != std::string::npos) return prog;
  const char* path = getenv("PATH");
  std::string p = path ? path : "/bin:/usr/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    std::string cand = (dir.empty() ? "." : dir) + "/" + prog;
    struct stat st;
    if (stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return cand;
    start = end + 1;
  }
  return prog;
}

[[noreturn]] void end_like(int status) {
  if (WIFEXITED(status)) exit(WEXITSTATUS(status));
  int sig = WTERMSIG(status);
  // Die by the same signal. No core file of psx itself: it would be psx's memory.
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(sig, SIG_DFL);
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  sigprocmask(SIG_UNBLOCK, &s, nullptr);
  fflush(nullptr);
  raise(sig);
  exit(128 + sig);
}

}  // namespace

int run_main(int argc, char** argv) {
  PersonalityOptions opt;
  opt.uid = getuid();
  opt.gid = getgid();
  bool stats = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    std::string a = argv[i];
    if (a == "--") {
      i++;
      break;
    } else if (a == "--trace") {
      opt.trace = true;
    } else if (a == "--trace-file" && i + 1 < argc) {
      opt.trace = true;
      opt.trace_out = fopen(argv[++i], "w");
      if (!opt.trace_out) {
        fprintf(stderr, "psx run: cannot open trace file %s: %s\n", argv[i], strerror(errno));
        return 2;
      }
    } else if (a == "--stats") {
      stats = true;
    } else if (a == "--trap=sud") {
    } else if (a.rfind("--trap=", 0) == 0) {
      fprintf(stderr, "psx run: %s: only --trap=sud is available yet (rewriting comes with issue 4)\n", a.c_str());
      return 2;
    } else if (a == "--store" && i + 1 < argc) {
      i++;
    } else if (a.rfind("--store=", 0) == 0) {
    } else if (a == "--help" || a == "-h") {
      run_usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "psx run: unknown option %s\n", a.c_str());
      run_usage(stderr);
      return 2;
    }
  }
  if (i >= argc) {
    run_usage(stderr);
    return 2;
  }

  LaunchSpec spec;
  spec.execfn = argv[i];
  spec.host_path = resolve(argv[i]);
  for (int k = i; k < argc; k++) spec.argv.push_back(argv[k]);
  for (char** e = environ; *e; e++) spec.envp.push_back(*e);
  spec.options = opt;

  // A broken pipe is the guest's business (EPIPE, then its SIGPIPE), not psx's.
  signal(SIGPIPE, SIG_IGN);
  Kernel kernel;
  Proc proc;
  Console console;
  kernel.attach(Proc::kAddress, &proc);
  kernel.attach(Console::kAddress, &console);
  Subsystem subsystem(kernel, proc);
  HostSignals host_signals(kernel, subsystem);

  auto p = subsystem.launch(spec);
  if (!p) {
    fprintf(stderr, "psx: %s: %s\n", spec.execfn.c_str(), p.error().message.c_str());
    return p.error().err == ENOENT ? 127 : 126;
  }
  int pid = (*p)->pid;
  kernel.run();
  const Proc::Record* rec = proc.find(pid);
  int status = rec ? rec->wait_status : (127 << 8);
  if (stats) {
    const CallStats& s = (*p)->stats;
    fprintf(stderr, "psx: %llu system calls (trap: sud 100%%), %llu parked, %llu unknown; %llu messages\n",
            (unsigned long long)s.calls, (unsigned long long)s.parked, (unsigned long long)s.unknown,
            (unsigned long long)kernel.delivered());
  }
  if (opt.trace_out && opt.trace_out != stderr) fclose(opt.trace_out);
  end_like(status);
}

}  // namespace psx::cli
