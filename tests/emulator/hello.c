/* A static musl program for the emulator test: stdio (writev), malloc (brk
   refused, so mmap2 and kMap), argv, and an exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  char *p = malloc(10000);
  if (!p) return 1;
  memset(p, 'x', 10000);
  printf("hello from riscv32, argc=%d argv[1]=%s last=%c\n", argc, argc > 1 ? argv[1] : "-",
         p[9999]);
  free(p);
  return 42;
}
