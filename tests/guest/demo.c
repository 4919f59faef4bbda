/* The demo: an ordinary static program that shows where it is running. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  struct utsname u;
  uname(&u);
  printf("Hello from an unmodified static %s program.\n", u.machine);
  printf("  uname: %s %s (node '%s')\n", u.sysname, u.release, u.nodename);
  printf("  pid %d, uid %d, %d argument(s)\n", getpid(), getuid(), argc - 1);
  struct timespec a, b, d = {0, 10 * 1000 * 1000};
  clock_gettime(CLOCK_MONOTONIC, &a);
  nanosleep(&d, 0);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("  slept %.1f ms\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e6);
  size_t n = 1 << 20;
  unsigned char* p = malloc(n);
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)i;
  long sum = 0;
  for (size_t i = 0; i < n; i += 4093) sum += p[i];
  printf("  touched %zu KiB of heap (checksum %ld)\n", n / 1024, sum);
  /* A file in the record store: psx store cat shows it afterwards. */
  FILE* note = fopen("/tmp/demo-note.txt", "a");
  if (note) {
    fprintf(note, "written by the %s demo, pid %d\n", u.machine, getpid());
    fclose(note);
    printf("  appended a line to /tmp/demo-note.txt in the store\n");
  }
  printf("Every system call above was a message to a psx kernel process.\n");
  return 0;
}
