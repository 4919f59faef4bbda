/* Processes on riscv32: fork and wait, the child's memory a copy, SIGCHLD
   with its siginfo, signals between processes (a handler in the child, a
   default action), and clone onto a new stack as posix_spawn uses it
   (CLONE_VM|CLONE_VFORK, which psx and qemu-riscv32 both run as a fork).
   Children print nothing: every result travels in an exit status. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int shared_looking = 1;
static volatile sig_atomic_t chld, chld_code, chld_status, usr1;
static char child_stack[16384] __attribute__((aligned(16)));

static void on_chld(int sig, siginfo_t *si, void *ctx) {
  (void)sig, (void)ctx;
  chld++;
  chld_code = si->si_code;
  chld_status = si->si_status;
}

static void on_usr1(int sig) {
  (void)sig;
  usr1 = 1;
}

static void report(const char *what, int st) {
  if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: killed by signal %d\n", what, WTERMSIG(st));
  else printf("%s: status %#x\n", what, st);
}

static int on_new_stack(void *arg) {
  char local;
  int on = &local >= child_stack && &local < child_stack + sizeof child_stack;
  return on ? *(int *)arg : 1;
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGCHLD, &sa, 0);

  int st;
  pid_t pid = fork();
  if (pid == 0) _exit(7);
  printf("waited for the child: %s\n", waitpid(pid, &st, 0) == pid ? "yes" : "no");
  report("fork child", st);
  for (int i = 0; i < 2000 && !chld; i++) usleep(1000);
  printf("SIGCHLD: %d, si_code %d, si_status %d\n", chld, chld_code, chld_status);

  pid = fork();
  if (pid == 0) {
    shared_looking = 2;
    _exit(shared_looking + 40);
  }
  waitpid(pid, &st, 0);
  report("child that wrote its copy", st);
  printf("parent's copy: %d\n", shared_looking);

  /* A child waiting in sigsuspend with SIGUSR1 blocked until then (no race
     with the parent's kill): its handler runs, it exits 3; a second one is
     ended by SIGTERM's default action. */
  signal(SIGUSR1, on_usr1);
  sigset_t block, none;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGTERM);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &block, 0);
  for (int round = 0; round < 2; round++) {
    int ready[2];
    if (pipe(ready) != 0) return 1;
    pid = fork();
    if (pid == 0) {
      (void)!write(ready[1], "r", 1);
      sigsuspend(&none);
      _exit(usr1 ? 3 : 4);
    }
    char c;
    (void)!read(ready[0], &c, 1);
    kill(pid, round == 0 ? SIGUSR1 : SIGTERM);
    waitpid(pid, &st, 0);
    report(round == 0 ? "child sent SIGUSR1" : "child sent SIGTERM", st);
    close(ready[0]);
    close(ready[1]);
  }
  sigprocmask(SIG_UNBLOCK, &block, 0);

  int value = 9;
  pid = clone(on_new_stack, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &value);
  if (pid < 0) {
    perror("clone");
    return 1;
  }
  waitpid(pid, &st, 0);
  report("clone child on its own stack", st);
  return 0;
}
