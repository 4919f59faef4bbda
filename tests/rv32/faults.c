/* Faults a guest can take, caught with SA_SIGINFO handlers: signal, si_code,
   si_addr and the pc in the signal context, printed relative to labels and
   buffers so the output does not depend on the layout. Reference values are
   qemu-riscv32 7.2's (Linux's own for riscv). */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

static sigjmp_buf jb;
static const char *case_name;
static uintptr_t base_addr, base_pc;

static void on_fault(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  printf("%-22s sig %d code %d addr %+ld pc %+ld\n", case_name, sig, si->si_code,
         (long)((uintptr_t)si->si_addr - base_addr),
         (long)((uintptr_t)uc->uc_mcontext.__gregs[0] - base_pc));
  siglongjmp(jb, 1);
}

#define CASE(name, addr, pc, body)                          \
  do {                                                      \
    case_name = name;                                       \
    base_addr = (uintptr_t)(addr);                          \
    base_pc = (uintptr_t)(pc);                              \
    if (!sigsetjmp(jb, 1)) {                                \
      body;                                                 \
      printf("%-22s no fault\n", name);                     \
    }                                                       \
  } while (0)

extern char l_amo[], l_lr[], l_sc[], l_ill[], l_cill[], l_ebreak[], l_cross[], l_ro[], l_zero[];
static int buf[4];

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, 0);
  sigaction(SIGBUS, &sa, 0);
  sigaction(SIGILL, &sa, 0);
  sigaction(SIGTRAP, &sa, 0);
  char *p = (char *)buf + 2;
  int v = 0;

  CASE("misaligned amoadd.w", buf, l_amo,
       __asm__ volatile(".globl l_amo\nl_amo: amoadd.w %0, %0, (%1)" : "+r"(v) : "r"(p) : "memory"));
  CASE("misaligned lr.w", buf, l_lr,
       __asm__ volatile(".globl l_lr\nl_lr: lr.w %0, (%1)" : "=r"(v) : "r"(p) : "memory"));
  CASE("misaligned sc.w", buf, l_sc,
       __asm__ volatile(".globl l_sc\nl_sc: sc.w %0, %0, (%1)" : "+r"(v) : "r"(p) : "memory"));
  CASE("illegal word", l_ill, l_ill, __asm__ volatile(".globl l_ill\nl_ill: .word 0xffffffff"));
  CASE("illegal c.unimp", l_cill, l_cill,
       __asm__ volatile(".globl l_cill\nl_cill: .hword 0\n.hword 0"));
  CASE("ebreak", l_ebreak, l_ebreak, __asm__ volatile(".globl l_ebreak\nl_ebreak: ebreak"));
  CASE("misaligned lw", buf, 0,
       printf("misaligned lw reads %08x\n", *(volatile int *)p));

  char *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(m + 4096, 4096);
  CASE("lw across into hole", m, l_cross,
       __asm__ volatile(".globl l_cross\nl_cross: lw %0, 0(%1)" : "=r"(v) : "r"(m + 4094)));
  mprotect(m, 4096, PROT_READ);
  CASE("sw to read-only", m, l_ro,
       __asm__ volatile(".globl l_ro\nl_ro: sw %0, 8(%1)" : : "r"(v), "r"(m) : "memory"));
  CASE("call non-executable", m, m, ((void (*)(void))m)());
  CASE("load from page 0", 0, l_zero,
       __asm__ volatile(".globl l_zero\nl_zero: lw %0, 16(x0)" : "=r"(v)));
  return 0;
}
