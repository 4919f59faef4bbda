/* /proc as a single process sees it: its exe link, its descriptors, cwd and
   cmdline, its stat and status lines, the /proc listing, the host's meminfo
   and cpuinfo, and the errors of names that are not there; then the process
   table calls a process without children can make. Prints booleans and
   errno names, never pids or paths (they differ between the runs). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char text[65536];

/* The whole of a file, NUL-terminated; its length or -1. */
static long slurp(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  long n = 0;
  ssize_t r;
  while (n < (long)sizeof text - 1 && (r = read(fd, text + n, sizeof text - 1 - (size_t)n)) > 0) n += r;
  close(fd);
  text[n] = 0;
  return n;
}

static int listed(const char* dir, const char* name) {
  DIR* d = opendir(dir);
  if (!d) return 0;
  int found = 0;
  for (struct dirent* e; (e = readdir(d));)
    if (!strcmp(e->d_name, name)) found = 1;
  closedir(d);
  return found;
}

static int listed_fd(int fd) {
  char name[16];
  snprintf(name, sizeof name, "%d", fd);
  return listed("/proc/self/fd", name);
}

/* The value after "Key:\t" in /proc/self/status, or -1. */
static long status_field(const char* key) {
  if (slurp("/proc/self/status") < 0) return -1;
  char want[64];
  snprintf(want, sizeof want, "\n%s:\t", key);
  char* at = strstr(text, want);
  return at ? atol(at + strlen(want)) : -1;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char* name = strrchr(argv[0], '/');
  name = name ? name + 1 : argv[0];

  /* exe */
  char link[4096], link2[4096], path[64];
  ssize_t n = readlink("/proc/self/exe", link, sizeof link);
  size_t ln = strlen(name);
  printf("readlink /proc/self/exe ends with /%s: %d\n", name,
         n > (ssize_t)ln && link[n - (ssize_t)ln - 1] == '/' && !memcmp(link + n - ln, name, ln));
  snprintf(path, sizeof path, "/proc/%d/exe", getpid());
  ssize_t n2 = readlink(path, link2, sizeof link2);
  printf("/proc/PID/exe is the same: %d\n", n2 == n && !memcmp(link, link2, (size_t)n));
  char small[4];
  printf("a short buffer truncates: %d\n", readlink("/proc/self/exe", small, sizeof small) == 4);
  struct stat st;
  printf("lstat exe is a link: %d\n", lstat("/proc/self/exe", &st) == 0 && S_ISLNK(st.st_mode));

  /* self */
  char self[32];
  ssize_t sn = readlink("/proc/self", self, sizeof self - 1);
  self[sn > 0 ? sn : 0] = 0;
  printf("/proc/self names getpid(): %d\n", sn > 0 && atoi(self) == getpid());
  printf("/proc/self is a directory: %d\n", stat("/proc/self", &st) == 0 && S_ISDIR(st.st_mode));
  printf("lstat /proc/self is a link: %d\n", lstat("/proc/self", &st) == 0 && S_ISLNK(st.st_mode));

  /* fd */
  int root = open("/", O_RDONLY | O_DIRECTORY);
  printf("/proc/self/fd lists 0 1 2: %d\n", listed_fd(0) && listed_fd(1) && listed_fd(2));
  printf("and the opened directory: %d\n", listed_fd(root));
  DIR* d = opendir("/proc/self/fd");
  printf("and the listing's own descriptor: %d\n", d && listed_fd(dirfd(d)));
  if (d) closedir(d);
  snprintf(path, sizeof path, "/proc/self/fd/%d", root);
  n = readlink(path, link, sizeof link);
  printf("fd of / reads as /: %d\n", n == 1 && link[0] == '/');
  struct stat via, direct;
  printf("stat of fd/1 is fstat(1): %d\n",
         stat("/proc/self/fd/1", &via) == 0 && fstat(1, &direct) == 0 && via.st_ino == direct.st_ino &&
             via.st_dev == direct.st_dev);
  printf("lstat of fd/1 is a link: %d\n", lstat("/proc/self/fd/1", &via) == 0 && S_ISLNK(via.st_mode));
  /* A number well above the ones opendir takes next. */
  int high = dup2(root, 100);
  close(high);
  printf("a closed one is gone: %d\n", high == 100 && !listed_fd(100));
  CHECK(readlink("/proc/self/fd/100", link, sizeof link));
  close(root);

  /* cwd and cmdline */
  char cwd[4096];
  n = readlink("/proc/self/cwd", link, sizeof link);
  printf("cwd is getcwd(): %d\n", n > 0 && getcwd(cwd, sizeof cwd) && strlen(cwd) == (size_t)n &&
                                      !memcmp(cwd, link, (size_t)n));
  long len = slurp("/proc/self/cmdline");
  long want = 0;
  for (int i = 0; i < argc; i++) want += (long)strlen(argv[i]) + 1;
  int same = len == want;
  for (long at = 0, i = 0; same && i < argc; at += (long)strlen(argv[i]) + 1, i++) same = !strcmp(text + at, argv[i]);
  printf("cmdline is argv: %d\n", same);

  /* stat: pid (comm) state ppid pgrp session ... 52 fields */
  len = slurp("/proc/self/stat");
  char* close_paren = len > 0 ? strrchr(text, ')') : NULL;
  printf("stat's pid field is getpid(): %d\n", len > 0 && atoi(text) == getpid());
  if (close_paren) {
    char state;
    int ppid, pgrp, sid;
    int got = sscanf(close_paren + 1, " %c %d %d %d", &state, &ppid, &pgrp, &sid);
    printf("stat: running %d, ppid %d, pgrp %d, session %d\n", got == 4 && state == 'R', ppid == getppid(),
           pgrp == getpgrp(), sid == getsid(0));
    int fields = 2;
    for (char* c = close_paren + 1; *c; c++) fields += *c == ' ';
    printf("stat has 52 fields: %d\n", fields == 52);
  }
  printf("status: Pid %d, PPid %d, Uid %d\n", status_field("Pid") == getpid(), status_field("PPid") == getppid(),
         status_field("Uid") == (long)getuid());

  /* the listing and the host's files */
  char me[16];
  snprintf(me, sizeof me, "%d", getpid());
  printf("/proc lists self and this process: %d %d\n", listed("/proc", "self"), listed("/proc", me));
  printf("/proc/self lists exe, fd, stat, status: %d\n", listed("/proc/self", "exe") && listed("/proc/self", "fd") &&
                                                            listed("/proc/self", "stat") && listed("/proc/self", "status"));
  printf("meminfo has MemTotal: %d\n", slurp("/proc/meminfo") > 0 && strstr(text, "MemTotal:") != NULL);
  printf("cpuinfo has processor: %d\n", slurp("/proc/cpuinfo") > 0 && strstr(text, "processor") != NULL);

  /* names that are not there */
  CHECK(open("/proc/self/nosuch", O_RDONLY));
  CHECK(open("/proc/999999999/stat", O_RDONLY));
  CHECK(open("/proc/self/stat/x", O_RDONLY));
  CHECK(open("/proc/self/stat", O_RDONLY | O_DIRECTORY));
  CHECK(readlink("/proc/self/stat", link, sizeof link));
  CHECK(access("/proc/self/nosuch", F_OK));
  CHECK(access("/proc/self/stat", R_OK));
  slurp("/proc/self/stat");
  int fd = open("/proc/self/stat", O_RDONLY);
  CHECK(lseek(fd, 0, SEEK_END));
  CHECK(lseek(fd, 5, SEEK_SET));
  char five[6] = {0};
  printf("read after seeking continues the text: %d\n", read(fd, five, 5) == 5 && !memcmp(five, text + 5, 5));
  close(fd);

  /* The process table as a process without children sees it. */
  siginfo_t si;
  CHECK(waitpid(-1, NULL, WNOHANG));
  CHECK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG));
  CHECK(waitid(P_ALL, 0, &si, WNOHANG));
  CHECK(getpgid(0) == getpgrp());
  /* musl's getpgrp() asks getpgid(0); x86-64 also has the call itself. */
#ifdef SYS_getpgrp
  long own_group = syscall(SYS_getpgrp);
#else
  long own_group = getpgid(0);
#endif
  CHECK(own_group == getpgrp());
  CHECK(getsid(0) == getsid(getpid()));
  CHECK(getpgid(999999999));
  CHECK(setpgid(0, -1));
  return 0;
}
