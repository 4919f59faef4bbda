/* The process operations of the benchmark guest (issue 5): fork+_exit+wait,
   fork+execve+wait of a tiny program, and a pipe ping-pong with a forked
   child. Each `op_*` runs n iterations and returns 0, or -1 with g_why set.

   Per iteration ("one round trip" for the ping-pongs):
   - fork_exit_wait:    fork; the child _exits at once; the parent waitpids it.
   - fork_exec_wait:    fork; the child execve's the program given with -x (it
                        returns 0 at once); the parent waitpids it.
   - pipe_pingpong_1:   the parent writes 1 byte into one pipe, the child reads
                        it and writes 1 byte back through a second pipe, the
                        parent reads it.
   - pipe_pingpong_64k: the same with 64 KiB each way: the parent writes all
                        64 KiB, the child reads all of it and only then writes
                        64 KiB back, the parent reads all of it.
   The ping-pong's child is forked before timing and ended after (echo_start,
   echo_stop), so the figure is the round trips alone, not the fork. */
#pragma once
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "why.h"

#define PINGPONG_BIG (64 * 1024)

static const char* g_exec_target; /* -x PATH: the program fork_exec_wait runs */

static struct {
  pid_t pid;
  int out, in; /* the parent's ends: to the child, from the child */
  size_t size; /* bytes each way per round trip */
} g_echo = {-1, -1, -1, 0};
static char g_echo_buf[PINGPONG_BIG];

/* Whole transfers: a pipe may move a large buffer in pieces. Returns the
   bytes moved, short only at end of file or on an error. */
static size_t read_full(int fd, char* p, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t k = read(fd, p + done, len - done);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    done += (size_t)k;
  }
  return done;
}

static size_t write_full(int fd, const char* p, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t k = write(fd, p + done, len - done);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    done += (size_t)k;
  }
  return done;
}

/* Waits for pid; on anything but a clean exit 0 sets g_why. fork_exec_wait's
   child exits with execve's errno when execve fails (its target itself
   returns 0), so there the status names the error. */
static int reap(pid_t pid, const char* op, int execs) {
  int status;
  pid_t got;
  while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (got != pid) return fail("waitpid"), -1;
  if (WIFSIGNALED(status))
    return snprintf(g_why, sizeof g_why, "%s: the child was killed by signal %d", op, WTERMSIG(status)), -1;
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    if (!execs) return snprintf(g_why, sizeof g_why, "%s: the child exited %d, not 0", op, WEXITSTATUS(status)), -1;
    char where[sizeof g_why / 2];
    snprintf(where, sizeof where, "execve %s in the child", g_exec_target);
    return fail_with(where, WEXITSTATUS(status)), -1;
  }
  return 0;
}

static int op_fork_wait(long n) {
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) return fail("fork"), -1;
    if (pid == 0) _exit(0);
    if (reap(pid, "fork_exit_wait", 0) != 0) return -1;
  }
  return 0;
}

static int op_fork_exec_wait(long n) {
  if (!g_exec_target)
    return snprintf(g_why, sizeof g_why, "no program to execute: give one with -x PATH"), -1;
  char* argv[] = {(char*)g_exec_target, NULL};
  char* envp[] = {NULL}; /* the same (empty) environment on every road */
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) return fail("fork"), -1;
    if (pid == 0) {
      execve(g_exec_target, argv, envp);
      _exit(errno > 0 && errno < 256 ? errno : 255);
    }
    if (reap(pid, "fork_exec_wait", 1) != 0) return -1;
  }
  return 0;
}

/* The child's side of the ping-pong: answer each `size` bytes with as many,
   until the parent closes its end. */
static void echo_child(int in, int out, size_t size) {
  for (;;) {
    if (read_full(in, g_echo_buf, size) != size) _exit(0);
    if (write_full(out, g_echo_buf, size) != size) _exit(1);
  }
}

static int op_pipe_pingpong(long n);

static void echo_stop(void) {
  if (g_echo.out >= 0) close(g_echo.out); /* the child reads end of file and exits */
  if (g_echo.in >= 0) close(g_echo.in);
  if (g_echo.pid > 0) {
    while (waitpid(g_echo.pid, NULL, 0) < 0 && errno == EINTR) {
    }
  }
  g_echo.pid = -1, g_echo.out = g_echo.in = -1;
}

static int echo_start(size_t size) {
  int down[2], up[2]; /* parent -> child, child -> parent */
  /* A child that dies early must show as an error (EPIPE), not kill the
     parent with SIGPIPE before it can say so. Where signals are not there
     yet the call fails and changes nothing. */
  signal(SIGPIPE, SIG_IGN);
  if (pipe(down) != 0) return fail("pipe"), -1;
  if (pipe(up) != 0) {
    fail("pipe");
    close(down[0]), close(down[1]);
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    fail("fork");
    close(down[0]), close(down[1]), close(up[0]), close(up[1]);
    return -1;
  }
  if (pid == 0) {
    close(down[1]);
    close(up[0]);
    echo_child(down[0], up[1], size);
  }
  close(down[0]);
  close(up[1]);
  g_echo.pid = pid, g_echo.out = down[1], g_echo.in = up[0], g_echo.size = size;
  /* One round trip untimed: the child's first run and both sides' first
     touch of the buffer (copy-on-write after fork) would otherwise make the
     first calibration batch look slow and the timed loops too short. */
  if (op_pipe_pingpong(1) != 0) return echo_stop(), -1;
  return 0;
}

static int echo_start_1(void) { return echo_start(1); }
static int echo_start_big(void) { return echo_start(PINGPONG_BIG); }

static int op_pipe_pingpong(long n) {
  size_t size = g_echo.size;
  for (long i = 0; i < n; i++) {
    errno = 0;
    if (write_full(g_echo.out, g_echo_buf, size) != size) return fail("pipe write"), -1;
    size_t got = read_full(g_echo.in, g_echo_buf, size);
    if (got == size) continue;
    if (errno) return fail("pipe read"), -1;
    return snprintf(g_why, sizeof g_why, "pipe read: end of file after %zu of %zu bytes (the echo child ended)", got,
                    size), -1;
  }
  return 0;
}
