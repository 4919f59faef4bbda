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
#include "kernelprocs/device.h"
#include "kernelprocs/storage_process.h"
#include "subsystem/cli/store_path.h"
#include "kernelprocs/kernel.h"
#include "kernelprocs/pipe.h"
#include "kernelprocs/proc.h"
#include "subsystem/cli/commands.h"
#include "subsystem/host_signals.h"
#include "subsystem/launcher.h"
#include "subsystem/shim/shim_region.h"

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
          "  --stats            print call counts when the program ends (stderr), by the\n"
          "                     road they took: rewritten site, SUD trap, answered in the\n"
          "                     guest host process\n"
          "  --trap=rewrite     native guests: syscall sites verified safe at load time jump\n"
          "                     to stubs; all other sites trap (the default)\n"
          "  --trap=sud         native guests: every system call traps (Syscall User Dispatch)\n"
          "  --no-local-answers send every call to the kernel host, also those the guest host\n"
          "                     process can answer itself (getpid, clock_gettime…); --trace\n"
          "                     implies it, so that every call is traced\n"
          "  --store FILE       the record store the program sees as its filesystem\n"
          "                     (default: $PSX_STORE, else ~/.local/share/psx/default.psx,\n"
          "                     created on first use)\n"
          "  --help             show this text\n");
}

// The store is searched first: a bare name through PATH (default
// /bin:/usr/bin), a path as given (relative to the guest's cwd, "/").
// Returns the store path if the store has the file.
std::string resolve_in_store(StorageProcess& sp, const std::string& prog, const PersonalityOptions& opt) {
  vfs::Caller who;
  who.cred.uid = opt.uid;
  who.cred.gid = opt.gid;
  auto t = sp.store().begin_read();
  if (!t) return "";
  auto is_file = [&](const std::string& path) {
    auto st = sp.fs().stat(*t, who, vfs::kRootIno, path, true);
    return st && st->is_regular();
  };
  if (prog.find('/') != std::string::npos) return is_file(prog) ? prog : "";
  const char* path = getenv("PATH");
  std::string p = path && *path ? path : "/bin:/usr/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    std::string cand = (dir.empty() ? "/" : dir) + "/" + prog;
    if (is_file(cand)) return cand;
    start = end + 1;
  }
  return "";
}

// A bare name is looked up through PATH on the host, as a shell would.
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

// The shim's counters: which road each of the guest's calls took.
void print_shim_stats(const shim::Counters& c, shim::TrapMode mode) {
  unsigned long long total = c.sud + c.rewritten;
  auto pct = [&](uint64_t n) { return total ? 100.0 * double(n) / double(total) : 0.0; };
  fprintf(stderr,
          "psx: trap=%s: %llu system calls: %llu rewritten site (%.1f%%), %llu SUD trap (%.1f%%); "
          "%llu answered in the guest host process (%.1f%%); %llu of %llu syscall sites rewritten\n",
          mode == shim::TrapMode::kRewrite ? "rewrite" : "sud", total, (unsigned long long)c.rewritten,
          pct(c.rewritten), (unsigned long long)c.sud, pct(c.sud), (unsigned long long)c.local, pct(c.local),
          (unsigned long long)c.sites_patched, (unsigned long long)c.sites_seen);
}

}  // namespace

int run_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string store_path = take_store_option(args, true);
  std::vector<char*> rest{argv[0]};
  for (auto& a : args) rest.push_back(a.data());
  argc = int(rest.size());
  argv = rest.data();
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
      opt.trap = shim::TrapMode::kSud;
    } else if (a == "--trap=rewrite") {
      opt.trap = shim::TrapMode::kRewrite;
    } else if (a == "--no-local-answers") {
      opt.answer_locally = false;
    } else if (a.rfind("--trap=", 0) == 0) {
      fprintf(stderr, "psx run: %s: the trap modes are sud and rewrite\n", a.c_str());
      return 2;
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

  storage::StoreErrc why{};
  auto store = open_store_for_writing(store_path, true, &why);
  if (!store) {
    if (why == storage::StoreErrc::busy) {
      // One store, one kernel host: a second psx would be a second writer.
      int pid = store_writer_pid(store_path);
      fprintf(stderr, "psx: %s is served by a running psx%s; attaching another program to it is not supported yet\n",
              store_path.c_str(), pid > 0 ? (" (pid " + std::to_string(pid) + ")").c_str() : "");
    } else {
      fprintf(stderr, "psx: %s\n", store.error().c_str());
    }
    return 125;
  }

  LaunchSpec spec;
  spec.execfn = argv[i];
  for (int k = i; k < argc; k++) spec.argv.push_back(argv[k]);
  for (char** e = environ; *e; e++) spec.envp.push_back(*e);
  spec.options = opt;

  // A broken pipe is the guest's business (EPIPE, then its SIGPIPE), not psx's.
  signal(SIGPIPE, SIG_IGN);
  int status;
  {  // The kernel host's life: everything in it shuts down before psx ends like the guest.
    Kernel kernel;
    Proc proc;
    Console console;
    Device device;
    PipeProcess pipes;
    HostSignals::block();  // before the storage process starts its worker thread
    StorageProcess storage(std::move(*store), kernel);
    kernel.attach(Proc::kAddress, &proc);
    kernel.attach(Console::kAddress, &console);
    kernel.attach(Device::kAddress, &device);
    kernel.attach(PipeProcess::kAddress, &pipes);
    kernel.attach(StorageProcess::kAddress, &storage);
    Subsystem subsystem(kernel, proc);
    HostSignals host_signals(kernel, subsystem);

    // The program comes from the store; only if the store has no such file and
    // the host does is the host's file loaded (so `psx run ./hello` works
    // straight after a build).
    std::string in_store = resolve_in_store(storage, argv[i], opt);
    if (!in_store.empty()) {
      vfs::Caller who;
      who.cred.uid = opt.uid;
      who.cred.gid = opt.gid;
      auto bytes = storage.read_whole(who, vfs::kRootIno, in_store);
      if (!bytes) {
        fprintf(stderr, "psx: %s: %s\n", argv[i], strerror(bytes.error().value));
        return 126;
      }
      spec.program = std::move(*bytes);
      spec.host_path = "";
      spec.store_path = in_store;  // /proc/self/exe, and what BusyBox re-executes
    } else {
      spec.host_path = resolve(argv[i]);
    }

    auto p = subsystem.launch(spec);
    if (!p) {
      fprintf(stderr, "psx: %s: %s\n", spec.execfn.c_str(), p.error().message.c_str());
      return p.error().err == ENOENT ? 127 : 126;
    }
    int pid = (*p)->pid;
    kernel.run();
    // Messages sent as the guest ended (its descriptors' releases) still reach
    // their processes; then the storage process drains its commit queue and,
    // in group mode, syncs, as its destructor runs at the end of this block.
    for (int n = 0; n < 1000 && kernel.run_once(false); n++) {
    }
    const Proc::Record* rec = proc.find(pid);
    status = rec ? rec->wait_status : (127 << 8);
    if (stats) {
      const CallStats& s = (*p)->stats;
      fprintf(stderr, "psx: %llu calls reached the kernel host, %llu parked, %llu unknown; %llu messages\n",
              (unsigned long long)s.calls, (unsigned long long)s.parked, (unsigned long long)s.unknown,
              (unsigned long long)kernel.delivered());
      // The zero-copy claim as a figure (psx bench reads this line).
      fprintf(stderr, "psx: bytes copied: %llu payload bytes by the transport, %llu by kernel processes\n",
              (unsigned long long)kernel.copies().transport_bytes, (unsigned long long)kernel.copies().process_bytes);
      if ((*p)->shim.len) print_shim_stats(shim::read_counters((*p)->mem(), (*p)->shim), (*p)->shim.mode);
    }
  }
  if (opt.trace_out && opt.trace_out != stderr) fclose(opt.trace_out);
  end_like(status);
}

}  // namespace psx::cli
