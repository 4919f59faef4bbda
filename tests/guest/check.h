/* CHECK(expr): run a call, print its result and errno name, one line each, so
   a native run and a psx run can be compared line by line. */
#pragma once
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char* err_name(int e) {
  switch (e) {
    case 0: return "";
    case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case EBADF: return "EBADF";
    case EACCES: return "EACCES"; case EFAULT: return "EFAULT"; case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV"; case ENOTDIR: return "ENOTDIR"; case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL"; case EMFILE: return "EMFILE"; case ENOTTY: return "ENOTTY";
    case EFBIG: return "EFBIG"; case ENOSPC: return "ENOSPC"; case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS"; case EMLINK: return "EMLINK"; case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE"; case ENAMETOOLONG: return "ENAMETOOLONG"; case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY"; case ELOOP: return "ELOOP"; case ENXIO: return "ENXIO";
    case EAGAIN: return "EAGAIN"; case EBUSY: return "EBUSY"; case EOPNOTSUPP: return "EOPNOTSUPP";
    case ESRCH: return "ESRCH"; case ENOMEM: return "ENOMEM"; case ENODEV: return "ENODEV";
    case EOVERFLOW: return "EOVERFLOW"; case EDEADLK: return "EDEADLK";
    case ECHILD: return "ECHILD"; case EINTR: return "EINTR"; case ENOEXEC: return "ENOEXEC";
    case E2BIG: return "E2BIG"; case ETXTBSY: return "ETXTBSY"; case ETIMEDOUT: return "ETIMEDOUT";
    default: return "E?";
  }
}

#define CHECK(expr)                                                 \
  do {                                                              \
    errno = 0;                                                      \
    long r_ = (long)(expr);                                         \
    int e_ = errno;                                                 \
    printf("%-58s = %ld %s\n", #expr, r_, r_ < 0 ? err_name(e_) : ""); \
    fflush(stdout);                                                 \
  } while (0)
