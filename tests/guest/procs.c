/* Processes: fork, exit statuses, wait4/waitpid/waitid, zombies, orphans,
   vfork, posix_spawn, execve (argv, envp, close-on-exec, errors, #! scripts,
   signal state), process groups and sessions, RLIMIT_NPROC.

   usage: procs SECTIONS WORK SELF
     SECTIONS  comma-separated names of the sections below, or "all"
     WORK      a work directory (made if missing) for the files exec needs
     SELF      this program's own path in the world it runs in; it execs
               itself in the modes that start with '+' (see child_mode)
   Prints results, statuses and errno names, never pids or paths. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>

#include "check.h"
#include "proc_util.h"
#include "workdir.h"

extern char** environ;

static const char* work;
static const char* self;
static char path_buf[512];

static const char* in_work(const char* name) {
  snprintf(path_buf, sizeof path_buf, "%s/%s", work, name);
  return path_buf;
}

static void write_file(const char* path, const char* text, mode_t mode) {
  unlink(path);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  write(fd, text, strlen(text));
  close(fd); /* still open for writing, exec would fail with ETXTBSY */
  chmod(path, mode);
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

/* ---- the modes this program is exec'd in --------------------------------- */

static void on_usr1(int s) { (void)s; }

static int child_mode(int argc, char** argv) {
  const char* m = argv[1];
  if (!strcmp(m, "+exit")) exit(atoi(argv[2]));
  if (!strcmp(m, "+args")) { /* argv after the mode, then the environment */
    printf("  exec'd: argc=%d", argc);
    for (int i = 2; i < argc; i++) printf(" [%s]", argv[i]);
    printf("\n");
    for (char** e = environ; *e; e++) printf("  exec'd env: %s\n", *e);
    return 0;
  }
  if (!strcmp(m, "+fds")) { /* argv[2..]: descriptors and whether each should be open */
    for (int i = 2; i + 1 < argc; i += 2) {
      int fd = atoi(argv[i]);
      errno = 0;
      int flags = fcntl(fd, F_GETFD);
      printf("  exec'd: %s descriptor: %s\n", argv[i + 1], flags < 0 ? err_name(errno) : "open");
    }
    /* The first one shares its open file description (and offset) with the parent. */
    printf("  exec'd: offset of the shared description: %ld\n", (long)lseek(atoi(argv[2]), 0, SEEK_CUR));
    return 0;
  }
  if (!strcmp(m, "+sigstate")) {
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    printf("  exec'd: SIGUSR1 (was handled) is %s\n", sa.sa_handler == SIG_DFL ? "default" : "not default");
    sigaction(SIGUSR2, NULL, &sa);
    printf("  exec'd: SIGUSR2 (was ignored) is %s\n", sa.sa_handler == SIG_IGN ? "ignored" : "not ignored");
    sigset_t cur, pend;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    sigpending(&pend);
    printf("  exec'd: SIGHUP blocked %d, SIGINT blocked %d, SIGHUP still pending %d\n", sigismember(&cur, SIGHUP),
           sigismember(&cur, SIGINT), sigismember(&pend, SIGHUP));
    return 0;
  }
  if (!strcmp(m, "+script")) { /* run as the interpreter of a #! script */
    const char* s = getenv("SCRIPT_PATH");
    const char* i = getenv("SELF_PATH");
    printf("  interpreter: argc=%d, argv[0] is the interpreter %d, argv[1]=%s, argv[2] is the script %d,", argc,
           i && !strcmp(argv[0], i), argv[1], s && argc > 2 && !strcmp(argv[2], s));
    for (int k = 3; k < argc; k++) printf(" [%s]", argv[k]);
    printf("\n");
    return 0;
  }
  fprintf(stderr, "unknown mode %s\n", m);
  return 2;
}

/* ---- sections ------------------------------------------------------------ */

static void exit_statuses(void) {
  int codes[] = {0, 42, 255};
  for (int i = 0; i < 3; i++) {
    pid_t p = xfork();
    if (p == 0) exit(codes[i]);
    printf("exit(%d): %s\n", codes[i], reap(p));
  }
  pid_t p = xfork();
  if (p == 0) _exit(300); /* only the low 8 bits arrive */
  printf("_exit(300): %s\n", reap(p));
  p = xfork();
  if (p == 0) {
    raise(SIGTERM);
    _exit(99);
  }
  printf("raise(SIGTERM): %s\n", reap(p));
  p = xfork();
  if (p == 0) {
    kill(getpid(), SIGKILL);
    _exit(99);
  }
  printf("kill(self, SIGKILL): %s\n", reap(p));
  p = xfork();
  if (p == 0) abort();
  printf("abort(): %s\n", reap(p));
  p = xfork();
  if (p == 0) {
    for (;;) pause();
  }
  kill(p, SIGKILL);
  printf("killed by the parent: %s\n", reap(p));
}

static void waits(void) {
  int go[2], st = -1;
  pipe(go);
  pid_t p = xfork();
  if (p == 0) {
    char c;
    close(go[1]);
    read(go[0], &c, 1);
    _exit(7);
  }
  close(go[0]);
  CHECK(wait4(p, &st, WNOHANG, NULL)); /* still running: 0 */
  write(go[1], "x", 1);
  close(go[1]);
  int same = waitpid(p, &st, 0) == p;
  printf("waitpid(child, 0) same pid %d: %s\n", same, status_str(st));

  /* WNOHANG once the child is a zombie: WNOWAIT waits for that without reaping. */
  p = xfork();
  if (p == 0) _exit(3);
  siginfo_t si;
  waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT);
  same = wait4(p, &st, WNOHANG, NULL) == p;
  printf("wait4(zombie, WNOHANG) same pid %d: %s\n", same, status_str(st));

  /* One specific child first, then the others with -1 in any order. */
  pid_t kids[3];
  for (int i = 0; i < 3; i++) {
    kids[i] = xfork();
    if (kids[i] == 0) _exit(i + 1);
  }
  printf("waitpid(second): %s\n", reap(kids[1]));
  int seen = 0;
  for (int i = 0; i < 2; i++) {
    pid_t w = waitpid(-1, &st, 0);
    if ((w == kids[0] || w == kids[2]) && WIFEXITED(st)) seen |= 1 << WEXITSTATUS(st);
  }
  printf("waitpid(-1) twice got exit 1 and 3: %d\n", seen == ((1 << 1) | (1 << 3)));
  CHECK(waitpid(-1, &st, 0));
  CHECK(waitpid(-1, &st, WNOHANG));
  CHECK(waitpid(getppid(), &st, 0)); /* not our child */
  CHECK(waitpid(-1, &st, 0x1000));   /* unknown option */

  /* Stopped and continued, seen by WUNTRACED and WCONTINUED. */
  pipe(go);
  p = xfork();
  if (p == 0) {
    char c;
    close(go[1]);
    raise(SIGSTOP);
    read(go[0], &c, 1); /* exits only after the parent saw it continue */
    _exit(4);
  }
  close(go[0]);
  waitpid(p, &st, WUNTRACED);
  printf("WUNTRACED: %s\n", status_str(st));
  kill(p, SIGCONT);
  waitpid(p, &st, WCONTINUED);
  printf("WCONTINUED: %s\n", status_str(st));
  write(go[1], "x", 1);
  close(go[1]);
  printf("then: %s\n", reap(p));
}

static void print_siginfo(const char* what, const siginfo_t* si, pid_t expect) {
  const char* code = si->si_code == CLD_EXITED ? "CLD_EXITED" : si->si_code == CLD_KILLED ? "CLD_KILLED"
                   : si->si_code == CLD_DUMPED ? "CLD_DUMPED" : si->si_code == CLD_STOPPED ? "CLD_STOPPED"
                   : "other";
  char status[16];
  if (si->si_code == CLD_EXITED) snprintf(status, sizeof status, "%d", si->si_status);
  else snprintf(status, sizeof status, "%s", sig_name(si->si_status));
  printf("%s: si_signo %s, si_code %s, si_status %s, si_pid is the child %d\n", what, sig_name(si->si_signo), code,
         status, si->si_pid == expect);
}

static void waitids(void) {
  int go[2];
  siginfo_t si;
  pipe(go);
  pid_t p = xfork();
  if (p == 0) {
    char c;
    close(go[1]);
    read(go[0], &c, 1);
    _exit(5);
  }
  close(go[0]);
  memset(&si, 0xff, sizeof si);
  CHECK(waitid(P_PID, (id_t)p, &si, WEXITED | WNOHANG));
  printf("  nothing yet: si_pid is 0 %d\n", si.si_pid == 0);
  write(go[1], "x", 1);
  close(go[1]);
  CHECK(waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT));
  print_siginfo("  WNOWAIT", &si, p);
  CHECK(waitid(P_PID, (id_t)p, &si, WEXITED));
  print_siginfo("  reaped", &si, p);
  CHECK(waitid(P_PID, (id_t)p, &si, WEXITED | WNOHANG));

  p = xfork();
  if (p == 0) {
    for (;;) pause();
  }
  kill(p, SIGKILL);
  CHECK(waitid(P_ALL, 0, &si, WEXITED));
  print_siginfo("  P_ALL", &si, p);

  p = xfork();
  if (p == 0) {
    raise(SIGSTOP);
    _exit(99);
  }
  CHECK(waitid(P_PID, (id_t)p, &si, WSTOPPED));
  print_siginfo("  WSTOPPED", &si, p);
  kill(p, SIGKILL);
  CHECK(waitid(P_PID, (id_t)p, &si, WEXITED));

  CHECK(waitid(P_ALL, 0, &si, WEXITED));
  CHECK(waitid(P_ALL, 0, &si, 0)); /* no event asked for */
}

static void zombie(void) {
  pid_t p = xfork();
  if (p == 0) _exit(9);
  sleep_ms(100); /* the child is gone by now, but not yet reaped */
  siginfo_t si;
  waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT); /* surely gone, even on a loaded machine */
  CHECK(kill(p, 0));
  char path[64], buf[512] = "";
  snprintf(path, sizeof path, "/proc/%d/stat", (int)p);
  int fd = open(path, O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  char* paren = n > 0 ? strrchr(buf, ')') : NULL;
  printf("state in /proc/PID/stat: %c\n", paren ? paren[2] : '?');
  printf("reaped: %s\n", reap(p));
  CHECK(kill(p, 0));
}

static void ids(void) {
  pid_t me = getpid(), parent = getppid();
  int r[2];
  pipe(r);
  pid_t p = xfork();
  if (p == 0) {
    pid_t v[3] = {getpid(), getppid(), 0};
    pid_t g = fork(); /* a grandchild reports its parent too */
    if (g == 0) {
      pid_t w = getppid();
      write(r[1], &w, sizeof w);
      _exit(0);
    }
    waitpid(g, NULL, 0);
    v[2] = g;
    write(r[1], v, sizeof v);
    _exit(0);
  }
  close(r[1]);
  pid_t gp, v[3];
  read(r[0], &gp, sizeof gp);
  read(r[0], v, sizeof v);
  close(r[0]);
  reap(p);
  printf("child's getpid is what fork returned %d, differs from ours %d, its getppid is us %d\n", v[0] == p, v[0] != me,
         v[1] == me);
  printf("grandchild's getppid is the child %d, differs from the grandchild %d\n", gp == p, v[2] != p);
  printf("our getpid and getppid unchanged %d %d\n", getpid() == me, getppid() == parent);

  /* 50 children at once, all reaped: the exit codes add up. */
  int sum = 0, count = 0, st;
  for (int i = 0; i < 50; i++) {
    pid_t k = xfork();
    if (k == 0) _exit(i);
    if (k < 0) printf("fork %d: %s\n", i, err_name(errno));
  }
  while (waitpid(-1, &st, 0) > 0) {
    count++;
    sum += WEXITSTATUS(st);
  }
  printf("50 children: reaped %d, exit codes sum to %d, then %s\n", count, sum, err_name(errno));
}

static volatile int vfork_shared;

static void vforks(void) {
  /* The vfork child runs in our memory until it exits or execs. */
  pid_t p = vfork();
  if (p == 0) {
    vfork_shared = 1;
    _exit(3);
  }
#ifdef __riscv
  /* An ABI difference, not psx's: musl's riscv32 vfork() is clone(SIGCHLD, 0),
     a plain fork, so the child's store stays its own (as on Linux). */
  const int shares = 0;
#else
  const int shares = 1;
#endif
  printf("vfork child's store seen by the parent as this ABI's vfork shares memory: %d\n",
         vfork_shared == shares);
  printf("vfork + _exit: %s\n", reap(p));
  char* args[] = {(char*)self, "+exit", "9", NULL};
  char* env[] = {NULL};
  p = vfork();
  if (p == 0) {
    execve(self, args, env);
    _exit(127);
  }
  printf("vfork + execve: %s\n", reap(p));
  p = vfork();
  if (p == 0) {
    execve(in_work("no-such-program"), args, env);
    _exit(errno == ENOENT ? 20 : 21);
  }
  printf("vfork + failing execve: %s\n", reap(p));
}

static void spawns(void) {
  int out[2];
  pipe(out);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  char* args[] = {(char*)self, "+args", "spawned", "with spaces", "", NULL};
  char* env[] = {"ONE=1", "TWO=two words", NULL};
  pid_t p = 0;
  fflush(stdout);
  int e = posix_spawn(&p, self, &fa, NULL, args, env);
  close(out[1]);
  printf("posix_spawn = %s\n", e ? err_name(e) : "0");
  char buf[4096];
  ssize_t n, total = 0;
  while ((n = read(out[0], buf + total, sizeof buf - 1 - (size_t)total)) > 0) total += n;
  buf[total] = 0;
  close(out[0]);
  printf("its output through the pipe:\n%s", buf);
  printf("spawned: %s\n", reap(p));
  e = posix_spawn(&p, in_work("no-such-program"), NULL, NULL, args, env);
  printf("posix_spawn(missing) = %s\n", e ? err_name(e) : "0");
  posix_spawn_file_actions_destroy(&fa);
}

/* Forks, execs args in the child, and reports how the child ended. */
static void in_child_exec(const char* what, char* const* args, char* const* env) {
  pid_t p = xfork();
  if (p == 0) {
    execve(args[0], args, env);
    printf("  execve: %s\n", err_name(errno));
    _exit(127);
  }
  printf("%s: %s\n", what, reap(p));
}

static void execs(void) {
  char* env[] = {"X=1", "Y=a b", "EMPTY=", NULL};
  char* a1[] = {(char*)self, "+args", "first", "", "third arg", NULL};
  in_child_exec("argv and envp", a1, env);

  /* Close-on-exec: set at open, set later with F_SETFD, and not set. */
  int keep = open(in_work("keep"), O_RDWR | O_CREAT | O_TRUNC, 0644);
  int gone = open(in_work("gone"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int later = dup(keep);
  fcntl(later, F_SETFD, FD_CLOEXEC);
  int dup3d = dup3(keep, 20, O_CLOEXEC);
  write(keep, "12345", 5);
  char k[16], g[16], l[16], d[16];
  snprintf(k, sizeof k, "%d", keep);
  snprintf(g, sizeof g, "%d", gone);
  snprintf(l, sizeof l, "%d", later);
  snprintf(d, sizeof d, "%d", dup3d);
  char* a2[] = {(char*)self, "+fds", k, "plain", g, "O_CLOEXEC", l, "FD_CLOEXEC", d, "dup3 O_CLOEXEC", NULL};
  in_child_exec("close-on-exec", a2, env);
  close(keep);
  close(gone);
  close(later);
  close(dup3d);

  /* Failures come back to the caller. */
  char* a3[] = {(char*)self, "+exit", "1", NULL};
  CHECK(execve(in_work("missing"), a3, env));
  write_file(in_work("not-executable"), "#!/bin/sh\necho hi\n", 0644);
  CHECK(execve(in_work("not-executable"), a3, env));
  write_file(in_work("garbage"), "this is neither an ELF file nor a script\n", 0755);
  CHECK(execve(in_work("garbage"), a3, env));
  CHECK(execve(work, a3, env));
  CHECK(execve(in_work("not-executable/below"), a3, env));
  write_file(in_work("bad-interpreter"), "#!/no/such/interpreter\n", 0755);
  CHECK(execve(in_work("bad-interpreter"), a3, env));

  /* A #! script whose interpreter is this program, with one argument. */
  char script[512], line[600], se[600], sp[600];
  snprintf(script, sizeof script, "%s", in_work("script"));
  snprintf(line, sizeof line, "#!%s +script\nthe interpreter does not read this\n", self);
  write_file(script, line, 0755);
  snprintf(se, sizeof se, "SELF_PATH=%s", self);
  snprintf(sp, sizeof sp, "SCRIPT_PATH=%s", script);
  char* senv[] = {se, sp, NULL};
  char* a4[] = {script, "one", "two", NULL};
  in_child_exec("#! script", a4, senv);

  /* Signal state across exec: handled -> default, ignored stays, mask and pending kept. */
  pid_t p = xfork();
  if (p == 0) {
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, SIG_IGN);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGHUP);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGHUP);
    char* a5[] = {(char*)self, "+sigstate", NULL};
    execve(self, a5, env);
    _exit(127);
  }
  printf("signal state: %s\n", reap(p));
}

static void groups(void) {
  int r[2];
  pipe(r);
  pid_t parent_pgrp = getpgrp();
  pid_t p = xfork();
  if (p == 0) {
    printf("  child: setpgid(0, 0) = %d\n", setpgid(0, 0));
    printf("  child: getpgid(0) is its pid %d, getpgrp too %d, parent's group unchanged %d\n", getpgid(0) == getpid(),
           getpgrp() == getpid(), getpgid(getppid()) == parent_pgrp);
    exit(0);
  }
  printf("group leader child: %s\n", reap(p));
  printf("getpgid(0) == getpgrp() %d\n", getpgid(0) == getpgrp());
  CHECK(getpgid(0x3ffffff0));
  CHECK(setpgid(0x3ffffff0, 0));
  CHECK(setpgid(0, -1));

  p = xfork();
  if (p == 0) {
    pid_t sid = getsid(0);
    printf("  child: same session as the parent %d\n", sid == getsid(getppid()));
    pid_t s = setsid();
    printf("  child: setsid() is its pid %d, getsid(0) too %d, getpgrp too %d\n", s == getpid(), getsid(0) == getpid(),
           getpgrp() == getpid());
    CHECK(setsid()); /* already a group leader */
    CHECK(setpgid(0, parent_pgrp)); /* a group in another session */
    exit(0);
  }
  printf("new session child: %s\n", reap(p));
  CHECK(tcgetpgrp(r[0]));
  int null = open("/dev/null", O_RDWR);
  CHECK(tcgetpgrp(null));
  CHECK(tcsetpgrp(null, getpgrp()));
  close(null);
  CHECK(tcgetpgrp(99));

  /* kill(-pgid) reaches every member of a group, and nobody else. */
  int hold[2];
  pipe(hold);
  pid_t a = xfork();
  if (a == 0) {
    char c;
    setpgid(0, 0);
    close(hold[1]);
    read(hold[0], &c, 1);
    _exit(0);
  }
  setpgid(a, a); /* as a shell does: whoever comes first makes it so */
  pid_t b = xfork();
  if (b == 0) {
    char c;
    setpgid(0, a);
    close(hold[1]);
    read(hold[0], &c, 1);
    _exit(0);
  }
  setpgid(b, a);
  pid_t c = xfork(); /* not in the group */
  if (c == 0) {
    char ch;
    close(hold[1]);
    read(hold[0], &ch, 1);
    _exit(6);
  }
  printf("member is in the group %d\n", getpgid(b) == a);
  CHECK(kill(-a, SIGTERM));
  printf("leader: %s\n", reap(a));
  printf("member: %s\n", reap(b));
  close(hold[1]);
  printf("outsider: %s\n", reap(c));
  CHECK(kill(-a, 0));
  close(r[0]);
  close(r[1]);
}

static void nproc(void) {
  pid_t p = xfork();
  if (p == 0) {
    /* The limit counts the processes of our real uid, and root is exempt:
       as root, become an unprivileged uid first. */
    if (getuid() == 0) {
      if (setresgid(65534, 65534, 65534) < 0) printf("  setresgid: %s\n", err_name(errno));
      if (setresuid(65534, 65534, 65534) < 0) printf("  setresuid: %s\n", err_name(errno));
    }
    struct rlimit rl = {4, 4};
    CHECK(setrlimit(RLIMIT_NPROC, &rl));
    int hold[2];
    pipe(hold);
    int eagain = 0, n;
    for (n = 0; n < 200; n++) {
      pid_t k = xfork();
      if (k == 0) {
        char ch;
        close(hold[1]);
        read(hold[0], &ch, 1);
        _exit(0);
      }
      if (k < 0) {
        eagain = errno == EAGAIN;
        break;
      }
    }
    close(hold[1]);
    while (wait(NULL) > 0) {
    }
    printf("  forked until fork failed with EAGAIN: %d\n", eagain);
    exit(0);
  }
  printf("RLIMIT_NPROC child: %s\n", reap(p));
}

/* Last among the sections: the orphan may become our child (psx hands
   orphans to its first process), so no wait(-1) may follow it. */
static void orphan(void) {
  int r[2];
  pipe(r);
  pid_t a = xfork();
  if (a == 0) {
    pid_t old = getpid(); /* taken before the fork: the child may start after we are gone */
    pid_t g = fork();
    if (g == 0) {
      close(r[0]);
      for (int i = 0; i < 5000 && getppid() == old; i++) sleep_ms(1);
      /* Natively the new parent is init or a subreaper, under psx its first
         process: only the change is the same in both worlds. */
      char res = getppid() != old ? '1' : '0';
      write(r[1], &res, 1);
      _exit(0);
    }
    _exit(0); /* leaves the grandchild an orphan */
  }
  close(r[1]);
  printf("orphan's parent: %s\n", reap(a));
  char res = '?';
  read(r[0], &res, 1);
  close(r[0]);
  printf("orphan's getppid changed from its old parent: %c\n", res);
}

int main(int argc, char** argv) {
  /* The exec'd modes look at the signal state exec left: no start_clean. */
  if (argc > 1 && argv[1][0] == '+') {
    setvbuf(stdout, NULL, _IOLBF, 0);
    return child_mode(argc, argv);
  }
  start_clean();
  if (argc < 4) {
    fprintf(stderr, "usage: procs SECTIONS WORK SELF\n");
    return 2;
  }
  const char* s = argv[1];
  work = argv[2];
  self = argv[3];
  make_workdir(work);
  if (section(s, "exit")) exit_statuses();
  if (section(s, "wait")) waits();
  if (section(s, "waitid")) waitids();
  if (section(s, "zombie")) zombie();
  if (section(s, "ids")) ids();
  if (section(s, "vfork")) vforks();
  if (section(s, "spawn")) spawns();
  if (section(s, "exec")) execs();
  if (section(s, "groups")) groups();
  if (section(s, "nproc")) nproc();
  if (section(s, "orphan")) orphan();
  return 0;
}
