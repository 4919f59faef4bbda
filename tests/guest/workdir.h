/* make_workdir(path): mkdir -p; enter_workdir(path): and chdir there. Natively the path's parents exist
   (a fresh host directory); inside a fresh store they do not yet. */
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void make_workdir(const char* path) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", path);
  for (char* p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      mkdir(buf, 0755);
      *p = '/';
    }
  mkdir(buf, 0755);
}

static inline int enter_workdir(const char* path) {
  make_workdir(path);
  return chdir(path);
}

/* The work directory a program was given as argv[1] (made, parents too), else
   a fresh one from the mkdtemp template tmpl. Returns dir, or NULL. */
static inline char* workdir_from_args(int argc, char** argv, char* dir, size_t n, const char* tmpl) {
  if (argc > 1) {
    snprintf(dir, n, "%s", argv[1]);
    make_workdir(dir);
    return dir;
  }
  snprintf(dir, n, "%s", tmpl);
  return mkdtemp(dir);
}
