/* Threads (musl's pthreads: clone, futex, set_tid_address): create/join with
   values, mutexes, condition variables (a bounded queue, broadcast, a timed
   wait), 8 threads adding to shared counters under a mutex and with atomics,
   two threads taking turns on an atomic flag with no system call (only real
   concurrency gets through), detach, thread-specific data, pthread_exit,
   gettid, exit from a thread versus pthread_exit of main (the last section:
   the program ends there), pthread_kill, and a thread parked in read() on a
   pipe.

   usage: threads SECTIONS   (comma-separated names below, or "all")
   Built for x86-64 only: psx answers clone(CLONE_THREAD) from a riscv32 guest
   with ENOSYS (syscalls/linux_riscv32.cpp), and the RV32I toolchain has no
   libatomic. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

#include "check.h"
#include "proc_util.h"

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

static long tid(void) { return syscall(SYS_gettid); }

/* Starts a thread or says why not and ends the program. */
static pthread_t start(void* (*fn)(void*), void* arg) {
  pthread_t t;
  int e = pthread_create(&t, NULL, fn, arg);
  if (e) {
    printf("pthread_create: %s\n", err_name(e));
    exit(1);
  }
  return t;
}

static void* times_ten(void* a) { return (void*)((intptr_t)a * 10); }

static void join(void) {
  pthread_t t[4];
  for (intptr_t i = 0; i < 4; i++) t[i] = start(times_ten, (void*)i);
  printf("joined:");
  for (int i = 0; i < 4; i++) {
    void* r;
    int e = pthread_join(t[i], &r);
    printf(" %s%ld", e ? err_name(e) : "", (long)(intptr_t)r);
  }
  printf("\n");
}

enum { kThreads = 8, kAdds = 100000 };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long atomic_counter;

static void* add_locked(void* a) {
  (void)a;
  for (int i = 0; i < kAdds; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}
static void* add_atomic(void* a) {
  (void)a;
  for (int i = 0; i < kAdds; i++) __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_RELAXED);
  return NULL;
}

static void counters(void) {
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; i++) t[i] = start(add_locked, NULL);
  for (int i = 0; i < kThreads; i++) pthread_join(t[i], NULL);
  printf("mutex counter: %ld (want %d)\n", counter, kThreads * kAdds);
  for (int i = 0; i < kThreads; i++) t[i] = start(add_atomic, NULL);
  for (int i = 0; i < kThreads; i++) pthread_join(t[i], NULL);
  printf("atomic counter: %ld (want %d)\n", atomic_counter, kThreads * kAdds);
  pthread_mutex_lock(&lock);
  printf("trylock of a held mutex: %s\n", err_name(pthread_mutex_trylock(&lock)));
  pthread_mutex_unlock(&lock);
  printf("trylock of a free mutex: %d\n", pthread_mutex_trylock(&lock));
  pthread_mutex_unlock(&lock);
}

/* A bounded queue: producers wait while full, consumers while empty. */
enum { kCap = 8, kItems = 5000 };
static struct {
  pthread_mutex_t m;
  pthread_cond_t not_full, not_empty;
  int buf[kCap], head, count;
} q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0};

static void put(int v) {
  pthread_mutex_lock(&q.m);
  while (q.count == kCap) pthread_cond_wait(&q.not_full, &q.m);
  q.buf[(q.head + q.count++) % kCap] = v;
  pthread_cond_signal(&q.not_empty);
  pthread_mutex_unlock(&q.m);
}
static int take(void) {
  pthread_mutex_lock(&q.m);
  while (q.count == 0) pthread_cond_wait(&q.not_empty, &q.m);
  int v = q.buf[q.head];
  q.head = (q.head + 1) % kCap;
  q.count--;
  pthread_cond_signal(&q.not_full);
  pthread_mutex_unlock(&q.m);
  return v;
}
static void* producer(void* a) {
  (void)a;
  for (int i = 1; i <= kItems; i++) put(i);
  return NULL;
}
static void* consumer(void* a) {
  long* sum = a;
  for (int v; (v = take()) > 0;) sum[0] += v, sum[1]++;
  return NULL;
}

static void condvar(void) {
  long sums[2][2] = {{0, 0}, {0, 0}};
  pthread_t p[2], c[2];
  for (int i = 0; i < 2; i++) c[i] = start(consumer, sums[i]);
  for (int i = 0; i < 2; i++) p[i] = start(producer, NULL);
  for (int i = 0; i < 2; i++) pthread_join(p[i], NULL);
  put(-1); /* one end marker per consumer */
  put(-1);
  for (int i = 0; i < 2; i++) pthread_join(c[i], NULL);
  printf("consumed %ld items, sum %ld (want %d, %ld)\n", sums[0][1] + sums[1][1], sums[0][0] + sums[1][0], 2 * kItems,
         2L * kItems * (kItems + 1) / 2);

  pthread_mutex_lock(&q.m);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += 50000000;
  if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;
  printf("timed wait with nobody to signal: %s\n", err_name(pthread_cond_timedwait(&q.not_empty, &q.m, &until)));
  pthread_mutex_unlock(&q.m);
}

/* Two threads take turns through one atomic flag, 10000 times each. */
enum { kTurns = 10000 };
static int turn;
static int one_cpu;
static long gave_up;

static void wait_turn(int mine) {
  for (unsigned long spins = 0; __atomic_load_n(&turn, __ATOMIC_ACQUIRE) != mine; spins++) {
    /* One CPU cannot run both spinners at once: there, let the other run. */
    if (one_cpu && (spins & 1023) == 1023) sched_yield();
    if (spins > 4000000000ul) {
      __atomic_fetch_add(&gave_up, 1, __ATOMIC_RELAXED);
      return;
    }
  }
}
static void* pong(void* a) {
  (void)a;
  for (int i = 0; i < kTurns; i++) {
    wait_turn(1);
    __atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
  }
  return NULL;
}

static void pingpong(void) {
  cpu_set_t cpus;
  one_cpu = sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) == 1;
  pthread_t t = start(pong, NULL);
  for (int i = 0; i < kTurns; i++) {
    wait_turn(0);
    __atomic_store_n(&turn, 1, __ATOMIC_RELEASE);
  }
  wait_turn(0);
  pthread_join(t, NULL);
  printf("ping-pong: %d turns each, gave up waiting %ld times\n", kTurns, gave_up);
}

static sem_t done;
static int detached_ran;
static void* detached(void* a) {
  (void)a;
  detached_ran = 1;
  sem_post(&done);
  return NULL;
}

static void detach(void) {
  sem_init(&done, 0, 0);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t t;
  CHECK(pthread_create(&t, &attr, detached, NULL));
  sem_wait(&done);
  printf("detached thread ran %d\n", detached_ran);
  t = start(times_ten, (void*)1);
  CHECK(pthread_detach(t));
  sem_post(&done);
  sem_wait(&done);
  pthread_attr_destroy(&attr);
}

static pthread_key_t key;
static int destructed;
static void destructor(void* v) { __atomic_fetch_add(&destructed, (int)(intptr_t)v, __ATOMIC_RELAXED); }
static void* use_key(void* a) {
  int empty = pthread_getspecific(key) == NULL;
  pthread_setspecific(key, a);
  sched_yield();
  int own = pthread_getspecific(key) == a;
  return (void*)(intptr_t)(empty && own);
}

static void tsd(void) {
  CHECK(pthread_key_create(&key, destructor));
  pthread_setspecific(key, (void*)1000);
  pthread_t t[4];
  for (intptr_t i = 0; i < 4; i++) t[i] = start(use_key, (void*)(i + 1));
  int ok = 1;
  for (int i = 0; i < 4; i++) {
    void* r;
    pthread_join(t[i], &r);
    ok &= r != NULL;
  }
  printf("each thread saw only its own value %d; destructors got %d (1+2+3+4); main's kept %d\n", ok, destructed,
         pthread_getspecific(key) == (void*)1000);
  CHECK(pthread_key_delete(key));
}

static void deep_exit(int n);
static void (*volatile deeper)(int) = deep_exit; /* opaque, so the compiler does not inline the recursion away */
static void deep_exit(int n) {
  if (n > 0) deeper(n - 1);
  pthread_exit((void*)77); /* from the innermost call */
}
static void* exits_deep(void* a) {
  (void)a;
  deep_exit(5);
  return NULL;
}

static long main_tid;
static void* report_tid(void* a) {
  long* out = a;
  out[0] = tid();
  out[1] = getpid();
  return NULL;
}

static void exits(void) {
  void* r;
  pthread_join(start(exits_deep, NULL), &r);
  printf("pthread_exit from deep inside: %ld\n", (long)(intptr_t)r);

  long ids[3][2];
  pthread_t t[3];
  for (int i = 0; i < 3; i++) t[i] = start(report_tid, ids[i]);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  main_tid = tid();
  int distinct = 1, same_pid = 1;
  for (int i = 0; i < 3; i++) {
    distinct &= ids[i][0] != getpid() && ids[i][0] != main_tid;
    for (int j = 0; j < i; j++) distinct &= ids[i][0] != ids[j][0];
    same_pid &= ids[i][1] == getpid();
  }
  printf("main's gettid is its pid %d; threads' gettid differ from it and each other %d; getpid the same %d\n",
         main_tid == getpid(), distinct, same_pid);
}

static void* exit_whole(void* a) {
  (void)a;
  sleep_ms(20);
  exit(5); /* exit_group: the main thread, parked in read(), ends too */
}
static void* outlive_main(void* a) {
  (void)a;
  sleep_ms(50);
  printf("worker still running after main's pthread_exit\n");
  return NULL; /* the last thread: the process exits with 0 */
}

static void exit_group(void) {
  pid_t c = xfork();
  if (c == 0) {
    int p[2];
    pipe(p);
    start(exit_whole, NULL);
    char ch;
    read(p[0], &ch, 1);
    _exit(99);
  }
  printf("exit(5) in a thread while main reads: %s\n", reap(c));
}

/* Ends the program: main's pthread_exit leaves the process to a worker.
   Not in a forked child: musl 1.2.3's fork does not re-register the
   thread-list lock with set_tid_address, so a worker would wait for it forever. */
static void main_exit(void) {
  start(outlive_main, NULL);
  pthread_exit(NULL);
}

static volatile long handler_tid;
static volatile int target_ready;
static long target_tid;
static void on_usr1(int s) {
  (void)s;
  handler_tid = tid();
}
static void* target(void* a) {
  (void)a;
  target_tid = tid();
  __atomic_store_n(&target_ready, 1, __ATOMIC_RELEASE);
  while (!handler_tid) sleep_ms(1);
  return NULL;
}

static void kills(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  pthread_t t = start(target, NULL);
  while (!__atomic_load_n(&target_ready, __ATOMIC_ACQUIRE)) sleep_ms(1);
  CHECK(pthread_kill(t, 0));
  CHECK(pthread_kill(t, SIGUSR1));
  pthread_join(t, NULL);
  printf("the handler ran in the target thread %d\n", handler_tid == target_tid);
  signal(SIGUSR1, SIG_DFL);
}

static pthread_mutex_t gate_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_c = PTHREAD_COND_INITIALIZER, arrived_c = PTHREAD_COND_INITIALIZER;
static int go, waiting, woken;
static void* sleeper(void* a) {
  (void)a;
  pthread_mutex_lock(&gate_m);
  waiting++;
  pthread_cond_signal(&arrived_c);
  while (!go) pthread_cond_wait(&gate_c, &gate_m);
  woken++;
  pthread_mutex_unlock(&gate_m);
  return NULL;
}

static void broadcast(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; i++) t[i] = start(sleeper, NULL);
  pthread_mutex_lock(&gate_m);
  while (waiting < 4) pthread_cond_wait(&arrived_c, &gate_m);
  go = 1;
  pthread_cond_broadcast(&gate_c);
  pthread_mutex_unlock(&gate_m);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  printf("broadcast woke %d of 4 sleepers\n", woken);
}

static void* reader(void* a) {
  static char buf[16];
  ssize_t n = read(*(int*)a, buf, sizeof buf - 1);
  if (n < 0) return (void*)"error";
  buf[n] = 0;
  return buf;
}

static void reads(void) {
  int p[2];
  pipe(p);
  pthread_t t = start(reader, &p[0]);
  sleep_ms(50); /* the reader is parked by now */
  write(p[1], "ping", 4);
  void* r;
  pthread_join(t, &r);
  printf("thread parked in read() got [%s]\n", (char*)r);
  close(p[0]);
  close(p[1]);
}

int main(int argc, char** argv) {
  start_clean();
  const char* s = argc > 1 ? argv[1] : "all";
  if (section(s, "join")) join();
  if (section(s, "counters")) counters();
  if (section(s, "condvar")) condvar();
  if (section(s, "pingpong")) pingpong();
  if (section(s, "detach")) detach();
  if (section(s, "tsd")) tsd();
  if (section(s, "exits")) exits();
  if (section(s, "exit_group")) exit_group();
  if (section(s, "kill")) kills();
  if (section(s, "broadcast")) broadcast();
  if (section(s, "read")) reads();
  if (section(s, "main_exit")) main_exit();
  printf("main returns\n");
  return 0;
}
