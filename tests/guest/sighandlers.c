/* Signal handlers: siginfo (SI_USER, SI_TKILL, SI_QUEUE, sigqueue values),
   nesting with and without sa_mask, SA_NODEFER, SA_RESETHAND, the mask in a
   handler, pending and queued signals, sigsuspend, sigtimedwait, timers
   (alarm, setitimer, pause), SIGCHLD, EINTR and SA_RESTART on a parked read,
   nanosleep interrupted, sigaltstack, siglongjmp (also out of SIGSEGV),
   registers kept across handlers that arrive while the program computes
   without system calls, ignored signals.

   usage: sighandlers SECTIONS   (comma-separated names below, or "all")
   Handlers only record what happened; main prints it afterwards, so the
   output is the order of events, never pids or times. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "check.h"
#include "proc_util.h"

/* ---- what handlers saw ---------------------------------------------------- */

static const char* events[64];
static volatile int nevents;
static void note(const char* e) {
  if (nevents < 64) events[nevents++] = e;
}
static void print_events(const char* title) {
  printf("%s:", title);
  for (int i = 0; i < nevents; i++) printf(" %s", events[i]);
  printf("\n");
  nevents = 0;
}

static volatile int got_signo, got_code, got_pid_is_self, got_value, got_count;
static volatile uintptr_t got_addr;

static const char* code_name(int sig, int code) {
  switch (code) {
    case SI_USER: return "SI_USER";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TKILL: return "SI_TKILL";
    case SI_TIMER: return "SI_TIMER";
    case SI_KERNEL: return "SI_KERNEL";
  }
  if (sig == SIGSEGV) return code == SEGV_MAPERR ? "SEGV_MAPERR" : code == SEGV_ACCERR ? "SEGV_ACCERR" : "SEGV_?";
  if (sig == SIGCHLD) return code == CLD_EXITED ? "CLD_EXITED" : code == CLD_KILLED ? "CLD_KILLED" : "CLD_?";
  return "?";
}

static void on_info(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  got_signo = sig;
  got_code = si->si_code;
  got_pid_is_self = si->si_pid == getpid();
  got_value = si->si_value.sival_int;
  got_count++;
}

static void print_info(const char* what) {
  printf("%s: %s %s, si_pid is us %d", what, sig_name(got_signo), code_name(got_signo, got_code), got_pid_is_self);
  if (got_code == SI_QUEUE) printf(", value %d", got_value);
  printf("\n");
  got_count = 0;
}

static void install(int sig, void (*fn)(int), int flags, const int* mask_sigs) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fn;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  for (; mask_sigs && *mask_sigs; mask_sigs++) sigaddset(&sa.sa_mask, *mask_sigs);
  sigaction(sig, &sa, NULL);
}

static void install_info(int sig, void (*fn)(int, siginfo_t*, void*), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
}

static int blocked(int sig) {
  sigset_t cur;
  sigprocmask(SIG_BLOCK, NULL, &cur);
  return sigismember(&cur, sig);
}

static void block(int sig, int how) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  sigprocmask(how, &s, NULL);
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

/* A child that waits until its stdin-like pipe closes: a target for signals. */
static pid_t idle_child(int hold[2]) {
  pipe(hold);
  pid_t p = xfork();
  if (p == 0) {
    char c;
    close(hold[1]);
    read(hold[0], &c, 1);
    _exit(0);
  }
  close(hold[0]);
  return p;
}

/* ---- sections ------------------------------------------------------------- */

static void siginfo_codes(void) {
  install_info(SIGUSR1, on_info, 0);
  kill(getpid(), SIGUSR1);
  print_info("kill(self)");
  raise(SIGUSR1);
  print_info("raise");
  syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
  print_info("tgkill");
  sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 1234});
  print_info("sigqueue");

  /* rt_sigqueueinfo: to ourselves any siginfo arrives as sent. */
  siginfo_t si;
  memset(&si, 0, sizeof si);
  si.si_signo = SIGUSR1;
  si.si_code = SI_QUEUE;
  si.si_pid = getpid();
  si.si_uid = getuid();
  si.si_value.sival_int = 77;
  CHECK(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si));
  print_info("rt_sigqueueinfo");
  /* To another process only codes < 0 other than SI_TKILL may be forged. */
  int hold[2];
  pid_t c = idle_child(hold);
  si.si_code = SI_USER;
  CHECK(syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, &si));
  si.si_code = SI_TKILL;
  CHECK(syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, &si));
  close(hold[1]);
  printf("child: %s\n", reap(c));
}

static volatile int with_mask;
static void on_usr2_nested(int s) {
  (void)s;
  note("USR2-in");
  note("USR2-out");
}
static void on_usr1_nested(int s) {
  (void)s;
  note("USR1-in");
  raise(SIGUSR2);
  note("USR1-out");
}
static volatile int depth;
static void on_usr1_again(int s) {
  (void)s;
  int d = ++depth;
  note(d == 1 ? "in-1" : "in-2");
  if (d == 1) raise(SIGUSR1);
  note(d == 1 ? "out-1" : "out-2");
}

static void nested(void) {
  install(SIGUSR2, on_usr2_nested, 0, NULL);
  install(SIGUSR1, on_usr1_nested, 0, NULL);
  raise(SIGUSR1);
  print_events("USR2 not in sa_mask");
  int m[] = {SIGUSR2, 0};
  install(SIGUSR1, on_usr1_nested, 0, m);
  raise(SIGUSR1);
  print_events("USR2 in sa_mask");
  install(SIGUSR1, on_usr1_again, 0, NULL);
  depth = 0;
  raise(SIGUSR1);
  print_events("re-raised in its own handler");
  install(SIGUSR1, on_usr1_again, SA_NODEFER, NULL);
  depth = 0;
  raise(SIGUSR1);
  print_events("re-raised with SA_NODEFER");
}

static volatile int in_handler_usr1, in_handler_usr2, in_handler_hup, in_handler_int, resets;
static void on_usr1_mask(int s) {
  (void)s;
  in_handler_usr1 = blocked(SIGUSR1);
  in_handler_usr2 = blocked(SIGUSR2);
  in_handler_hup = blocked(SIGHUP);
  in_handler_int = blocked(SIGINT);
}
static void on_reset(int s) {
  (void)s;
  resets++;
}

static void flags(void) {
  int m[] = {SIGUSR2, SIGHUP, 0};
  install(SIGUSR1, on_usr1_mask, 0, m);
  raise(SIGUSR1);
  printf("in the handler blocked: USR1 %d, USR2 %d, HUP %d, INT %d\n", in_handler_usr1, in_handler_usr2,
         in_handler_hup, in_handler_int);
  printf("after it: USR1 %d, USR2 %d, HUP %d\n", blocked(SIGUSR1), blocked(SIGUSR2), blocked(SIGHUP));
  install(SIGUSR1, on_usr1_mask, SA_NODEFER, m);
  raise(SIGUSR1);
  printf("SA_NODEFER, in the handler blocked: USR1 %d, USR2 %d\n", in_handler_usr1, in_handler_usr2);

  install(SIGUSR2, on_reset, SA_RESETHAND, NULL);
  raise(SIGUSR2);
  struct sigaction sa;
  sigaction(SIGUSR2, NULL, &sa);
  printf("SA_RESETHAND: handler ran %d, disposition now %s\n", resets,
         sa.sa_handler == SIG_DFL ? "default" : "still the handler");
  CHECK(sigaction(SIGKILL, &sa, NULL));
  CHECK(sigaction(SIGSTOP, &sa, NULL));
  CHECK(sigaction(0, &sa, NULL));
  CHECK(sigaction(65, &sa, NULL));
}

static volatile int usr1_runs, rt_runs, rt_values[8];
static void count_usr1(int s) {
  (void)s;
  usr1_runs++;
}
static void count_rt(int s, siginfo_t* si, void* uc) {
  (void)s, (void)uc;
  if (rt_runs < 8) rt_values[rt_runs] = si->si_value.sival_int;
  rt_runs++;
}

static void pending(void) {
  install(SIGUSR1, count_usr1, 0, NULL);
  block(SIGUSR1, SIG_BLOCK);
  kill(getpid(), SIGUSR1);
  kill(getpid(), SIGUSR1);
  kill(getpid(), SIGUSR1);
  sigset_t p;
  sigpending(&p);
  printf("blocked USR1 sent 3 times: pending %d, handler ran %d\n", sigismember(&p, SIGUSR1), usr1_runs);
  block(SIGUSR1, SIG_UNBLOCK);
  sigpending(&p);
  printf("unblocked: handler ran %d (standard signals do not queue), pending %d\n", usr1_runs, sigismember(&p, SIGUSR1));

  int rt = SIGRTMIN + 1;
  install_info(rt, count_rt, 0);
  block(rt, SIG_BLOCK);
  for (int i = 1; i <= 3; i++) sigqueue(getpid(), rt, (union sigval){.sival_int = i * 10});
  block(rt, SIG_UNBLOCK);
  printf("real-time signal queued 3 times: handler ran %d, values %d %d %d\n", rt_runs, rt_values[0], rt_values[1],
         rt_values[2]);

  /* sigsuspend: the signal can only arrive inside it. */
  usr1_runs = 0;
  block(SIGUSR1, SIG_BLOCK);
  pid_t c = xfork();
  if (c == 0) {
    kill(getppid(), SIGUSR1);
    _exit(0);
  }
  sigset_t none;
  sigemptyset(&none);
  CHECK(sigsuspend(&none));
  printf("  handler ran %d, USR1 blocked again after %d\n", usr1_runs, blocked(SIGUSR1));
  printf("sender: %s\n", reap(c));
  block(SIGUSR1, SIG_UNBLOCK);
}

static void timedwait(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  block(SIGUSR2, SIG_BLOCK);
  siginfo_t si;
  struct timespec t = {0, 50000000};
  CHECK(sigtimedwait(&set, &si, &t));
  t = (struct timespec){0, 0};
  CHECK(sigtimedwait(&set, &si, &t));
  kill(getpid(), SIGUSR2);
  CHECK(sigtimedwait(&set, &si, &t));
  printf("  si_signo %s, si_code %s, si_pid is us %d\n", sig_name(si.si_signo), code_name(si.si_signo, si.si_code),
         si.si_pid == getpid());
  sigqueue(getpid(), SIGUSR2, (union sigval){.sival_int = 5});
  t = (struct timespec){1, 0};
  CHECK(sigtimedwait(&set, &si, &t));
  printf("  si_code %s, value %d\n", code_name(si.si_signo, si.si_code), si.si_value.sival_int);
  t = (struct timespec){0, 2000000000};
  CHECK(sigtimedwait(&set, &si, &t));
  /* A signal from another process while we wait. */
  pid_t c = xfork();
  if (c == 0) {
    sleep_ms(30);
    kill(getppid(), SIGUSR2);
    _exit(0);
  }
  t = (struct timespec){10, 0};
  CHECK(sigtimedwait(&set, &si, &t));
  printf("  from the child: si_code %s\n", code_name(si.si_signo, si.si_code));
  printf("sender: %s\n", reap(c));
  int sig = 0;
  kill(getpid(), SIGUSR2);
  CHECK(sigwait(&set, &sig));
  printf("  sigwait gave %s\n", sig_name(sig));
  block(SIGUSR2, SIG_UNBLOCK);
}

static volatile int alarms;
static void on_alarm(int s) {
  (void)s;
  alarms++;
}

static void timers(void) {
  install(SIGALRM, on_alarm, 0, NULL);
  CHECK(alarm(10));
  unsigned left = alarm(0);
  printf("alarm(0) after alarm(10) returned 9 or 10: %d\n", left == 9 || left == 10);
  alarm(1);
  CHECK(pause());
  printf("  the alarm fired: %d\n", alarms);

  struct itimerval it = {{0, 0}, {0, 50000}}, cur, old;
  block(SIGALRM, SIG_BLOCK);
  alarms = 0;
  CHECK(setitimer(ITIMER_REAL, &it, NULL));
  CHECK(getitimer(ITIMER_REAL, &cur));
  printf("  running: 0 < left <= 50 ms %d, no interval %d\n",
         (cur.it_value.tv_sec || cur.it_value.tv_usec) && cur.it_value.tv_sec == 0 && cur.it_value.tv_usec <= 50000,
         cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 0);
  sigset_t none;
  sigemptyset(&none);
  CHECK(sigsuspend(&none));
  printf("  the timer fired: %d\n", alarms);

  /* Periodic: three expiries, then disarmed. */
  alarms = 0;
  it = (struct itimerval){{0, 20000}, {0, 20000}};
  setitimer(ITIMER_REAL, &it, NULL);
  while (alarms < 3) sigsuspend(&none);
  it = (struct itimerval){{0, 0}, {0, 0}};
  CHECK(setitimer(ITIMER_REAL, &it, &old));
  printf("  periodic timer fired %d times, its interval was 20 ms %d\n", alarms,
         old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 20000);
  CHECK(getitimer(ITIMER_REAL, &cur));
  printf("  disarmed %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
  CHECK(setitimer(99, &it, NULL));
  block(SIGALRM, SIG_UNBLOCK);
}

static volatile int chld_code, chld_status, chld_pid, chld_runs;
static void on_chld(int s, siginfo_t* si, void* uc) {
  (void)s, (void)uc;
  chld_code = si->si_code;
  chld_status = si->si_status;
  chld_pid = si->si_pid;
  chld_runs++;
}

static void sigchld(void) {
  install_info(SIGCHLD, on_chld, 0);
  block(SIGCHLD, SIG_BLOCK);
  sigset_t none;
  sigemptyset(&none);
  pid_t c = xfork();
  if (c == 0) _exit(7);
  while (!chld_runs) sigsuspend(&none);
  printf("SIGCHLD: %s, si_status %d, si_pid is the child %d\n", code_name(SIGCHLD, chld_code), chld_status,
         chld_pid == c);
  printf("  then: %s\n", reap(c));
  chld_runs = 0;
  int hold[2];
  c = idle_child(hold);
  kill(c, SIGKILL);
  while (!chld_runs) sigsuspend(&none);
  printf("SIGCHLD: %s, si_status %s, si_pid is the child %d\n", code_name(SIGCHLD, chld_code), sig_name(chld_status),
         chld_pid == c);
  printf("  then: %s\n", reap(c));
  close(hold[1]);
  block(SIGCHLD, SIG_UNBLOCK);

  /* SIGCHLD ignored: children are reaped at once, wait finds none. */
  signal(SIGCHLD, SIG_IGN);
  c = xfork();
  if (c == 0) _exit(0);
  int st;
  CHECK(waitpid(c, &st, 0));
  signal(SIGCHLD, SIG_DFL);
}

static volatile int usr1_seen;
static void on_usr1_flag(int s) {
  (void)s;
  usr1_seen++;
}

/* A child parks in read() on a pipe; the parent signals it. */
static void restart(void) {
  for (int with_restart = 0; with_restart < 2; with_restart++) {
    int data[2], ready[2];
    pipe(data);
    pipe(ready);
    pid_t c = xfork();
    if (c == 0) {
      install(SIGUSR1, on_usr1_flag, with_restart ? SA_RESTART : 0, NULL);
      close(data[1]);
      close(ready[0]);
      write(ready[1], "r", 1);
      char buf[16] = "";
      errno = 0;
      ssize_t n = read(data[0], buf, sizeof buf - 1);
      printf("  %s: read = %zd %s [%s], handler ran %d\n", with_restart ? "SA_RESTART" : "no SA_RESTART", n,
             n < 0 ? err_name(errno) : "", n > 0 ? buf : "", usr1_seen > 0);
      _exit(0);
    }
    close(data[0]);
    close(ready[1]);
    char ch;
    read(ready[0], &ch, 1);
    close(ready[0]);
    int st = 0;
    if (!with_restart) {
      /* A signal before the child reaches read() would not interrupt it: signal until it does. */
      for (int i = 0; i < 500 && waitpid(c, &st, WNOHANG) == 0; i++) {
        kill(c, SIGUSR1);
        sleep_ms(20);
      }
      printf("reader: %s\n", status_str(st));
    } else {
      sleep_ms(50);
      kill(c, SIGUSR1);
      sleep_ms(50);
      write(data[1], "hello", 5);
      printf("reader: %s\n", reap(c));
    }
    close(data[1]);
  }
}

static void nanosleeps(void) {
  install(SIGUSR1, on_usr1_flag, 0, NULL);
  pid_t c = xfork();
  if (c == 0) { /* signals until killed: one of them lands inside nanosleep */
    for (;;) {
      sleep_ms(50);
      kill(getppid(), SIGUSR1);
    }
  }
  struct timespec t = {5, 0}, rem = {0, 0};
  CHECK(nanosleep(&t, &rem));
  printf("  time remained %d\n", (rem.tv_sec > 0 || rem.tv_nsec > 0) && rem.tv_sec < 5);
  kill(c, SIGKILL);
  printf("sender: %s\n", reap(c));
}

static char* alt;
enum { kAltSize = 1 << 16 };
static volatile int on_alt, flagged_onstack;
static void on_usr1_alt(int s) {
  (void)s;
  char local;
  on_alt = &local >= alt && &local < alt + kAltSize;
  stack_t cur;
  sigaltstack(NULL, &cur);
  flagged_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
}

static void altstack(void) {
  alt = malloc(kAltSize);
  stack_t ss = {.ss_sp = alt, .ss_size = kAltSize, .ss_flags = 0}, cur;
  CHECK(sigaltstack(&ss, NULL));
  install(SIGUSR1, on_usr1_alt, SA_ONSTACK, NULL);
  raise(SIGUSR1);
  printf("SA_ONSTACK: handler's local on the alternate stack %d, SS_ONSTACK %d\n", on_alt, flagged_onstack);
  install(SIGUSR1, on_usr1_alt, 0, NULL);
  raise(SIGUSR1);
  printf("without SA_ONSTACK: on the alternate stack %d, SS_ONSTACK %d\n", on_alt, flagged_onstack);
  sigaltstack(NULL, &cur);
  printf("outside a handler: SS_ONSTACK %d, size kept %d\n", (cur.ss_flags & SS_ONSTACK) != 0,
         cur.ss_size == kAltSize);
  stack_t tiny = {.ss_sp = alt, .ss_size = 100, .ss_flags = 0};
  CHECK(sigaltstack(&tiny, NULL));
  stack_t off = {.ss_flags = SS_DISABLE};
  CHECK(sigaltstack(&off, NULL));
  sigaltstack(NULL, &cur);
  printf("disabled %d\n", (cur.ss_flags & SS_DISABLE) != 0);
}

static sigjmp_buf env;
static volatile int* volatile bad_address = (volatile int*)8; /* unmapped: mmap_min_addr is 4096 */
static void jump_out(int s) {
  (void)s;
  siglongjmp(env, 1);
}
static void on_segv(int s, siginfo_t* si, void* uc) {
  (void)uc;
  got_signo = s;
  got_code = si->si_code;
  got_addr = (uintptr_t)si->si_addr;
  siglongjmp(env, 1);
}

static void jumps(void) {
  install(SIGUSR1, jump_out, 0, NULL);
  if (sigsetjmp(env, 1) == 0) {
    raise(SIGUSR1);
    printf("not reached\n");
  } else {
    printf("siglongjmp out of a handler (mask saved): USR1 blocked after %d\n", blocked(SIGUSR1));
  }
  if (sigsetjmp(env, 0) == 0) {
    raise(SIGUSR1);
    printf("not reached\n");
  } else {
    printf("siglongjmp out of a handler (mask not saved): USR1 blocked after %d\n", blocked(SIGUSR1));
  }
  block(SIGUSR1, SIG_UNBLOCK);

  install_info(SIGSEGV, on_segv, 0);
  for (int i = 0; i < 2; i++) {
    if (sigsetjmp(env, 1) == 0) {
      *bad_address = 1;
      printf("not reached\n");
    } else {
      printf("recovered from %s %s at address 8 %d; SIGSEGV blocked after %d\n", sig_name(got_signo),
             code_name(got_signo, got_code), got_addr == 8, blocked(SIGSEGV));
    }
  }
  long pg = sysconf(_SC_PAGESIZE);
  char* ro = mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (sigsetjmp(env, 1) == 0) {
    *(volatile char*)ro = 1;
    printf("not reached\n");
  } else {
    printf("recovered from %s %s at the read-only page %d\n", sig_name(got_signo), code_name(got_signo, got_code),
           got_addr == (uintptr_t)ro);
  }
  munmap(ro, (size_t)pg);
  signal(SIGSEGV, SIG_DFL);
}

/* ---- delivery while the program computes without system calls ------------ */

enum { kSignals = 20 };
static volatile int spin_handled;
static int ack_fd;
static volatile double handler_sink;
static void on_usr1_spin(int s) {
  (void)s;
  volatile double d = 3.25; /* the handler uses the floating-point registers too */
  for (int i = 0; i < 100; i++) d = d * 1.0625 - 0.5;
  handler_sink = d;
  spin_handled++;
  write(ack_fd, "a", 1);
}

static volatile double seed_d = 1.5;
static volatile uint64_t seed_i = 12345;
/* One block of mixed floating-point and integer work from fixed seeds. */
static void compute(double* d_out, uint64_t* i_out) {
  double d = seed_d, e = 0.25;
  uint64_t x = seed_i, y = 7;
  for (int i = 0; i < 2000; i++) {
    d = d * 1.000001 + e;
    e = e * 0.999 + d * 1e-9;
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    y ^= x >> 17;
  }
  *d_out = d + e;
  *i_out = x ^ y;
}

static void spin(void) {
  double ref_d;
  uint64_t ref_i;
  compute(&ref_d, &ref_i);
  int ack[2];
  pipe(ack);
  ack_fd = ack[1];
  install(SIGUSR1, on_usr1_spin, SA_RESTART, NULL);
  pid_t c = xfork();
  if (c == 0) {
    char ch;
    close(ack[1]);
    for (int i = 0; i < kSignals; i++) {
      kill(getppid(), SIGUSR1);
      if (read(ack[0], &ch, 1) != 1) _exit(1);
    }
    _exit(0);
  }
  close(ack[0]);
  long bad = 0, blocks = 0;
  /* No system call in this loop: the signals must interrupt user code. */
  while (spin_handled < kSignals && blocks < 200000000L) {
    double d;
    uint64_t i;
    compute(&d, &i);
    if (d != ref_d || i != ref_i) bad++;
    blocks++;
  }
  printf("handled %d signals while computing, every result intact %d\n", spin_handled, bad == 0);
  printf("sender: %s\n", reap(c));
  close(ack[1]);
}

static void ignored(void) {
  signal(SIGTERM, SIG_IGN);
  CHECK(kill(getpid(), SIGTERM));
  printf("survived an ignored SIGTERM\n");
  block(SIGTERM, SIG_BLOCK);
  kill(getpid(), SIGTERM);
  sigset_t p;
  sigpending(&p);
  printf("ignored but blocked: pending %d\n", sigismember(&p, SIGTERM));
  block(SIGTERM, SIG_UNBLOCK);
  sigpending(&p);
  printf("unblocked: pending %d, still here\n", sigismember(&p, SIGTERM));
  signal(SIGTERM, SIG_DFL);
  CHECK(kill(getpid(), SIGCHLD)); /* ignored by default */
  CHECK(kill(getpid(), SIGWINCH));
  CHECK(kill(getpid(), 0));
  CHECK(kill(getpid(), 999));
  printf("survived default-ignored signals\n");
}

int main(int argc, char** argv) {
  start_clean();
  const char* s = argc > 1 ? argv[1] : "all";
  if (section(s, "siginfo")) siginfo_codes();
  if (section(s, "nested")) nested();
  if (section(s, "flags")) flags();
  if (section(s, "pending")) pending();
  if (section(s, "timedwait")) timedwait();
  if (section(s, "timers")) timers();
  if (section(s, "sigchld")) sigchld();
  if (section(s, "restart")) restart();
  if (section(s, "nanosleep")) nanosleeps();
  if (section(s, "altstack")) altstack();
  if (section(s, "jump")) jumps();
  if (section(s, "spin")) spin();
  if (section(s, "ignored")) ignored();
  return 0;
}
