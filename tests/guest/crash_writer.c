/* Writes to the store without end, announcing each operation on stdout only
   after the call that made it returned: the crash test kills psx at random
   and then checks that everything announced is in the store. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : "/tmp/crash";
  mkdir(dir, 0755);
  if (chdir(dir) != 0) return 1;
  /* Continue numbering where an earlier (killed) run stopped. */
  int start = 0;
  struct stat st;
  if (stat("log", &st) == 0) start = (int)(st.st_size / 16);
  int log = open("log", O_WRONLY | O_CREAT | O_APPEND, 0644);
  char rec[32], name[32];
  for (int i = start;; i++) {
    /* One fixed-size record per append (15 characters and a NUL): a torn record is detectable. */
    snprintf(rec, sizeof rec, "rec %010d\n", i);
    if (write(log, rec, 16) != 16) return 2;
    snprintf(name, sizeof name, "f%d", i % 50);
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, rec, 16) != 16 || close(fd) != 0) return 3;
    if (i % 7 == 0) {
      char to[40];
      snprintf(to, sizeof to, "r%d", i % 50);
      if (rename(name, to) != 0) return 4;
    }
    printf("ack %d\n", i);
    fflush(stdout);
  }
}
