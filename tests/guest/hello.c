/* The smallest guest: stdio to stdout and stderr. */
#include <stdio.h>

int main(void) {
  printf("hello, world\n");
  fprintf(stderr, "to stderr\n");
  return 0;
}
