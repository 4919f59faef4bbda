// The pipe kernel process: anonymous pipes (pipe, pipe2) and the FIFOs of the
// store, with Linux's semantics. Payload never rides in messages: a read or
// write names the guest's buffer, and when a writer meets a parked reader the
// bytes go from one guest buffer straight into the other (one copy). Only
// bytes that must wait are copied into the pipe's ring and out again.
//
// Per pipe: a ring (65536 bytes, Linux's default; F_SETPIPE_SZ changes it),
// the open *descriptions* of each end (a dup or a fork shares one), parked
// readers and writers in arrival order, parked FIFO opens, and poll waiters.
// Writes of at most PIPE_BUF bytes are all-or-nothing; larger ones may be
// split. A request parked here is answered later, or at kOpCancel (-EINTR, or
// the bytes a write already moved), or when its description's last reference
// closes (-EBADF), or dropped unanswered when its sender is gone.
#pragma once
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "kernelprocs/kernel.h"

namespace psx {

inline constexpr uint32_t kPipeBuf = 4096;              // PIPE_BUF: the atomic write size
inline constexpr uint32_t kPipeDefaultSize = 65536;     // a new pipe's capacity
inline constexpr uint32_t kPipeMaxSize = 1u << 20;      // /proc/sys/fs/pipe-max-size
inline constexpr uint64_t kPipeWriterGone = 1;          // a write reply's arg[1]: see kPipeWrite

// Requests. `desc` below is the id of the sender's open file description
// (any value unique while it is open); `flags` are its status flags at call
// time (O_NONBLOCK: answer -EAGAIN instead of parking).
enum PipeOp : uint16_t {
  // arg[0] = creator uid << 32 | gid. Reply: the new pipe's id (> 0), with
  // one read and one write description open.
  kPipeCreate = 0x0600,
  // Open of a FIFO: arg[0] = its inode, arg[1] = open flags (O_ACCMODE |
  // O_NONBLOCK). As Linux's fifo_open: a reader waits for a writer to open,
  // a writer for a reader (non-blocking: at once; a writer with no reader:
  // -ENXIO); O_RDWR never waits. Reply: the pipe id, arg[1] = the writer
  // opens the description has seen (PipePollEntry::seen).
  kPipeOpen,
  // The last reference of a description closed: arg[0] = pipe id,
  // arg[1] = its status flags (the access mode says which ends), arg[2] = desc. No reply.
  kPipeRelease,
  // arg[0] = pipe id, arg[1] = flags, arg[2] = desc; buf = the guest range.
  // Reply: bytes read (0: end of file), or -EAGAIN, -EINTR, -EFAULT, -EBADF.
  kPipeRead,
  // As kPipeRead. Reply: bytes written, or -EPIPE (no reader: the sender
  // raises SIGPIPE), -EAGAIN, -EINTR, -EFAULT. arg[1] = kPipeWriterGone when a
  // partial count is answered because the last reader went (SIGPIPE too).
  kPipeWrite,
  // Readiness: buf = an array of PipePollEntry (in the sender's memory),
  // arg[1] = 1: park until one of them is ready. Reply at once: arg[0] = how
  // many are ready, revents written in place. Reply after parking: arg[0] = 0,
  // arg[1] = 1 ("look again"; nothing is written then, so the sender may have
  // reused the array).
  kPipePoll,
  kPipeStat,      // arg[0] = pipe id; buf = an ObjectStat to fill. Reply 0 or -errno.
  kPipeFionread,  // arg[0] = pipe id. Reply: bytes buffered.
  // arg[0] = pipe id, arg[1] = new capacity (< 0: only ask). Reply: the
  // capacity (rounded up to a power-of-two number of pages), or -EBUSY (more
  // bytes buffered), -EPERM (over kPipeMaxSize), -EINVAL.
  kPipeSize,
};

enum PipeEnds : uint8_t { kPipeReadEnd = 1, kPipeWriteEnd = 2 };

// One descriptor of a poll, as the pipe process sees it.
struct PipePollEntry {
  uint32_t pipe = 0;  // pipe id
  // Writer opens when the description was opened: a FIFO reader that opened
  // with no writer sees POLLHUP only once one came and went (0 otherwise).
  uint32_t seen = 0;
  uint16_t events = 0;   // the poll events asked; POLLERR and POLLHUP always count
  uint16_t revents = 0;  // written by the pipe process
  uint8_t ends = 0;      // PipeEnds the description has
  uint8_t pad[3] = {};
};
static_assert(sizeof(PipePollEntry) == 16);

class PipeProcess : public KernelProcess {
 public:
  static constexpr Address kAddress{0, kPipe, 0};
  void on_message(Kernel& k, const Message& m) override;
  const char* name() const override { return "pipe"; }
  size_t pipes() const { return pipes_.size(); }  // for tests

 private:
  // A parked read or write; `done` = bytes a write already moved.
  struct Waiter {
    Message m;
    uint64_t done = 0;
  };
  struct Pipe {
    uint32_t id = 0;
    uint64_t fifo_ino = 0;  // 0: an anonymous pipe
    std::vector<uint8_t> ring;  // allocated when a byte first waits in it
    uint32_t capacity = kPipeDefaultSize;
    uint64_t head = 0, count = 0;  // ring: read position, bytes buffered
    uint32_t readers = 0, writers = 0;      // open descriptions of each end
    uint32_t r_counter = 0, w_counter = 0;  // opens ever (Linux's r_counter / w_counter)
    std::deque<Waiter> reads, writes;
    std::vector<Waiter> opens;  // FIFO opens waiting for a partner; done = the counter they wait on
    uint32_t pollers = 0;       // poll waiters that watch this pipe
    uint32_t uid = 0, gid = 0;
    int64_t atime = 0, mtime = 0, ctime = 0;  // ns since the epoch
  };
  struct PollWaiter {
    Message m;
    std::vector<PipePollEntry> entries;
  };

  Pipe* find(uint64_t id);
  Pipe& make(uint64_t fifo_ino, uint32_t uid, uint32_t gid);
  void create(Kernel& k, const Message& m);
  void open_fifo(Kernel& k, const Message& m);
  void release(Kernel& k, const Message& m);
  void read(Kernel& k, const Message& m);
  void write(Kernel& k, const Message& m);
  void poll(Kernel& k, const Message& m);
  void stat(Kernel& k, const Message& m);
  void resize(Kernel& k, const Message& m);
  void cancel(Kernel& k, const Message& m);

  // Moves bytes as far as they go: the ring to parked readers, parked writers
  // to parked readers, parked writers into the ring.
  void pump(Kernel& k, Pipe& p);
  bool take_reader(Kernel& k, Pipe& p, Waiter& r, uint8_t*& dst);
  // After the counts of an end fell: EPIPE for writers, EOF for readers;
  // the pipe goes when nobody has it open.
  void ends_changed(Kernel& k, Pipe& p);
  // Wakes the poll waiters that watch p and are now ready.
  void changed(Kernel& k, Pipe& p);
  void wake_pollers(Kernel& k, uint32_t id);
  void wake_opens(Kernel& k, Pipe& p);
  void drop_if_unused(Kernel& k, Pipe& p);
  uint16_t revents(const Pipe* p, const PipePollEntry& e) const;
  void unwatch(const PollWaiter& w);

  uint64_t ring_put(Kernel& k, Pipe& p, const uint8_t* src, uint64_t n);
  uint64_t ring_get(Kernel& k, Pipe& p, uint8_t* dst, uint64_t n);
  void finish_write(Kernel& k, const Waiter& w, int64_t result, uint64_t flag = 0);

  std::unordered_map<uint32_t, Pipe> pipes_;
  std::unordered_map<uint64_t, uint32_t> fifos_;  // FIFO inode -> its pipe, while open
  std::vector<PollWaiter> poll_waiters_;
  uint32_t next_id_ = 1;
};

}  // namespace psx
