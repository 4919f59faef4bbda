/* Ends in the way argv[1] names: abort, segv, raise TERM, kill -KILL self,
   SIGPIPE, or survives an ignored or blocked signal. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const char* how = argc > 1 ? argv[1] : "";
  printf("before %s\n", how);
  fflush(stdout);
  if (!strcmp(how, "abort")) abort();
  if (!strcmp(how, "segv")) *(volatile int*)8 = 1;
  if (!strcmp(how, "term")) raise(SIGTERM);
  if (!strcmp(how, "kill")) kill(getpid(), SIGKILL);
  if (!strcmp(how, "usr1")) kill(0, SIGUSR1);
  if (!strcmp(how, "ignored")) {
    signal(SIGTERM, SIG_IGN);
    raise(SIGTERM);
    printf("survived an ignored SIGTERM\n");
  }
  if (!strcmp(how, "blocked")) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigprocmask(SIG_BLOCK, &s, 0);
    raise(SIGINT);
    printf("SIGINT pending while blocked\n");
    fflush(stdout);
    sigprocmask(SIG_UNBLOCK, &s, 0);
    printf("not reached\n");
  }
  /* stdout is a pipe whose reader is gone, or soon will be: the parent may
     close its read end only after this program has started writing. So the
     writes go on past the pipe's capacity (64 KiB): with the reader still
     there the pipe fills, the write blocks, and fails once the reader goes. */
  static char chunk[4096];
  if (!strcmp(how, "pipe")) {
    /* The write raises SIGPIPE. */
    for (int i = 0; i < 1024; i++) write(1, chunk, sizeof chunk);
    fprintf(stderr, "not reached\n");
  }
  if (!strcmp(how, "pipe-ignored")) {
    signal(SIGPIPE, SIG_IGN);
    ssize_t r = 0;
    for (int i = 0; i < 1024 && r >= 0; i++) r = write(1, chunk, sizeof chunk);
    fprintf(stderr, "write=%zd epipe=%d\n", r, r < 0);
  }
  printf("after %s\n", how);
  return 0;
}
