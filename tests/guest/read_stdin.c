/* Reads stdin to the end in odd-sized chunks and reports what it got; echoes
   the first line. With "lines", reads with stdio line by line. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc > 1 && !strcmp(argv[1], "lines")) {
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, stdin)) printf("%d: %s", ++n, line);
    printf("lines=%d eof=%d\n", n, feof(stdin));
    return 0;
  }
  static char buf[65536];
  size_t total = 0, chunk = 1;
  unsigned long long sum = 0; /* not long: 32 bits on riscv32 would change the sum */
  ssize_t n;
  char first[64] = {0};
  while ((n = read(0, buf, chunk)) > 0) {
    if (total < sizeof first - 1) memcpy(first + total, buf, (size_t)n < sizeof first - 1 - total ? (size_t)n : sizeof first - 1 - total);
    for (ssize_t i = 0; i < n; i++) sum = sum * 31 + (unsigned char)buf[i];
    total += (size_t)n;
    chunk = chunk * 3 % 65521 + 1;
  }
  char* nl = strchr(first, '\n');
  if (nl) *nl = 0;
  printf("read=%zd total=%zu sum=%llu first=[%s]\n", n, total, sum, first);
  return 0;
}
