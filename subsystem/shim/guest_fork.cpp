// See guest_fork.h. Freestanding: raw system calls through the caller's entry.
#include "subsystem/shim/guest_fork.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <signal.h>

namespace psx {
namespace {

// /proc/self/maps is read whole before any mapping changes (it reflects them).
constexpr long kMapsBytes = 1 << 20;
char g_maps[kMapsBytes];

bool parse_hex(const char*& p, const char* end, uint64_t& v) {
  v = 0;
  const char* start = p;
  for (; p < end; p++) {
    char c = *p;
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) break;
    v = v * 16 + uint64_t(d);
  }
  return p != start;
}

bool parse_dec(const char*& p, const char* end, uint64_t& v) {
  v = 0;
  const char* start = p;
  for (; p < end && *p >= '0' && *p <= '9'; p++) v = v * 10 + uint64_t(*p - '0');
  return p != start;
}

}  // namespace

int guest_fork_receive(int control_fd, int* fds, int n, RawSyscall sys) {
  char data[8];
  iovec iov{data, sizeof data};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * size_t(n));
  long r = sys(SYS_recvmsg, control_fd, long(&msg), MSG_CMSG_CLOEXEC, 0, 0, 0);
  if (r < 0) return int(r);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int) * size_t(n))) return -EPROTO;
  const int* got = reinterpret_cast<const int*>(CMSG_DATA(c));
  for (int i = 0; i < n; i++) {
    long moved = sys(SYS_fcntl, got[i], F_DUPFD_CLOEXEC, 100, 0, 0, 0);
    sys(SYS_close, got[i], 0, 0, 0, 0, 0);
    if (moved < 0) return int(moved);
    fds[i] = int(moved);
  }
  return n;
}

long guest_fork_clone(RawSyscall sys) {
  // No exit signal of its own: with CLONE_PARENT the child's is the caller's (SIGCHLD).
  return sys(SYS_clone, CLONE_PARENT, 0, 0, 0, 0, 0);
}

MemoryObjectId guest_fork_child_setup(const int fds[4], int kernel_host, RawSyscall sys) {
  sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0, 0);
  if (sys(SYS_getppid, 0, 0, 0, 0, 0, 0) != kernel_host) sys(SYS_exit_group, 127, 0, 0, 0, 0, 0);
  struct stat st{};
  sys(SYS_fstat, 3, long(&st), 0, 0, 0, 0);
  for (int i = 0; i < 4; i++) sys(SYS_dup3, fds[i], 3 + i, O_CLOEXEC, 0, 0, 0);
  sys(SYS_close_range, 7, ~0u, 0, 0, 0, 0);
  return MemoryObjectId{uint64_t(st.st_dev), uint64_t(st.st_ino)};
}

long guest_fork_remap(MemoryObjectId old, int new_fd, RawSyscall sys) {
  long fd = sys(SYS_open, long("/proc/self/maps"), O_RDONLY | O_CLOEXEC, 0, 0, 0, 0);
  if (fd < 0) return fd;
  long len = 0;
  for (;;) {
    long n = sys(SYS_read, fd, long(g_maps + len), kMapsBytes - len, 0, 0, 0);
    if (n <= 0) break;
    len += n;
    if (len == kMapsBytes) break;
  }
  sys(SYS_close, fd, 0, 0, 0, 0, 0);
  if (len == kMapsBytes) return -E2BIG;
  // The device as /proc shows it: major:minor in hex.
  uint64_t major = ((old.dev >> 8) & 0xfff) | ((old.dev >> 32) & ~0xfffull);
  uint64_t minor = (old.dev & 0xff) | ((old.dev >> 12) & ~0xffull);
  long replaced = 0;
  const char* p = g_maps;
  const char* end = g_maps + len;
  while (p < end) {
    const char* eol = p;
    while (eol < end && *eol != '\n') eol++;
    uint64_t lo, hi, off, maj, min, ino;
    const char* q = p;
    char perms[4] = {};
    bool ok = parse_hex(q, eol, lo) && q < eol && *q++ == '-' && parse_hex(q, eol, hi) && q < eol && *q++ == ' ';
    if (ok && eol - q >= 5) {
      for (int i = 0; i < 4; i++) perms[i] = q[i];
      q += 5;
      ok = parse_hex(q, eol, off) && q < eol && *q++ == ' ' && parse_hex(q, eol, maj) && q < eol && *q++ == ':' &&
           parse_hex(q, eol, min) && q < eol && *q++ == ' ' && parse_dec(q, eol, ino);
    } else {
      ok = false;
    }
    if (ok && ino == old.ino && maj == major && min == minor && perms[3] == 's') {
      long prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
                  (perms[2] == 'x' ? PROT_EXEC : 0);
      long r = sys(SYS_mmap, long(lo), long(hi - lo), prot, MAP_SHARED | MAP_FIXED, new_fd, long(off));
      if (r != long(lo)) return r < 0 ? r : -EFAULT;
      replaced++;
    }
    p = eol + 1;
  }
  return replaced;
}

}  // namespace psx
