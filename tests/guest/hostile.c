// Guest for tests/guest/process_faults_test.cpp: behaviours that must leave
// psx responsive and its store clean.
//   hostile victim    fork a child that waits forever; report how it ended
//                     (the test kills the child's host process from outside)
//   hostile bomb [N]  fork until fork fails (RLIMIT_NPROC N if given), then
//                     reap everything and say how it ended
//   hostile stubborn  ignore SIGTERM, write a file, sleep 2 s, report
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int victim(void) {
  pid_t p = fork();
  if (p < 0) return 1;
  if (p == 0) {
    for (;;) pause();
  }
  printf("child started\n");
  fflush(stdout);
  int st;
  if (waitpid(p, &st, 0) != p) return 2;
  if (WIFSIGNALED(st)) printf("child killed by signal %d\n", WTERMSIG(st));
  else printf("child exited %d\n", WEXITSTATUS(st));
  return 0;
}

static int bomb(const char* limit) {
  if (limit) {
    struct rlimit rl = {(rlim_t)atol(limit), (rlim_t)atol(limit)};
    if (setrlimit(RLIMIT_NPROC, &rl) != 0) return 3;
  }
  int n = 0, err = 0;
  for (;;) {
    pid_t p = fork();
    if (p < 0) {
      err = errno;
      break;
    }
    if (p == 0) {
      pause();
      _exit(0);
    }
    n++;
    if (n > 100000) break;
  }
  // Every child is in this process group: one kill ends them all.
  signal(SIGTERM, SIG_IGN);
  kill(0, SIGTERM);
  int reaped = 0;
  while (wait(NULL) > 0) reaped++;
  printf("fork failed with %s after %d children, %d reaped\n", err == EAGAIN ? "EAGAIN" : strerror(err), n, reaped);
  return 0;
}

static int stubborn(const char* path) {
  signal(SIGTERM, SIG_IGN);
  printf("ignoring SIGTERM\n");
  fflush(stdout);
  struct timespec ts = {2, 0};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "still here\n", 11) != 11 || close(fd) != 0) return 4;
  printf("survived SIGTERM\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && !strcmp(argv[1], "victim")) return victim();
  if (argc > 1 && !strcmp(argv[1], "bomb")) return bomb(argc > 2 ? argv[2] : NULL);
  if (argc > 2 && !strcmp(argv[1], "stubborn")) return stubborn(argv[2]);
  fprintf(stderr, "usage: hostile victim | bomb [N] | stubborn FILE\n");
  return 64;
}
