/* Pipes between processes: a three-process pipeline carrying 1 MiB, EOF only
   when every writer (inherited copies too) has closed, SIGPIPE and EPIPE for
   writers without readers, a program exec'd with pipes on its stdin and
   stdout, and PIPE_BUF atomicity with four concurrent writers.

   usage: pipes_procs SECTIONS SELF
     SECTIONS  comma-separated names of the sections below, or "all"
     SELF      this program's own path in the world it runs in ("+cat" mode:
               copies stdin to stdout)
   Prints results, statuses and errno names, never pids or timings. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "proc_util.h"

static const char* self;

/* A deterministic byte stream and its FNV-1a digest. */
static unsigned char pattern_byte(size_t i) { return (unsigned char)((i * 2654435761u) >> 13); }
static uint64_t fnv(uint64_t h, const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}
#define FNV_START 14695981039346656037ull

static int write_all(int fd, const void* buf, size_t n) {
  const char* p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Writes `total` bytes of the pattern in chunks of changing sizes. */
static void write_pattern(int fd, size_t total) {
  static unsigned char chunk[70000];
  static const size_t sizes[] = {1, 4096, 65536, 7, 4097, 69999, 512, 100};
  size_t done = 0;
  for (int k = 0; done < total; k++) {
    size_t n = sizes[k % 8];
    if (n > total - done) n = total - done;
    for (size_t i = 0; i < n; i++) chunk[i] = pattern_byte(done + i);
    if (write_all(fd, chunk, n) < 0) return;
    done += n;
  }
}

/* Reads to EOF: the byte count and digest. */
static size_t read_digest(int fd, uint64_t* h) {
  static unsigned char buf[30000];
  size_t total = 0;
  ssize_t n;
  *h = FNV_START;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    *h = fnv(*h, buf, (size_t)n);
    total += (size_t)n;
  }
  return total;
}

static uint64_t pattern_digest(size_t total) {
  uint64_t h = FNV_START;
  for (size_t i = 0; i < total; i++) {
    unsigned char b = pattern_byte(i);
    h = fnv(h, &b, 1);
  }
  return h;
}

static int cat_mode(void) {
  char buf[8192];
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0)
    if (write_all(1, buf, (size_t)n) < 0) return 1;
  return n < 0 ? 1 : 0;
}

/* parent -> child -> grandchild: the child copies, the grandchild checks. */
static void pipeline(void) {
  const size_t total = 1 << 20;
  int p1[2], p2[2];
  pipe(p1);
  pipe(p2);
  pid_t a = xfork();
  if (a == 0) {
    close(p1[1]);
    pid_t b = fork();
    if (b == 0) {
      close(p1[0]);
      close(p2[1]);
      uint64_t h;
      size_t got = read_digest(p2[0], &h);
      printf("  grandchild: %zu bytes, digest %016llx, as sent %d\n", got, (unsigned long long)h,
             h == pattern_digest(total));
      _exit(0);
    }
    close(p2[0]);
    char buf[5000]; /* odd size: reads and writes do not line up with the sender's */
    ssize_t n;
    size_t copied = 0;
    while ((n = read(p1[0], buf, sizeof buf)) > 0) {
      write_all(p2[1], buf, (size_t)n);
      copied += (size_t)n;
    }
    close(p2[1]);
    int st;
    waitpid(b, &st, 0);
    printf("  child copied %zu bytes; grandchild %s\n", copied, status_str(st));
    _exit(0);
  }
  close(p1[0]);
  close(p2[0]);
  close(p2[1]);
  write_pattern(p1[1], total);
  close(p1[1]);
  printf("pipeline child: %s\n", reap(a));
}

static void eof(void) {
  int p[2], go[2];
  pipe(p);
  pipe(go);
  pid_t c = xfork();
  if (c == 0) { /* holds an inherited write end until told to go */
    char ch;
    close(p[0]);
    close(go[1]);
    write(p[1], "data", 4);
    read(go[0], &ch, 1);
    _exit(0);
  }
  close(p[1]);
  close(go[0]);
  char buf[16];
  CHECK(read(p[0], buf, sizeof buf));
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  CHECK(read(p[0], buf, sizeof buf)); /* our write end is closed, the child's is not */
  struct pollfd pf = {p[0], POLLIN, 0};
  CHECK(poll(&pf, 1, 0));
  write(go[1], "x", 1);
  close(go[1]);
  printf("writer: %s\n", reap(c));
  CHECK(poll(&pf, 1, 0));
  printf("  revents POLLHUP %d POLLIN %d\n", !!(pf.revents & POLLHUP), !!(pf.revents & POLLIN));
  CHECK(read(p[0], buf, sizeof buf)); /* the last writer is gone: EOF */
  close(p[0]);

  /* A reader blocked while a grandchild holds the last copy of the write end. */
  pipe(p);
  c = xfork();
  if (c == 0) {
    close(p[0]);
    pid_t g = fork();
    if (g == 0) {
      struct timespec ts = {0, 50000000};
      nanosleep(&ts, NULL);
      write(p[1], "late", 4);
      _exit(0); /* the last write end closes here */
    }
    _exit(0);
  }
  close(p[1]);
  printf("middle: %s\n", reap(c));
  ssize_t n, total = 0;
  while ((n = read(p[0], buf, sizeof buf)) > 0) total += n;
  printf("read %zd bytes from the grandchild, then %zd\n", total, n);
  close(p[0]);
}

static void sigpipe(void) {
  int p[2];
  pipe(p);
  close(p[0]); /* no reader at all */
  pid_t w = xfork();
  if (w == 0) {
    write(p[1], "x", 1);
    _exit(0);
  }
  printf("writer with no reader: %s\n", reap(w));

  w = xfork();
  if (w == 0) {
    signal(SIGPIPE, SIG_IGN);
    ssize_t r = write(p[1], "x", 1);
    _exit(r < 0 && errno == EPIPE ? 32 : 1);
  }
  printf("writer ignoring SIGPIPE (exits 32 on EPIPE): %s\n", reap(w));
  close(p[1]);

  /* The reader goes away while the writer is parked on a full pipe. */
  pipe(p);
  w = xfork();
  if (w == 0) {
    close(p[0]);
    write_pattern(p[1], 1 << 20);
    _exit(0);
  }
  close(p[1]);
  char buf[10];
  ssize_t got = read(p[0], buf, sizeof buf);
  struct timespec ts = {0, 50000000}; /* the writer fills the pipe and parks */
  nanosleep(&ts, NULL);
  close(p[0]);
  printf("read some %d, closed the reader: writer %s\n", got > 0, reap(w));
}

/* dup2 onto stdin and stdout, then exec this program as cat. */
static void exec_cat(void) {
  const size_t total = 200000;
  int in[2], out[2];
  pipe(in);
  pipe(out);
  pid_t c = xfork();
  if (c == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    char* args[] = {(char*)self, "+cat", NULL};
    char* env[] = {NULL};
    execve(self, args, env);
    _exit(127);
  }
  pid_t w = xfork();
  if (w == 0) { /* a writer of its own, so that nobody waits on a full pipe */
    close(in[0]);
    close(out[0]);
    close(out[1]);
    write_pattern(in[1], total);
    _exit(0);
  }
  close(in[0]);
  close(in[1]);
  close(out[1]);
  uint64_t h;
  size_t got = read_digest(out[0], &h);
  close(out[0]);
  printf("cat returned %zu bytes, as sent %d\n", got, h == pattern_digest(total));
  printf("writer: %s\n", reap(w));
  printf("cat: %s\n", reap(c));
}

/* Four writers, 2000 records of 512 bytes each: every record arrives whole. */
enum { kWriters = 4, kRecords = 2000, kRecSize = 512 };

static void fill_record(unsigned char* r, int writer, int seq) {
  r[0] = (unsigned char)writer;
  r[1] = (unsigned char)(seq >> 8);
  r[2] = (unsigned char)seq;
  for (int i = 3; i < kRecSize; i++) r[i] = (unsigned char)(writer * 31 + seq * 7 + i);
}

static void atomic(void) {
  int p[2];
  pipe(p);
  pid_t kids[kWriters];
  for (int k = 0; k < kWriters; k++) {
    kids[k] = xfork();
    if (kids[k] == 0) {
      close(p[0]);
      unsigned char r[kRecSize];
      for (int s = 0; s < kRecords; s++) {
        fill_record(r, k, s);
        if (write(p[1], r, kRecSize) != kRecSize) _exit(1); /* a short write would be a failure too */
      }
      _exit(0);
    }
  }
  close(p[1]);
  unsigned char rec[kRecSize], want[kRecSize], buf[3001];
  int have = 0, records = 0, torn = 0, disorder = 0, next[kWriters] = {0};
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) {
      rec[have++] = buf[i];
      if (have < kRecSize) continue;
      have = 0;
      records++;
      int w = rec[0], s = rec[1] << 8 | rec[2];
      if (w >= kWriters) {
        torn++;
        continue;
      }
      fill_record(want, w, s);
      if (memcmp(rec, want, kRecSize)) torn++;
      if (s != next[w]) disorder++;
      next[w] = s + 1;
    }
  }
  close(p[0]);
  printf("records %d, torn %d, out of order %d, left over %d bytes\n", records, torn, disorder, have);
  printf("per writer: %d %d %d %d\n", next[0], next[1], next[2], next[3]);
  for (int k = 0; k < kWriters; k++) printf("writer %d: %s\n", k, reap(kids[k]));
}

int main(int argc, char** argv) {
  if (argc > 1 && !strcmp(argv[1], "+cat")) return cat_mode();
  start_clean();
  if (argc < 3) {
    fprintf(stderr, "usage: pipes_procs SECTIONS SELF\n");
    return 2;
  }
  const char* s = argv[1];
  self = argv[2];
  if (section(s, "pipeline")) pipeline();
  if (section(s, "eof")) eof();
  if (section(s, "sigpipe")) sigpipe();
  if (section(s, "exec_cat")) exec_cat();
  if (section(s, "atomic")) atomic();
  return 0;
}
