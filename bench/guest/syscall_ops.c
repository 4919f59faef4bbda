/* The guest side of `psx bench` (issue 7): times N iterations of each
 * operation *inside* the program, so that process start-up and the road in
 * (psx, qemu, ptrace) are not counted, only the calls themselves. One
 * source, built for x86-64 and riscv32; run natively, under psx (each trap
 * mode), under qemu-riscv32 and under the ptrace interceptor.
 *
 *   syscall_ops [-t BUDGET_MS] [-r REPS] [-n ITERATIONS] [-x PROGRAM] DIR [OP...]
 *
 * DIR is a writable directory (the store's /tmp/... under psx, a host
 * directory natively); the program makes its files there before timing.
 * PROGRAM is what fork_exec_wait executes (exec_target, as this road sees
 * it: a host path natively, a store path under psx).
 * -n fixes the iteration count (one repetition, no warm-up: `psx bench`
 * counts copied bytes by running two counts and taking the difference);
 * otherwise the count is calibrated so that one repetition lasts about
 * BUDGET_MS, and the figure is the median of REPS repetitions after one
 * warm-up. Output, one line per operation (machine-readable, stdout):
 *   op=NAME ns=NS_PER_ITERATION iters=N reps=R calls=TOTAL_ITERATIONS_MADE
 * (an iteration is one call, or one fork, or one ping-pong round trip)
 *   op=NAME unavailable=REASON
 * An operation the road cannot do yet (fork and pipes before issue 5) is
 * reported unavailable with the errno's name and text, never faked. The
 * process operations are in process_ops.h.                                 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "process_ops.h"
#include "timing.h"
#include "why.h"

#define FILE_SIZE (64 * 1024) /* pread/pwrite cycle over 16 pages */
#define MAX_REPS 64

static char g_data[256], g_scratch[256];
static int g_zero = -1, g_null = -1, g_rfd = -1, g_wfd = -1;
static char g_buf[4096];
/* Each operation runs n iterations and returns 0, or -1 with g_why set. */
typedef int (*op_fn)(long n);

static int op_getppid(long n) {
  volatile long sink = 0;
  for (long i = 0; i < n; i++) sink += getppid();
  return 0;
}

static int op_read_zero(long n) {
  for (long i = 0; i < n; i++)
    if (read(g_zero, g_buf, 1) != 1) return fail("read /dev/zero"), -1;
  return 0;
}

static int op_write_null(long n) {
  for (long i = 0; i < n; i++)
    if (write(g_null, g_buf, 4096) != 4096) return fail("write /dev/null"), -1;
  return 0;
}

static int op_stat(long n) {
  struct stat st;
  for (long i = 0; i < n; i++)
    if (stat(g_data, &st) != 0) return fail("stat"), -1;
  return 0;
}

static int op_open_close(long n) {
  for (long i = 0; i < n; i++) {
    int fd = open(g_data, O_RDONLY);
    if (fd < 0) return fail("open"), -1;
    close(fd);
  }
  return 0;
}

static int op_pread(long n) {
  for (long i = 0; i < n; i++)
    if (pread(g_rfd, g_buf, 4096, (off_t)(i % (FILE_SIZE / 4096)) * 4096) != 4096) return fail("pread"), -1;
  return 0;
}

static int op_pwrite(long n) {
  for (long i = 0; i < n; i++)
    if (pwrite(g_wfd, g_buf, 4096, (off_t)(i % (FILE_SIZE / 4096)) * 4096) != 4096) return fail("pwrite"), -1;
  return 0;
}

/* start, when there is one, runs before the op's first timed batch and stop
   after its last: what they do (the ping-pong's echo child) is not timed. */
static const struct {
  const char* name;
  op_fn fn;
  int (*start)(void);
  void (*stop)(void);
} kOps[] = {
    {"getppid", op_getppid},
    {"read_zero_1", op_read_zero},
    {"write_null_4k", op_write_null},
    {"stat", op_stat},
    {"open_close", op_open_close},
    {"pread_4k", op_pread},
    {"pwrite_4k", op_pwrite},
    {"pipe_pingpong_1", op_pipe_pingpong, echo_start_1, echo_stop},
    {"pipe_pingpong_64k", op_pipe_pingpong, echo_start_big, echo_stop},
    {"fork_exit_wait", op_fork_wait},
    {"fork_exec_wait", op_fork_exec_wait},
};
#define NOPS (sizeof kOps / sizeof kOps[0])

/* The files the operations use, made before anything is timed. */
static int setup(const char* dir) {
  if (strlen(dir) > 200) return errno = ENAMETOOLONG, fail("DIR"), -1;
  snprintf(g_data, sizeof g_data, "%s/data", dir);
  snprintf(g_scratch, sizeof g_scratch, "%s/scratch", dir);
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) return fail("mkdir DIR"), -1;
  memset(g_buf, 'p', sizeof g_buf);
  const char* names[2] = {g_data, g_scratch};
  for (int k = 0; k < 2; k++) {
    int fd = open(names[k], O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fail("create a file in DIR"), -1;
    for (int off = 0; off < FILE_SIZE; off += 4096)
      if (write(fd, g_buf, 4096) != 4096) return fail("fill a file in DIR"), -1;
    if (k == 0) close(fd);
    else g_wfd = fd;
  }
  g_rfd = open(g_data, O_RDONLY);
  g_zero = open("/dev/zero", O_RDONLY);
  g_null = open("/dev/null", O_WRONLY);
  if (g_rfd < 0 || g_zero < 0 || g_null < 0) return fail("open"), -1;
  return 0;
}

/* Times n iterations; negative on failure. */
static long long timed(op_fn fn, long n) {
  long long t0 = now_ns();
  if (fn(n) != 0) return -1;
  return now_ns() - t0;
}

static void measure_op(int k, long fixed_n, long budget_ns, int reps) {
  op_fn fn = kOps[k].fn;
  const char* name = kOps[k].name;
  long long calls = 0;
  long n = fixed_n;
  if (!n) {
    /* Calibrate: double until a batch costs an eighth of the budget, then
     * scale to the budget. The calibration batches count as the warm-up. */
    long long t = 0;
    for (n = 1;; n *= 2) {
      t = timed(fn, n);
      if (t < 0) goto unavailable;
      calls += n;
      if (t * 8 >= budget_ns || n >= (1L << 26)) break;
    }
    if (t < 1) t = 1;
    long long want = (long long)n * budget_ns / t;
    n = want < 1 ? 1 : want > (1L << 28) ? (1L << 28) : (long)want;
  }
  double per[MAX_REPS];
  for (int r = 0; r < reps; r++) {
    long long t = timed(fn, n);
    if (t < 0) goto unavailable;
    calls += n;
    per[r] = (double)t / (double)n;
  }
  qsort(per, (size_t)reps, sizeof per[0], cmp_double);
  printf("op=%s ns=%.2f iters=%ld reps=%d calls=%lld\n", name, per[reps / 2], n, reps, calls);
  fflush(stdout);
  return;
unavailable:
  printf("op=%s unavailable=%s\n", name, g_why);
  fflush(stdout);
}

static void run_op(int k, long fixed_n, long budget_ns, int reps) {
  if (kOps[k].start && kOps[k].start() != 0) {
    printf("op=%s unavailable=%s\n", kOps[k].name, g_why);
    fflush(stdout);
    return;
  }
  measure_op(k, fixed_n, budget_ns, reps);
  if (kOps[k].stop) kOps[k].stop();
}

int main(int argc, char** argv) {
  long budget_ms = 20, fixed_n = 0;
  int reps = 5, i = 1;
  for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
    if (!strcmp(argv[i], "-t")) budget_ms = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "-r")) reps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-n")) fixed_n = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "-x")) g_exec_target = argv[i + 1];
    else break;
  }
  if (i >= argc || budget_ms < 1 || reps < 1 || reps > MAX_REPS || fixed_n < 0) {
    fprintf(stderr, "usage: syscall_ops [-t BUDGET_MS] [-r REPS] [-n ITERATIONS] [-x PROGRAM] DIR [OP...]\n");
    return 2;
  }
  if (fixed_n) reps = 1;
  if (setup(argv[i]) != 0) {
    fprintf(stderr, "syscall_ops: %s\n", g_why);
    return 1;
  }
  int any = 0;
  for (size_t k = 0; k < NOPS; k++) {
    int wanted = i + 1 >= argc;
    for (int a = i + 1; a < argc; a++) wanted |= !strcmp(argv[a], kOps[k].name);
    if (!wanted) continue;
    any = 1;
    run_op((int)k, fixed_n, budget_ms * 1000000L, reps);
  }
  if (!any) {
    fprintf(stderr, "syscall_ops: no such operation\n");
    return 2;
  }
  return 0;
}
