/* make_workdir(path): mkdir -p; enter_workdir(path): and chdir there. Natively the path's parents exist
   (a fresh host directory); inside a fresh store they do not yet. */
#pragma once
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void make_workdir(const char* path) {
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

static int enter_workdir(const char* path) {
  make_workdir(path);
  return chdir(path);
}
