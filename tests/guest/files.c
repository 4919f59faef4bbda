/* Files in depth: open flags, reads and writes at offsets, holes, appends,
   truncation, directories, renames, links, symlinks, permissions, times,
   directory listings, devices — each result and errno printed. argv[1] is a
   working directory (created if missing). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "workdir.h"

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
/* The raw call: musl 1.2.3 (x86-64) has no renameat2() wrapper, 1.2.5 does. */
static long rename2(int od, const char* o, int nd, const char* n, unsigned flags) {
  return syscall(SYS_renameat2, od, o, nd, n, flags);
}

static int cmp(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

/* Names in a directory, sorted (orders differ between filesystems). */
static void list(const char* dir) {
  DIR* d = opendir(dir);
  if (!d) {
    printf("opendir %s: %s\n", dir, err_name(errno));
    return;
  }
  char* names[256];
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) && n < 256) names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof names[0], cmp);
  printf("ls %s:", dir);
  for (int i = 0; i < n; i++) printf(" %s", names[i]);
  printf("\n");
}

static void show(const char* path) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    printf("lstat %s: %s\n", path, err_name(errno));
    return;
  }
  printf("lstat %s: type=%o perm=%o nlink=%ld size=%lld uid=%d\n", path, st.st_mode & S_IFMT, st.st_mode & 07777,
         S_ISDIR(st.st_mode) ? 0L : (long)st.st_nlink, S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size,
         (int)st.st_uid);
}

static void cat(const char* path) {
  char buf[256];
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("cat %s: %s\n", path, err_name(errno));
    return;
  }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n < 0 ? 0 : n] = 0;
  printf("cat %s: [%s]\n", path, buf);
}

int main(int argc, char** argv) {
  const char* root = argc > 1 ? argv[1] : "/tmp/files-test";
  CHECK(enter_workdir(root));
  umask(022);

  /* open flags */
  CHECK(open("missing", O_RDONLY));
  int fd;
  CHECK(fd = open("a", O_CREAT | O_WRONLY | O_TRUNC, 0666));
  CHECK(write(fd, "hello world\n", 12));
  CHECK(close(fd));
  CHECK(open("a", O_CREAT | O_EXCL | O_WRONLY, 0644));
  CHECK(open("a", O_RDONLY | O_DIRECTORY));
  CHECK(open("a/b", O_RDONLY));
  CHECK(open(".", O_WRONLY));
  char longname[300];
  memset(longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  CHECK(open(longname, O_CREAT | O_WRONLY, 0644));
  show("a");
  cat("a");

  /* offsets, pread/pwrite, readv/writev, append, holes, truncate */
  CHECK(fd = open("a", O_RDWR));
  CHECK(lseek(fd, 6, SEEK_SET));
  CHECK(write(fd, "WORLD", 5));
  CHECK(lseek(fd, 0, SEEK_CUR));
  CHECK(lseek(fd, -3, SEEK_END));
  CHECK(lseek(fd, -100, SEEK_SET));
  char buf[64] = {0};
  CHECK(pread(fd, buf, 5, 0));
  printf("pread: [%s]\n", buf);
  CHECK(pwrite(fd, "J", 1, 0));
  CHECK(lseek(fd, 0, SEEK_CUR));
  struct iovec iov[2] = {{"AB", 2}, {"CD", 2}};
  CHECK(lseek(fd, 0, SEEK_END));
  CHECK(writev(fd, iov, 2));
  char x1[3] = {0}, x2[5] = {0};
  struct iovec rv[2] = {{x1, 2}, {x2, 4}};
  CHECK(preadv(fd, rv, 2, 0));
  printf("preadv: [%s][%s]\n", x1, x2);
  CHECK(ftruncate(fd, 4));
  CHECK(close(fd));
  cat("a");
  CHECK(fd = open("a", O_WRONLY | O_APPEND));
  CHECK(write(fd, "+app", 4));
  CHECK(lseek(fd, 0, SEEK_SET));
  CHECK(write(fd, "+end", 4));
  CHECK(close(fd));
  cat("a");
  CHECK(fd = open("holes", O_CREAT | O_RDWR, 0600));
  CHECK(pwrite(fd, "tail", 4, 100000));
  CHECK(pread(fd, buf, 8, 50000));
  printf("hole bytes zero: %d\n", buf[0] == 0 && buf[7] == 0);
  CHECK(ftruncate(fd, 200000));
  CHECK(pread(fd, buf, 4, 100000));
  CHECK(ftruncate(fd, 100002));
  CHECK(pread(fd, buf, 8, 100000));
  CHECK(close(fd));
  show("holes");
  CHECK(truncate("holes", 3));
  show("holes");
  CHECK(truncate("holes", -1));
  CHECK(fd = open("a", O_RDONLY));
  CHECK(ftruncate(fd, 0));
  CHECK(write(fd, "x", 1));
  CHECK(close(fd));
  CHECK(open("a", O_WRONLY | O_TRUNC));
  show("a");

  /* directories */
  CHECK(mkdir("d", 0750));
  CHECK(mkdir("d", 0750));
  CHECK(mkdir("d/e/f", 0755));
  CHECK(mkdir("d/e", 0777));
  CHECK(rmdir("d"));
  CHECK(rmdir("a"));
  CHECK(unlink("d"));
  CHECK(rmdir("d/e/."));
  CHECK(mkdir("a/z", 0755));
  show("d");
  show("d/e");
  list(".");

  /* renames */
  CHECK(fd = open("r1", O_CREAT | O_WRONLY, 0644));
  CHECK(write(fd, "one", 3));
  CHECK(close(fd));
  CHECK(fd = open("r2", O_CREAT | O_WRONLY, 0644));
  CHECK(write(fd, "two", 3));
  CHECK(close(fd));
  CHECK(rename("r1", "r2"));
  cat("r2");
  show("r1");
  CHECK(rename("missing", "r3"));
  CHECK(rename("d", "d/e/inside"));
  CHECK(rename("r2", "d"));
  CHECK(mkdir("empty", 0755));
  CHECK(rename("d/e", "empty"));
  CHECK(mkdir("full", 0755));
  CHECK(mkdir("full/x", 0755));
  CHECK(rename("empty", "full"));
  CHECK(rename2(AT_FDCWD, "r2", AT_FDCWD, "d/r2", RENAME_NOREPLACE));
  CHECK(rename2(AT_FDCWD, "d/r2", AT_FDCWD, "empty", RENAME_EXCHANGE));
  show("empty");
  show("d/r2");
  CHECK(rename2(AT_FDCWD, "empty", AT_FDCWD, "d/r2", RENAME_EXCHANGE));
  CHECK(rename2(AT_FDCWD, "d/r2", AT_FDCWD, "full", RENAME_NOREPLACE));
  list("d");

  /* links and symlinks */
  CHECK(link("d/r2", "hard"));
  show("hard");
  CHECK(link("d", "dirlink"));
  CHECK(link("missing", "x"));
  CHECK(symlink("d/r2", "soft"));
  CHECK(symlink("nowhere", "dangling"));
  CHECK(symlink("loop2", "loop1"));
  CHECK(symlink("loop1", "loop2"));
  char target[64] = {0};
  CHECK(readlink("soft", target, sizeof target));
  printf("readlink: [%s]\n", target);
  CHECK(readlink("hard", target, sizeof target));
  CHECK(readlink("soft", target, 0));
  cat("soft");
  cat("dangling");
  cat("loop1");
  CHECK(open("soft", O_RDONLY | O_NOFOLLOW));
  show("soft");
  CHECK(unlink("hard"));
  show("d/r2");

  /* permissions, ownership, times */
  CHECK(chmod("d/r2", 0600));
  show("d/r2");
  CHECK(fd = open("d/r2", O_RDONLY));
  CHECK(fchmod(fd, 0640));
  CHECK(fchown(fd, getuid(), getgid()));
  CHECK(close(fd));
  show("d/r2");
  CHECK(chmod("missing", 0600));
  CHECK(access("d/r2", R_OK));
  CHECK(access("d/r2", F_OK));
  CHECK(access("missing", F_OK));
  CHECK(access("d/r2", 0x40));
  struct timespec ts[2] = {{1000000000, 0}, {1234567890, 500}};
  CHECK(utimensat(AT_FDCWD, "d/r2", ts, 0));
  struct stat st;
  CHECK(stat("d/r2", &st));
  printf("mtime: %lld.%09ld atime: %lld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
         (long long)st.st_atim.tv_sec);
  struct timespec bad[2] = {{0, 2000000000}, {0, 0}};
  CHECK(utimensat(AT_FDCWD, "d/r2", bad, 0));
  CHECK(fd = open("umask", O_CREAT | O_WRONLY, 0777));
  CHECK(close(fd));
  show("umask");
  CHECK(umask(077));
  CHECK(mkdir("private", 0777));
  show("private");
  CHECK(umask(022));

  /* unlink while open: the data lives until the last close */
  CHECK(fd = open("tmpfile", O_CREAT | O_RDWR, 0600));
  CHECK(write(fd, "ghost", 5));
  CHECK(unlink("tmpfile"));
  CHECK(fstat(fd, &st));
  printf("unlinked: nlink=%ld size=%lld\n", (long)st.st_nlink, (long long)st.st_size);
  CHECK(pread(fd, buf, 5, 0));
  CHECK(close(fd));
  show("tmpfile");

  /* getcwd, fchdir, *at calls */
  char cwd[512];
  CHECK(getcwd(cwd, sizeof cwd) != NULL);
  printf("cwd ends with root: %d\n", strcmp(cwd, root) == 0);
  CHECK(getcwd(cwd, 2) != NULL);
  int dfd;
  CHECK(dfd = open("d", O_RDONLY | O_DIRECTORY));
  CHECK(mkdirat(dfd, "sub", 0755));
  CHECK(fd = openat(dfd, "sub/f", O_CREAT | O_WRONLY, 0644));
  CHECK(close(fd));
  CHECK(fstatat(dfd, "sub/f", &st, 0));
  CHECK(fstatat(dfd, "", &st, AT_EMPTY_PATH));
  printf("fstatat empty is dir: %d\n", S_ISDIR(st.st_mode));
  CHECK(unlinkat(dfd, "sub", 0));
  CHECK(unlinkat(dfd, "sub", AT_REMOVEDIR));
  CHECK(unlinkat(dfd, "sub/f", 0));
  CHECK(unlinkat(dfd, "sub", AT_REMOVEDIR));
  CHECK(fchdir(dfd));
  CHECK(getcwd(cwd, sizeof cwd) != NULL);
  printf("after fchdir: ends with /d: %d\n", strlen(cwd) >= 2 && strcmp(cwd + strlen(cwd) - 2, "/d") == 0);
  CHECK(chdir(".."));
  CHECK(close(dfd));
  CHECK(fchdir(0));
  CHECK(chdir("d/r2"));

  /* devices */
  CHECK(fd = open("/dev/null", O_RDWR));
  CHECK(write(fd, "gone", 4));
  CHECK(read(fd, buf, 10));
  CHECK(close(fd));
  CHECK(fd = open("/dev/zero", O_RDONLY));
  memset(buf, 7, 16);
  CHECK(read(fd, buf, 16));
  printf("zeros: %d\n", buf[0] == 0 && buf[15] == 0);
  CHECK(close(fd));
  CHECK(fd = open("/dev/full", O_WRONLY));
  CHECK(write(fd, "x", 1));
  CHECK(close(fd));
  CHECK(fd = open("/dev/urandom", O_RDONLY));
  CHECK(read(fd, buf, 32));
  CHECK(close(fd));
  CHECK(fsync(1));
  CHECK(mknod("fifo", S_IFIFO | 0644, 0));
  show("fifo");
  CHECK(fd = open("d/r2", O_RDONLY));
  CHECK(fsync(fd));
  CHECK(fdatasync(fd));
  CHECK(close(fd));
  sync();
  list(".");
  return 0;
}
