/* Why an operation of the benchmark guest cannot run on this road: one line,
   kept in g_why and printed as `op=NAME unavailable=WHY`. The errno's name is
   given beside its text, because "fork failed with ENOSYS" is what someone
   reading `psx bench` (or grepping the syscall tables) looks for; the text
   alone differs between libcs. */
#pragma once
#include <errno.h>
#include <stdio.h>
#include <string.h>

static char g_why[200];

static const char* errno_name(int e) {
  /* The errors the timed calls can meet on some road; others by number. */
  switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOSPC: return "ENOSPC";
    case EPIPE: return "EPIPE";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return NULL;
  }
}

/* "WHAT failed with ENOSYS (Function not implemented)" for the error e. */
static void fail_with(const char* what, int e) {
  const char* name = errno_name(e);
  if (name) snprintf(g_why, sizeof g_why, "%s failed with %s (%s)", what, name, strerror(e));
  else snprintf(g_why, sizeof g_why, "%s failed with errno %d (%s)", what, e, strerror(e));
}

static void fail(const char* what) { fail_with(what, errno); }
