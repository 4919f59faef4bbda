/* Faults with no handler installed: the default action must end the program
   with the signal Linux delivers (SIGBUS, SIGILL, SIGTRAP, SIGSEGV), so a
   run's wait status is the whole result. argv[1] names the case; with no
   argument the program lists the cases (fault_status.sh runs each). The
   same faults with SA_SIGINFO handlers are faults.c. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static int buf[4];
static volatile int sink;

#pragma GCC diagnostic ignored "-Winfinite-recursion" /* stack-overflow means it */
static int recurse(int n) {
  volatile char frame[512];
  frame[0] = (char)n;
  return recurse(n + 1) + frame[0];
}

static char *page_then_hole(void) {
  char *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(m + 4096, 4096);
  return m;
}

static void misaligned_amo(void) {
  int v = 1;
  __asm__ volatile("amoadd.w %0, %0, (%1)" : "+r"(v) : "r"((char *)buf + 2) : "memory");
}
static void misaligned_lr(void) {
  int v;
  __asm__ volatile("lr.w %0, (%1)" : "=r"(v) : "r"((char *)buf + 2) : "memory");
}
static void illegal_word(void) { __asm__ volatile(".word 0xffffffff"); }
static void illegal_c_unimp(void) { __asm__ volatile(".hword 0\n.hword 0"); }
static void ebreak(void) { __asm__ volatile("ebreak"); }
static void load_across_into_hole(void) {
  int v;
  __asm__ volatile("lw %0, 0(%1)" : "=r"(v) : "r"(page_then_hole() + 4094));
}
static void store_to_read_only(void) {
  char *m = page_then_hole();
  mprotect(m, 4096, PROT_READ);
  __asm__ volatile("sw x0, 8(%0)" : : "r"(m) : "memory");
}
static void call_non_executable(void) { ((void (*)(void))page_then_hole())(); }
static void jump_to_hole(void) { ((void (*)(void))(page_then_hole() + 4096))(); }
static void load_page_zero(void) {
  int v;
  __asm__ volatile("lw %0, 16(x0)" : "=r"(v));
}
static void store_page_zero(void) { *(volatile int *)16 = 1; }
static void stack_overflow(void) { sink = recurse(0); }

static const struct {
  const char *name;
  void (*run)(void);
} kCases[] = {
    {"misaligned-amoadd", misaligned_amo},
    {"misaligned-lr", misaligned_lr},
    {"illegal-word", illegal_word},
    {"illegal-c-unimp", illegal_c_unimp},
    {"ebreak", ebreak},
    {"load-across-into-hole", load_across_into_hole},
    {"store-to-read-only", store_to_read_only},
    {"call-non-executable", call_non_executable},
    {"jump-to-hole", jump_to_hole},
    {"load-page-zero", load_page_zero},
    {"store-page-zero", store_page_zero},
    {"stack-overflow", stack_overflow},
};

int main(int argc, char **argv) {
  for (unsigned i = 0; i < sizeof kCases / sizeof kCases[0]; ++i) {
    if (argc < 2) {
      printf("%s\n", kCases[i].name);
    } else if (!strcmp(argv[1], kCases[i].name)) {
      printf("%s: ", kCases[i].name);
      fflush(stdout);
      kCases[i].run();
      printf("no fault\n");
    }
  }
  return 0;
}
