/* Prints argv and the environment exactly as received, and the auxv bits
   a static musl program relies on. */
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

extern char** environ;

int main(int argc, char** argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=[%s]\n", i, argv[i]);
  for (char** e = environ; *e; e++) printf("env=[%s]\n", *e);
  printf("pagesz=%lu\n", getauxval(AT_PAGESZ));
  printf("secure=%lu\n", getauxval(AT_SECURE));
  printf("random=%s\n", getauxval(AT_RANDOM) ? "set" : "missing");
  const char* execfn = (const char*)getauxval(AT_EXECFN);
  printf("execfn_is_argv0=%d\n", execfn && strcmp(execfn, argv[0]) == 0);
  printf("phdr=%s\n", getauxval(AT_PHDR) ? "set" : "missing");
  return 0;
}
