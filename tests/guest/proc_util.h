/* Helpers for the multi-process guest programs (procs, pipes_procs,
   sighandlers, threads): signal names, wait statuses as words, a start that
   does not depend on what the harness left behind, and sections chosen on
   the command line. Output never shows a pid: only results and names. */
#pragma once
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char* sig_name(int s) {
  switch (s) {
    case SIGHUP: return "SIGHUP"; case SIGINT: return "SIGINT"; case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL"; case SIGABRT: return "SIGABRT"; case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE"; case SIGKILL: return "SIGKILL"; case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV"; case SIGUSR2: return "SIGUSR2"; case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM"; case SIGTERM: return "SIGTERM"; case SIGCHLD: return "SIGCHLD";
    case SIGCONT: return "SIGCONT"; case SIGSTOP: return "SIGSTOP"; case SIGTSTP: return "SIGTSTP";
    case SIGTTIN: return "SIGTTIN"; case SIGTTOU: return "SIGTTOU"; case SIGURG: return "SIGURG";
    case SIGXCPU: return "SIGXCPU"; case SIGWINCH: return "SIGWINCH"; case SIGSYS: return "SIGSYS";
    default: return "SIG?";
  }
}

/* "exited 42", "killed by SIGTERM", "stopped by SIGSTOP", "continued". The
   core-dump bit is left out: it depends on the host's core settings. */
static const char* status_str(int st) {
  static char b[64];
  if (WIFEXITED(st)) snprintf(b, sizeof b, "exited %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(b, sizeof b, "killed by %s", sig_name(WTERMSIG(st)));
  else if (WIFSTOPPED(st)) snprintf(b, sizeof b, "stopped by %s", sig_name(WSTOPSIG(st)));
  else if (WIFCONTINUED(st)) snprintf(b, sizeof b, "continued");
  else snprintf(b, sizeof b, "status 0x%x", st);
  return b;
}

/* Waits for one child and returns its status as words. */
static const char* reap(pid_t pid) {
  int st = 0;
  if (waitpid(pid, &st, 0) != pid) return "waitpid failed";
  return status_str(st);
}

/* stdout is line-buffered, so nothing is pending when a process forks (a
   child would otherwise print its parent's buffer again). */
static pid_t xfork(void) {
  fflush(stdout);
  return fork();
}

/* The harness may start us with signals blocked or ignored (ignored ones
   survive exec): begin from the defaults, so the native and psx runs agree. */
static void start_clean(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  static const int used[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM,
                             SIGTERM, SIGCHLD, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU};
  for (size_t i = 0; i < sizeof used / sizeof used[0]; i++) signal(used[i], SIG_DFL);
}

/* Is `name` among the comma-separated sections in `list` ("all": every one)? */
static int wanted(const char* list, const char* name) {
  if (!strcmp(list, "all")) return 1;
  size_t n = strlen(name);
  for (const char* p = list; (p = strstr(p, name)); p += n)
    if ((p == list || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return 1;
  return 0;
}

/* A section begins: its name, so a diff shows where outputs part. */
static int section(const char* list, const char* name) {
  if (!wanted(list, name)) return 0;
  printf("== %s\n", name);
  return 1;
}
