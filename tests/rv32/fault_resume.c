/* Fault handlers that return: the saved pc is the faulting instruction's,
   so a handler that changes it skips the instruction (SIGILL, SIGTRAP), and
   one that removes the cause has the instruction run again (SIGSEGV after
   mprotect). Registers the handler clobbers come back from the frame. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

static volatile int hits;
static char *volatile page; /* set before the fault: the handler reads it */

static void skip(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  hits++;
  printf("sig %d code %d: skipping %s\n", sig, si->si_code,
         (uintptr_t)si->si_addr == uc->uc_mcontext.__gregs[0] ? "the instruction at si_addr" : "?");
  uc->uc_mcontext.__gregs[0] += 4;
}

static void unprotect(int sig, siginfo_t *si, void *ctx) {
  (void)ctx;
  hits++;
  printf("sig %d code %d at +%ld: making the page writable\n", sig, si->si_code,
         (long)((char *)si->si_addr - page));
  mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_flags = SA_SIGINFO;
  sa.sa_sigaction = skip;
  sigaction(SIGILL, &sa, 0);
  sigaction(SIGTRAP, &sa, 0);
  sa.sa_sigaction = unprotect;
  sigaction(SIGSEGV, &sa, 0);

  /* a0..a2 and s2..s4 hold values across the fault; the handler's own code
     runs with other values in them. */
  uint32_t a = 11, b = 22, c = 33;
  __asm__ volatile("mv s2, %1\n mv s3, %2\n mv s4, %3\n"
                   ".word 0xffffffff\n"
                   "add %0, s2, s3\n add %0, %0, s4"
                   : "=&r"(a)
                   : "r"(a), "r"(b), "r"(c)
                   : "s2", "s3", "s4");
  printf("after SIGILL: %u\n", a);
  __asm__ volatile("ebreak");
  printf("after SIGTRAP\n");

  page = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  volatile int *p = (volatile int *)(page + 64);
  *p = 1234;  /* faults once, then runs again */
  printf("after SIGSEGV: %d, %d handler runs\n", *p, hits);
  return 0;
}
