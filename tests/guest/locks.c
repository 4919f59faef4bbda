/* Advisory locks in one process: fcntl F_GETLK/F_SETLK/F_SETLKW (a process's
   own locks never conflict with themselves), OFD locks (which do conflict
   between open file descriptions, and with the process's POSIX locks), the
   POSIX rule that any close drops the process's locks, flock between
   descriptions, and the errno cases. argv[1]: a work directory to create
   (else one under /tmp). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "workdir.h"

#define BAD ((void*)16)

static struct flock lk(short type, short whence, long long start, long long len) {
  struct flock f;
  memset(&f, 0, sizeof f);
  f.l_type = type;
  f.l_whence = whence;
  f.l_start = start;
  f.l_len = len;
  return f;
}

static void show(const struct flock* f, int pid_is_mine) {
  const char* t = f->l_type == F_RDLCK ? "F_RDLCK" : f->l_type == F_WRLCK ? "F_WRLCK" : f->l_type == F_UNLCK ? "F_UNLCK" : "?";
  if (f->l_type == F_UNLCK)
    printf("  %s\n", t);
  else
    printf("  %s whence %d start %lld len %lld pid %s\n", t, f->l_whence, (long long)f->l_start, (long long)f->l_len,
           pid_is_mine ? (f->l_pid == getpid() ? "mine" : "other") : (f->l_pid == -1 ? "-1" : "?"));
}

int main(int argc, char** argv) {
  char dir[256], path[300];
  if (!workdir_from_args(argc, argv, dir, sizeof dir, "/tmp/psx-locks-XXXXXX")) return 1;
  snprintf(path, sizeof path, "%s/db", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  char data[100];
  memset(data, 'd', sizeof data);
  write(fd, data, sizeof data);

  /* One process: unlocked, then its own locks never conflict. */
  struct flock f = lk(F_WRLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(fd, F_GETLK, &f));
  show(&f, 1);
  f = lk(F_WRLCK, SEEK_SET, 0, 10);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, 5, 10);
  CHECK(fcntl(fd, F_SETLKW, &f));
  f = lk(F_WRLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(fd, F_GETLK, &f));
  show(&f, 1);
  f = lk(F_UNLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(fd, F_SETLK, &f));

  /* Arguments. */
  f = lk(99, SEEK_SET, 0, 0);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_UNLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(fd, F_GETLK, &f));
  f = lk(99, SEEK_SET, 0, 0);
  CHECK(fcntl(fd, F_GETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, -1, 0);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_RDLCK, 7, 0, 0);
  CHECK(fcntl(fd, F_SETLK, &f));
  lseek(fd, 10, SEEK_SET);
  f = lk(F_RDLCK, SEEK_CUR, -20, 5);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_RDLCK, SEEK_CUR, -10, 5);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_RDLCK, SEEK_END, -200, 0);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_RDLCK, SEEK_END, -50, 10);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, 5, -10);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, 10, -5);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, LLONG_MAX, 2);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_RDLCK, SEEK_CUR, LLONG_MAX, 0);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_UNLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(fd, F_SETLK, &f));
  CHECK(fcntl(99, F_SETLK, &f));
  CHECK(fcntl(fd, F_SETLK, BAD));
  CHECK(fcntl(fd, F_GETLK, BAD));

  /* The access mode must allow the lock's type (F_GETLK only asks). */
  int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
  f = lk(F_WRLCK, SEEK_SET, 0, 1);
  CHECK(fcntl(ro, F_SETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, 0, 1);
  CHECK(fcntl(wo, F_SETLK, &f));
  f = lk(F_WRLCK, SEEK_SET, 0, 1);
  CHECK(fcntl(ro, F_GETLK, &f));
  show(&f, 1);
  f = lk(F_UNLCK, SEEK_SET, 0, 1);
  CHECK(fcntl(ro, F_SETLK, &f));

  /* OFD locks belong to the open file description. */
  int a = open(path, O_RDWR), b = open(path, O_RDWR);
  f = lk(F_WRLCK, SEEK_SET, 0, 10);
  CHECK(fcntl(a, F_OFD_SETLK, &f));
  f = lk(F_WRLCK, SEEK_SET, 5, 10);
  CHECK(fcntl(b, F_OFD_SETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, 5, 10);
  CHECK(fcntl(b, F_OFD_GETLK, &f));
  show(&f, 0);
  f = lk(F_WRLCK, SEEK_SET, 5, 10);
  f.l_pid = 1;
  CHECK(fcntl(b, F_OFD_SETLK, &f));
  CHECK(fcntl(b, F_OFD_GETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, 20, 10);
  CHECK(fcntl(b, F_OFD_SETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, 20, 10);
  CHECK(fcntl(a, F_OFD_SETLKW, &f));
  f = lk(F_UNLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(a, F_OFD_SETLK, &f));
  f = lk(F_WRLCK, SEEK_SET, 5, 10);
  CHECK(fcntl(b, F_OFD_SETLK, &f));
  f = lk(F_UNLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(b, F_OFD_SETLK, &f));

  /* The process's POSIX locks conflict with its OFD locks; adjacent ones merge. */
  f = lk(F_RDLCK, SEEK_SET, 50, 10);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, 60, 10);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_WRLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(b, F_OFD_GETLK, &f));
  show(&f, 1);
  f = lk(F_WRLCK, SEEK_SET, 55, 1);
  CHECK(fcntl(b, F_OFD_SETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, 55, 1);
  CHECK(fcntl(b, F_OFD_SETLK, &f));
  f = lk(F_UNLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(b, F_OFD_SETLK, &f));
  f = lk(F_WRLCK, SEEK_SET, 58, 4);
  CHECK(fcntl(fd, F_SETLK, &f));
  f = lk(F_RDLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(b, F_OFD_GETLK, &f));
  show(&f, 1);

  /* Closing any descriptor of the file drops the process's POSIX locks. */
  int c = open(path, O_RDONLY);
  CHECK(close(c));
  f = lk(F_WRLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(b, F_OFD_GETLK, &f));
  show(&f, 1);

  /* flock: between descriptions; a dup shares its description's lock. */
  CHECK(flock(a, LOCK_EX | LOCK_NB));
  CHECK(flock(b, LOCK_SH | LOCK_NB));
  int a2 = dup(a);
  CHECK(flock(a2, LOCK_EX | LOCK_NB));
  CHECK(flock(a, LOCK_UN));
  CHECK(flock(b, LOCK_SH | LOCK_NB));
  CHECK(flock(a, LOCK_SH));
  CHECK(flock(a, LOCK_EX | LOCK_NB));
  CHECK(flock(b, LOCK_EX | LOCK_NB));
  CHECK(flock(b, LOCK_UN));
  CHECK(flock(ro, LOCK_EX));
  CHECK(flock(ro, LOCK_UN));
  CHECK(flock(a, LOCK_SH | LOCK_EX));
  CHECK(flock(99, LOCK_EX));
  CHECK(flock(99, LOCK_SH | LOCK_EX));
  /* flock and record locks do not see each other. */
  CHECK(flock(a, LOCK_EX | LOCK_NB));
  f = lk(F_WRLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(b, F_OFD_SETLK, &f));
  /* The last close of a description drops its flock and OFD locks. */
  close(a);
  CHECK(flock(wo, LOCK_EX | LOCK_NB));
  close(a2);
  CHECK(flock(wo, LOCK_EX | LOCK_NB));
  close(b);
  f = lk(F_WRLCK, SEEK_SET, 0, 0);
  CHECK(fcntl(wo, F_OFD_SETLK, &f));

  close(wo);
  close(ro);
  close(fd);
  unlink(path);
  if (argc <= 1) rmdir(dir);
  return 0;
}
