/* Signal handlers on riscv32: siginfo, nesting, masks, the alternate stack,
   a timer interrupting register-heavy code many times (sigreturn must give
   every register back), and SA_RESTART on a read from a pipe. The output does
   not depend on timing: counts that do are printed as comparisons. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t depth, max_depth, runs, ticks;
static volatile int last_code, last_pid_ok;
static int pipe_fds[2];
static char altstack[16384];
static volatile int on_altstack;

static void on(int sig, void (*fn)(int, siginfo_t *, void *), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | flags;
  sigaction(sig, &sa, 0);
}

static void record(int sig, siginfo_t *si, void *ctx) {
  (void)ctx;
  runs++;
  last_code = si->si_code;
  last_pid_ok = si->si_signo == sig && si->si_pid == getpid();
}

static void inner(int sig, siginfo_t *si, void *ctx) {
  (void)si, (void)ctx;
  printf("  inner %d at depth %d\n", sig, depth + 1);
}

static void outer(int sig, siginfo_t *si, void *ctx) {
  (void)si, (void)ctx;
  if (++depth > max_depth) max_depth = depth;
  printf("  outer %d begins\n", sig);
  if (runs++ == 0) raise(SIGUSR1);  /* blocked while this handler runs: after it */
  raise(SIGUSR2);                   /* not blocked: nested, right now */
  printf("  outer %d ends\n", sig);
  depth--;
}

static void where(int sig, siginfo_t *si, void *ctx) {
  (void)sig, (void)si, (void)ctx;
  char local;
  on_altstack = &local >= altstack && &local < altstack + sizeof altstack;
}

static void tick(int sig, siginfo_t *si, void *ctx) {
  (void)sig, (void)si, (void)ctx;
  ticks++;
}

static void feed_pipe(int sig, siginfo_t *si, void *ctx) {
  (void)sig, (void)si, (void)ctx;
  (void)!write(pipe_fds[1], "x", 1);
}

/* Twenty accumulators live across the loop: the compiler keeps them in
   registers (s0-s11, a-, t-registers), so a timer tick that loses one
   changes the result. */
static uint32_t churn(uint32_t n) {
  uint32_t r[20];
  for (int i = 0; i < 20; i++) r[i] = 0x9e3779b9u * (uint32_t)(i + 1);
  for (uint32_t k = 0; k < n; k++) {
#define STEP(i, j) r[i] = (r[i] ^ (r[j] >> 3)) + (r[i] << 5) + k;
    STEP(0, 19) STEP(1, 0) STEP(2, 1) STEP(3, 2) STEP(4, 3) STEP(5, 4) STEP(6, 5)
    STEP(7, 6) STEP(8, 7) STEP(9, 8) STEP(10, 9) STEP(11, 10) STEP(12, 11) STEP(13, 12)
    STEP(14, 13) STEP(15, 14) STEP(16, 15) STEP(17, 16) STEP(18, 17) STEP(19, 18)
  }
  uint32_t h = 0;
  for (int i = 0; i < 20; i++) h = h * 31 + r[i];
  return h;
}

static void timer(long first_us, long every_us) {
  struct itimerval it = {{0, every_us}, {0, first_us}};
  setitimer(ITIMER_REAL, &it, 0);
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);

  on(SIGUSR1, record, 0);
  raise(SIGUSR1);
  printf("raise: runs %d code %d signo and pid %s\n", runs, last_code, last_pid_ok ? "ok" : "wrong");
  kill(getpid(), SIGUSR1);
  printf("kill: runs %d code %d signo and pid %s\n", runs, last_code, last_pid_ok ? "ok" : "wrong");

  sigset_t set, pending;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, 0);
  raise(SIGUSR1);
  sigpending(&pending);
  printf("blocked: runs %d pending %d\n", runs, sigismember(&pending, SIGUSR1));
  sigprocmask(SIG_UNBLOCK, &set, 0);
  printf("unblocked: runs %d\n", runs);

  runs = 0;
  on(SIGUSR1, outer, 0);
  on(SIGUSR2, inner, 0);
  printf("nested:\n");
  raise(SIGUSR1);
  printf("outer ran %d times, deepest %d\n", runs, max_depth);

  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, 0);
  on(SIGUSR2, where, SA_ONSTACK);
  raise(SIGUSR2);
  printf("SA_ONSTACK handler on the alternate stack: %s\n", on_altstack ? "yes" : "no");
  on(SIGUSR2, where, 0);
  raise(SIGUSR2);
  printf("plain handler on the alternate stack: %s\n", on_altstack ? "yes" : "no");

  static volatile uint32_t rounds = 6000000;  /* volatile: two real runs, not one */
  uint32_t quiet = churn(rounds);
  on(SIGALRM, tick, 0);
  timer(1000, 1000);
  uint32_t loud = churn(rounds);
  timer(0, 0);
  printf("timer ticks during the loop: %s; result %s\n", ticks > 3 ? "several" : "too few",
         quiet == loud ? "unchanged" : "CHANGED");

  if (pipe(pipe_fds) != 0) return 1;
  char c = 0;
  on(SIGALRM, feed_pipe, SA_RESTART);
  timer(50000, 0);
  ssize_t n = read(pipe_fds[0], &c, 1);
  printf("SA_RESTART read: %zd '%c'\n", n, c);
  on(SIGALRM, feed_pipe, 0);
  timer(50000, 0);
  n = read(pipe_fds[0], &c, 1);
  int err = errno;
  printf("plain read: %zd (%s)\n", n, n < 0 && err == EINTR ? "EINTR" : "?");
  c = 0;
  n = read(pipe_fds[0], &c, 1);
  printf("read again: %zd '%c'\n", n, c);
  return 0;
}
