#include "tests/emulator/fake_port.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <atomic>
#include <thread>

namespace psx::emu::test {
namespace {

// Records from child to parent over a pipe: a type byte, a length, the bytes.
enum Record : uint8_t { kFrame = 'F', kOutput = 'O', kError = 'E' };

void send(int fd, Record type, const void* data, uint32_t len) {
  uint8_t head[5] = {type};
  memcpy(head + 1, &len, 4);
  (void)!write(fd, head, 5);
  if (len) (void)!write(fd, data, len);
}

bool read_full(int fd, void* buf, size_t len) {
  auto* p = static_cast<uint8_t*>(buf);
  while (len) {
    ssize_t n = read(fd, p, len);
    if (n <= 0) return false;
    p += n;
    len -= size_t(n);
  }
  return true;
}

struct Mapping {
  uint64_t va, len, offset;
};

class FakeKernel final : public SyscallPort {
 public:
  FakeKernel(const TestImage& img, int out, std::string read_data)
      : memfd_(img.memfd), out_(out), size_(img.memfd_size), brk_(img.brk),
        read_data_(std::move(read_data)) {
    for (uint32_t i = 0; i < img.boot.nregions; ++i)
      maps_.push_back({img.boot.regions[i].va, img.boot.regions[i].len,
                       img.boot.regions[i].offset});
  }

  Completion call(const Frame& f) override {
    send(out_, kFrame, &f, sizeof f);
    Completion c{};
    c.tag = f.tag;
    const uint64_t* a = f.args;
    if (f.flags & kFrameFault) {
      if (fault_handler_) return signal(c, f.nr, int(a[2]), a[0], fault_handler_, false);
      c.action = Action::kKillSelf;  // default action of every fault signal
      c.a[0] = uint64_t(f.nr);
      return c;
    }
    if (f.flags & kFramePsx) {
      if (f.nr == kPsxForkDone) c.result = int64_t(a[0]);  // the port could not fork: its error
      if (f.nr == kPsxSignalCheck && wakes_sent_ > wakes_answered_) {
        wakes_answered_++;
        return signal(c, SIGUSR1, 0, 0, wake_va_, false);
      }
      return c;
    }
    switch (f.nr) {
      case kNrTestFaultHandler: fault_handler_ = uint32_t(a[0]); break;
      case kNrTestInterrupted:
        if (interrupted_++) {
          c.result = int64_t(a[0]) + 1;
          break;
        }
        c.result = -EINTR;
        return signal(c, SIGALRM, 0x80, 0, uint32_t(a[2]), a[1] != 0);
      case kNrTestWakeLater:
      case kNrTestWakes: {
        wake_va_ = uint32_t(a[0]);
        int count = f.nr == kNrTestWakes ? int(a[1]) : 1;
        long delay_us = f.nr == kNrTestWakes ? 2000 : 20000;
        pid_t tid = pid_t(syscall(SYS_gettid));
        // Like the kernel host, wake again (every 2 ms) until the signal is
        // asked for: a wake during a round trip is ignored by design.
        std::thread([this, tid, count, delay_us] {
          for (int i = 0; i < count; i++) {
            usleep(useconds_t(delay_us));
            wakes_sent_++;
            do {
              syscall(SYS_tgkill, getpid(), tid, kWakeSignal);
              usleep(2000);
            } while (wakes_answered_ < wakes_sent_);
          }
        }).detach();
        break;
      }
      case 134: break;  // rt_sigaction: accepted (the emulator reads the handler itself)
      case 139: break;  // rt_sigreturn: the frame (and its mask) is recorded
      case 220:         // clone: fork, which the fake port cannot do
        c.action = Action::kFork;
        c.a[0] = 5;
        break;
      case 64:  // write
        c.result = guest_write(a[1], a[2]);
        break;
      case 66: {  // writev
        int64_t total = 0;
        for (uint64_t i = 0; i < a[2]; ++i) {
          uint32_t iov[2];
          if (!guest_copy(a[1] + 8 * i, iov, 8, false)) return fail(c, EFAULT);
          int64_t n = guest_write(iov[0], iov[1]);
          if (n < 0) return fail(c, -n);
          total += n;
        }
        c.result = total;
        break;
      }
      case 63: {  // read: fd 0 yields read_data
        uint64_t n = std::min<uint64_t>(a[2], read_data_.size());
        if (!guest_copy(a[1], read_data_.data(), n, true)) return fail(c, EFAULT);
        read_data_.erase(0, n);
        c.result = int64_t(n);
        break;
      }
      case 93: case 94:  // exit, exit_group
        c.action = Action::kExit;
        c.a[0] = a[0];
        break;
      case 96: c.result = 42; break;  // set_tid_address
      case 214: c.result = brk_; break;  // brk never grows: musl falls back to mmap
      case 29: return fail(c, ENOTTY);  // ioctl
      case 222: {  // mmap2, anonymous only
        uint64_t len = (a[1] + 4095) & ~uint64_t{4095};
        if (!(a[3] & 0x20) || len == 0) return fail(c, ENOSYS);
        uint64_t off = size_;
        size_ += len;
        if (ftruncate(memfd_, off_t(size_)) != 0) return fail(c, ENOMEM);
        next_va_ -= len;
        maps_.push_back({next_va_, len, off});
        c.result = int64_t(next_va_);
        c.action = Action::kMap;
        c.a[0] = next_va_;
        c.a[1] = len;
        c.a[2] = off;
        c.a[3] = a[2];
        c.a[4] = kMapReplace;
        break;
      }
      case 215:  // munmap
        c.action = Action::kUnmap;
        c.a[0] = a[0];
        c.a[1] = a[1];
        break;
      case 226:  // mprotect
        c.action = Action::kProtect;
        c.a[0] = a[0];
        c.a[1] = a[1];
        c.a[2] = a[2];
        break;
      case kNrTestSetTp:
        c.action = Action::kSetThreadPointer;
        c.a[0] = a[0];
        break;
      default: return fail(c, ENOSYS);
    }
    return c;
  }

 private:
  SignalDelivery signal_delivery() override { return delivery_; }

  // Action::kSignal for `sig` with the delivery block Linux's would hold.
  Completion signal(Completion& c, int sig, int code, uint64_t addr, uint32_t handler, bool restart) {
    delivery_ = SignalDelivery{};
    delivery_.handler = handler;
    delivery_.saved_mask = kFakeSavedMask;
    delivery_.restart = restart;
    int32_t words[4] = {sig, 0, code, int32_t(addr)};  // riscv32 siginfo: signo, errno, code, addr
    memcpy(delivery_.siginfo, words, sizeof words);
    c.action = Action::kSignal;
    c.a[0] = uint64_t(sig);
    return c;
  }

  static Completion fail(Completion& c, int err) {
    c.result = -err;
    c.action = Action::kNone;
    return c;
  }
  // Guest memory through the memory object, as the kernel host sees it.
  bool guest_copy(uint64_t va, void* buf, uint64_t len, bool to_guest) {
    auto* p = static_cast<uint8_t*>(buf);
    while (len) {
      const Mapping* m = nullptr;
      for (auto& r : maps_)
        if (va >= r.va && va < r.va + r.len) m = &r;
      if (!m) return false;
      uint64_t n = std::min(len, m->va + m->len - va);
      off_t off = off_t(m->offset + (va - m->va));
      ssize_t done = to_guest ? pwrite(memfd_, p, n, off) : pread(memfd_, p, n, off);
      if (done != ssize_t(n)) return false;
      va += n;
      p += n;
      len -= n;
    }
    return true;
  }
  int64_t guest_write(uint64_t va, uint64_t len) {
    std::string bytes(len, '\0');
    if (!guest_copy(va, bytes.data(), len, false)) return -EFAULT;
    send(out_, kOutput, bytes.data(), uint32_t(len));
    return int64_t(len);
  }

  int memfd_, out_;
  uint64_t size_;
  uint32_t brk_;
  std::string read_data_;
  std::vector<Mapping> maps_;
  uint64_t next_va_ = 0x60000000;
  uint32_t fault_handler_ = 0, wake_va_ = 0;
  int interrupted_ = 0;
  std::atomic<int> wakes_sent_{0}, wakes_answered_{0};
  SignalDelivery delivery_{};
};

}  // namespace

ChildResult run_in_child(const TestImage& img, const std::string& read_data) {
  ChildResult r;
  int p[2];
  if (pipe(p) != 0) {
    r.error = "pipe failed";
    return r;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    FakeKernel kernel(img, p[1], read_data);
    std::string err = run_riscv32(img.boot, img.memfd, kernel);
    send(p[1], kError, err.data(), uint32_t(err.size()));
    _exit(99);
  }
  close(p[1]);
  for (;;) {
    uint8_t head[5];
    if (!read_full(p[0], head, 5)) break;
    uint32_t len;
    memcpy(&len, head + 1, 4);
    std::string bytes(len, '\0');
    if (len && !read_full(p[0], bytes.data(), len)) break;
    if (head[0] == kFrame && len == sizeof(Frame)) {
      Frame f;
      memcpy(&f, bytes.data(), sizeof f);
      r.frames.push_back(f);
    } else if (head[0] == kOutput) {
      r.output += bytes;
    } else if (head[0] == kError) {
      r.error = bytes;
    }
  }
  close(p[0]);
  waitpid(pid, &r.status, 0);
  return r;
}

}  // namespace psx::emu::test
