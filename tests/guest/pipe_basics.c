/* Pipes in one process: pipe and pipe2 (flags, bad flags, a bad array,
   EMFILE), fcntl's flags and pipe sizes, FIONREAD, reads and writes (vectored
   too), filling 64 KiB without blocking, poll and select readiness of both
   ends (with the console in the same call), end of file, EPIPE with SIGPIPE
   ignored, fstat, seeks and syncs, FIFOs made with mkfifo in the work
   directory (argv[1]), and last a write with SIGPIPE at its default action,
   which ends the program. Descriptor numbers are never printed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "workdir.h"

#define BAD ((void*)16)

static char buf[70000];

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void show_flags(const char* what, int fd) {
  int fl = fcntl(fd, F_GETFL), fd_fl = fcntl(fd, F_GETFD);
  printf("  %s: access=%d nonblock=%d direct=%d cloexec=%d\n", what, fl & O_ACCMODE, !!(fl & O_NONBLOCK),
         !!(fl & O_DIRECT), !!(fd_fl & FD_CLOEXEC));
}

static void show_poll(const char* what, int fd, short events) {
  struct pollfd p = {fd, events, 0};
  int n = poll(&p, 1, 0);
  printf("  poll %s: %d revents=0x%x\n", what, n, p.revents);
}

static void show_fionread(int fd) {
  int n = -1;
  int r = ioctl(fd, FIONREAD, &n);
  printf("  FIONREAD: %d bytes (r=%d)\n", n, r);
}

static void basics(void) {
  int p[2];
  printf("pipe:\n");
  CHECK(pipe(p));
  show_flags("read end", p[0]);
  show_flags("write end", p[1]);
  CHECK(write(p[1], "hello", 5));
  show_fionread(p[0]);
  show_fionread(p[1]);
  CHECK(read(p[0], buf, 3));
  CHECK(read(p[0], buf + 3, 100));
  printf("  got %.5s\n", buf);
  CHECK(read(p[0], buf, 0));
  CHECK(write(p[1], buf, 0));
  /* Vectored: a writev is one write; a readv takes what is there. */
  struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
  CHECK(writev(p[1], wv, 3));
  char x[2], y[10];
  struct iovec rv[2] = {{x, 2}, {y, 10}};
  CHECK(readv(p[0], rv, 2));
  printf("  readv: %.2s %.3s\n", x, y);
  /* The wrong end, seeks, syncs. */
  CHECK(write(p[0], "x", 1));
  CHECK(read(p[1], buf, 1));
  CHECK(lseek(p[0], 0, SEEK_CUR));
  CHECK(lseek(p[1], 10, SEEK_SET));
  CHECK(pread(p[0], buf, 1, 0));
  CHECK(pwrite(p[1], "x", 1, 0));
  CHECK(fsync(p[1]));
  CHECK(fdatasync(p[0]));
  CHECK(ftruncate(p[1], 0));
  CHECK(fallocate(p[1], 0, 0, 10));
  CHECK(ioctl(p[0], TIOCGWINSZ, buf));
  /* fstat: a FIFO of mine, mode 0600, the same inode at both ends. */
  struct stat a, b;
  CHECK(fstat(p[0], &a));
  CHECK(fstat(p[1], &b));
  printf("  fifo=%d mode=%o nlink=%ld size=%ld blksize=%ld mine=%d same inode=%d\n", S_ISFIFO(a.st_mode),
         (unsigned)(a.st_mode & 07777), (long)a.st_nlink, (long)a.st_size, (long)a.st_blksize, a.st_uid == getuid(),
         a.st_ino == b.st_ino && a.st_dev == b.st_dev);
  int q[2];
  pipe(q);
  struct stat c;
  fstat(q[0], &c);
  printf("  another pipe, another inode: %d\n", c.st_ino != a.st_ino);
  close(q[0]);
  close(q[1]);
  /* End of file once every write description is closed; a dup keeps it open. */
  CHECK(write(p[1], "abc", 3));
  int w2 = dup(p[1]);
  CHECK(close(p[1]));
  show_poll("read end, a writer left", p[0], POLLIN);
  CHECK(close(w2));
  show_poll("read end, no writer", p[0], POLLIN);
  CHECK(read(p[0], buf, 10));
  CHECK(read(p[0], buf, 10));
  show_poll("read end at end of file", p[0], POLLIN);
  CHECK(close(p[0]));
}

static void pipe2_flags(void) {
  int p[2];
  printf("pipe2:\n");
  CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
  show_flags("read end", p[0]);
  show_flags("write end", p[1]);
  CHECK(read(p[0], buf, 1));
  close(p[0]);
  close(p[1]);
  CHECK(pipe2(p, O_DIRECT));
  show_flags("read end", p[0]);
  show_flags("write end", p[1]);
  close(p[0]);
  close(p[1]);
  CHECK(pipe2(p, O_APPEND));
  CHECK(pipe2(p, 0x40000000));
  int before = dup(0);
  close(before);
  CHECK(syscall(SYS_pipe2, BAD, 0));
  int after = dup(0);
  close(after);
  printf("  no descriptor left behind: %d\n", before == after);
  /* EMFILE: room for one descriptor only. */
  struct rlimit rl, low;
  getrlimit(RLIMIT_NOFILE, &rl);
  low = rl;
  low.rlim_cur = (rlim_t)before + 1;
  setrlimit(RLIMIT_NOFILE, &low);
  CHECK(pipe(p));
  setrlimit(RLIMIT_NOFILE, &rl);
  after = dup(0);
  close(after);
  printf("  no descriptor left behind: %d\n", before == after);
  /* fcntl: F_SETFL changes O_NONBLOCK for later calls. */
  CHECK(pipe(p));
  CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK));
  show_flags("read end", p[0]);
  CHECK(read(p[0], buf, 1));
  CHECK(fcntl(p[0], F_SETFL, 0));
  show_flags("read end", p[0]);
  CHECK(fcntl(p[0], F_SETFD, FD_CLOEXEC));
  show_flags("read end", p[0]);
  close(p[0]);
  close(p[1]);
}

static void filling(void) {
  int p[2];
  printf("filling:\n");
  CHECK(pipe2(p, O_NONBLOCK));
  CHECK(fcntl(p[0], F_GETPIPE_SZ));
  long total = 0;
  ssize_t r;
  while ((r = write(p[1], buf, 4096)) > 0) total += r;
  printf("  wrote %ld bytes in 4096-byte writes, then %s\n", total, err_name(errno));
  show_fionread(p[0]);
  show_poll("full write end", p[1], POLLOUT);
  show_poll("full read end", p[0], POLLIN | POLLOUT);
  CHECK(write(p[1], buf, 1));
  total = 0;
  while ((r = read(p[0], buf, sizeof buf)) > 0) total += r;
  printf("  read %ld bytes back, then %s\n", total, err_name(errno));
  CHECK(write(p[1], buf, sizeof buf));
  CHECK(read(p[0], buf, sizeof buf));
  /* A smaller pipe. */
  CHECK(fcntl(p[1], F_SETPIPE_SZ, 5000));
  CHECK(fcntl(p[0], F_GETPIPE_SZ));
  CHECK(write(p[1], buf, sizeof buf));
  CHECK(fcntl(p[1], F_SETPIPE_SZ, 4096));
  CHECK(read(p[0], buf, sizeof buf));
  CHECK(fcntl(p[1], F_SETPIPE_SZ, 0));
  CHECK(fcntl(p[1], F_SETPIPE_SZ, (1 << 20) + 1));
  int null = open("/dev/null", O_RDONLY);
  CHECK(fcntl(null, F_GETPIPE_SZ));
  close(null);
  close(p[0]);
  close(p[1]);
}

static void readiness(void) {
  int p[2];
  printf("readiness:\n");
  CHECK(pipe(p));
  show_poll("empty read end", p[0], POLLIN);
  show_poll("empty write end", p[1], POLLIN | POLLOUT);
  CHECK(write(p[1], "z", 1));
  show_poll("read end with a byte", p[0], POLLIN | POLLOUT);
  struct pollfd two[3] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {1, POLLOUT, 0}};
  CHECK(poll(two, 3, 0));
  printf("  revents 0x%x 0x%x 0x%x\n", two[0].revents, two[1].revents, two[2].revents);
  fd_set rs, ws;
  FD_ZERO(&rs);
  FD_ZERO(&ws);
  FD_SET(p[0], &rs);
  FD_SET(p[1], &ws);
  struct timeval tv = {0, 0};
  CHECK(select(p[1] + 1, &rs, &ws, NULL, &tv));
  printf("  readable=%d writable=%d\n", FD_ISSET(p[0], &rs), FD_ISSET(p[1], &ws));
  CHECK(read(p[0], buf, 1));
  /* Nothing ready: a pipe alone, then with the console in the same call. */
  long long t0 = now_ms();
  struct pollfd one = {p[0], POLLIN, 0};
  CHECK(poll(&one, 1, 40));
  printf("  waited >= 35 ms: %d\n", now_ms() - t0 >= 35);
  t0 = now_ms();
  struct pollfd mixed[2] = {{1, POLLIN, 0}, {p[0], POLLIN, 0}};
  CHECK(poll(mixed, 2, 40));
  printf("  waited >= 35 ms: %d, revents 0x%x 0x%x\n", now_ms() - t0 >= 35, mixed[0].revents, mixed[1].revents);
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  tv = (struct timeval){0, 40000};
  t0 = now_ms();
  CHECK(select(p[0] + 1, &rs, NULL, NULL, &tv));
  printf("  waited >= 35 ms: %d, set empty: %d\n", now_ms() - t0 >= 35, !FD_ISSET(p[0], &rs));
  /* No reader: POLLERR at the write end, and EPIPE with SIGPIPE ignored. */
  CHECK(close(p[0]));
  show_poll("write end, no reader", p[1], POLLOUT);
  show_poll("write end, no reader, nothing asked", p[1], 0);
  signal(SIGPIPE, SIG_IGN);
  CHECK(write(p[1], "x", 1));
  struct iovec wv[2] = {{"ab", 2}, {"cd", 2}};
  CHECK(writev(p[1], wv, 2));
  signal(SIGPIPE, SIG_DFL);
  CHECK(close(p[1]));
}

static void fifos(const char* dir) {
  char path[300];
  snprintf(path, sizeof path, "%s/fifo", dir);
  printf("fifos:\n");
  CHECK(mkfifo(path, 0600));
  CHECK(mkfifo(path, 0600));
  struct stat st;
  CHECK(stat(path, &st));
  printf("  fifo=%d mode=%o size=%ld\n", S_ISFIFO(st.st_mode), (unsigned)(st.st_mode & 07777), (long)st.st_size);
  CHECK(open(path, O_WRONLY | O_NONBLOCK));
  int r = open(path, O_RDONLY | O_NONBLOCK);
  printf("  reader opened: %d\n", r >= 0);
  show_flags("reader", r);
  show_poll("reader, no writer yet", r, POLLIN);
  CHECK(read(r, buf, 10));
  int w = open(path, O_WRONLY | O_NONBLOCK);
  printf("  writer opened: %d\n", w >= 0);
  CHECK(write(w, "fifo!", 5));
  show_fionread(r);
  show_poll("reader with bytes", r, POLLIN);
  CHECK(read(r, buf, 10));
  printf("  got %.5s\n", buf);
  CHECK(close(w));
  show_poll("reader, the writer left", r, POLLIN);
  CHECK(read(r, buf, 10));
  CHECK(fstat(r, &st));
  printf("  fifo=%d mode=%o size=%ld\n", S_ISFIFO(st.st_mode), (unsigned)(st.st_mode & 07777), (long)st.st_size);
  CHECK(lseek(r, 0, SEEK_SET));
  /* O_RDWR never waits, and is both ends at once. */
  int rw = open(path, O_RDWR);
  printf("  read-write opened: %d\n", rw >= 0);
  CHECK(write(rw, "xy", 2));
  CHECK(read(r, buf, 1));
  CHECK(read(rw, buf, 10));
  show_poll("read-write", rw, POLLIN | POLLOUT);
  CHECK(close(r));
  CHECK(write(rw, "left", 4));
  CHECK(close(rw));
  /* Nobody has it open: the bytes are gone. */
  rw = open(path, O_RDWR | O_NONBLOCK);
  show_fionread(rw);
  CHECK(read(rw, buf, 10));
  CHECK(close(rw));
  CHECK(unlink(path));
}

int main(int argc, char** argv) {
  char dir[256];
  if (!workdir_from_args(argc, argv, dir, sizeof dir, "/tmp/psx-pipe-XXXXXX")) return 1;
  basics();
  pipe2_flags();
  filling();
  readiness();
  fifos(dir);
  if (argc <= 1) rmdir(dir);
  /* Last: SIGPIPE at its default action ends the program. */
  int p[2];
  pipe(p);
  close(p[0]);
  printf("writing with no reader, SIGPIPE at its default action\n");
  fflush(stdout);
  write(p[1], "x", 1);
  printf("not reached\n");
  return 0;
}
