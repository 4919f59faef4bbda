// Path 7 of `psx bench` (issue 7): the classic sandbox technique as a
// reference point. A tracer stops the x86-64 guest at every system call and
// answers getppid itself (the call is skipped in the kernel and the result
// set by the tracer); every other call is let through to the host kernel
// after the stop, as a policy-checking sandbox would.
//
//   psx_bench_ptrace [--seccomp|--syscall] [--stats] PROGRAM [ARGS...]
//
// --seccomp (the default): a seccomp filter returns SECCOMP_RET_TRACE for
//   every call, one stop per call (PTRACE_O_TRACESECCOMP).
// --syscall: PTRACE_SYSCALL, two stops per call (entry and exit).
// Children the guest forks are traced too (a sandbox cannot let them loose,
// and an inherited seccomp filter with no tracer would fail their calls).
// Ends the way the guest ended. Linux x86-64 only.
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

namespace {

enum class Mode { kSeccomp, kSyscall };

struct Tracee {
  pid_t parent = 0;        // what getppid answers
  bool answer_pending = false;  // PTRACE_SYSCALL: getppid skipped at entry, answer at exit
};

struct Counts {
  unsigned long long stops = 0, answered = 0;
};

// Every call stops in the tracer; other architectures' calls (none expected
// from an x86-64 static binary) are let through untouched.
int install_filter() {
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog = {static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

[[noreturn]] void end_like(int status) {
  if (WIFEXITED(status)) exit(WEXITSTATUS(status));
  int sig = WTERMSIG(status);
  rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(sig, SIG_DFL);
  raise(sig);
  exit(128 + sig);
}

// Skips the call in the kernel: orig_rax = -1 runs no syscall.
bool skip_call(pid_t pid, user_regs_struct& r) {
  r.orig_rax = static_cast<unsigned long long>(-1);
  return ptrace(PTRACE_SETREGS, pid, nullptr, &r) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  Mode mode = Mode::kSeccomp;
  bool stats = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "--seccomp")) mode = Mode::kSeccomp;
    else if (!strcmp(argv[i], "--syscall")) mode = Mode::kSyscall;
    else if (!strcmp(argv[i], "--stats")) stats = true;
    else break;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: psx_bench_ptrace [--seccomp|--syscall] [--stats] PROGRAM [ARGS...]\n");
    return 2;
  }

  pid_t child = fork();
  if (child < 0) {
    perror("psx_bench_ptrace: fork");
    return 125;
  }
  if (child == 0) {
    // Stop so the tracer can set its options before the first traced call.
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) _exit(125);
    raise(SIGSTOP);
    if (mode == Mode::kSeccomp && install_filter() != 0) {
      perror("psx_bench_ptrace: seccomp");
      _exit(125);
    }
    execv(argv[i], argv + i);
    fprintf(stderr, "psx_bench_ptrace: %s: %s\n", argv[i], strerror(errno));
    _exit(127);
  }

  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
    fprintf(stderr, "psx_bench_ptrace: the child did not stop\n");
    return 125;
  }
  long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE;
  opts |= mode == Mode::kSeccomp ? PTRACE_O_TRACESECCOMP : PTRACE_O_TRACESYSGOOD;
  if (ptrace(PTRACE_SETOPTIONS, child, nullptr, reinterpret_cast<void*>(opts)) != 0) {
    perror("psx_bench_ptrace: PTRACE_SETOPTIONS");
    return 125;
  }
  const __ptrace_request resume = mode == Mode::kSeccomp ? PTRACE_CONT : PTRACE_SYSCALL;
  std::map<pid_t, Tracee> tracees;
  tracees[child].parent = getpid();
  Counts counts;
  int child_status = 0;
  ptrace(resume, child, nullptr, nullptr);

  while (!tracees.empty()) {
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (pid == child) child_status = status;
      tracees.erase(pid);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    Tracee& t = tracees[pid];  // a new child can report before its parent's event
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    long inject = 0;
    if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) {
      unsigned long newpid = 0;
      ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &newpid);
      tracees[pid_t(newpid)].parent = pid;
    } else if (event == PTRACE_EVENT_SECCOMP || (sig == (SIGTRAP | 0x80) && mode == Mode::kSyscall)) {
      counts.stops++;
      user_regs_struct r;
      if (ptrace(PTRACE_GETREGS, pid, nullptr, &r) == 0) {
        if (mode == Mode::kSeccomp) {
          if (r.orig_rax == SYS_getppid) {
            r.rax = static_cast<unsigned long long>(t.parent);
            if (skip_call(pid, r)) counts.answered++;
          }
        } else if (t.answer_pending && r.orig_rax == static_cast<unsigned long long>(-1)) {
          // The exit stop of the skipped call: set its result.
          r.rax = static_cast<unsigned long long>(t.parent);
          if (ptrace(PTRACE_SETREGS, pid, nullptr, &r) == 0) counts.answered++;
          t.answer_pending = false;
        } else if (r.orig_rax == SYS_getppid && r.rax == static_cast<unsigned long long>(-ENOSYS)) {
          // An entry stop (the kernel presets rax to -ENOSYS there), which
          // tells entry from exit without counting stops: a new child's
          // first stop may be its fork's exit.
          t.answer_pending = skip_call(pid, r);
        }
      }
    } else if (event == 0 && sig != SIGTRAP && sig != SIGSTOP) {
      inject = sig;  // a signal for the guest: deliver it
    } else if (event == 0 && sig == SIGSTOP && t.parent == 0) {
      // A newly traced child's first stop, seen before its parent's event:
      // leave its parent unknown until the event comes.
    }
    ptrace(resume, pid, nullptr, reinterpret_cast<void*>(inject));
  }
  if (stats)
    fprintf(stderr, "psx_bench_ptrace: %s: %llu syscall stops, %llu getppid answered by the tracer\n",
            mode == Mode::kSeccomp ? "seccomp" : "syscall", counts.stops, counts.answered);
  end_like(child_status);
}
