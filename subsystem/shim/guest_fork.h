// The guest host process's side of fork, shared by the native shim and the
// RV32 emulator (freestanding: the native shim runs it while the guest owns %fs).
//
//   parent: receive the child's descriptors (guest_fork_receive), clone the
//           host process with CLONE_PARENT (the kernel host becomes the
//           child's parent, so it reaps it and learns how it ended), send
//           kPsxForkDone with the child's host pid;
//   child:  guest_fork_child_setup (its descriptors at 3..6, die with the
//           kernel host), send kPsxForkChild on its new channel and wait, then
//           guest_fork_remap: every mapping of the parent's memory object is
//           replaced by the same range of the child's (already a copy).
#pragma once
#include <stdint.h>

#include "kernelprocs/channel_guest.h"

namespace psx {

// Receives n descriptors sent with SCM_RIGHTS on the control socket; they
// are moved to numbers >= 100. Returns n, or -errno.
int guest_fork_receive(int control_fd, int* fds, int n, RawSyscall sys);
// clone(CLONE_PARENT): 0 in the child, its host pid in the parent, or -errno.
long guest_fork_clone(RawSyscall sys);
// In the child: fds = memory object, channel object, doorbell, control
// socket (as received) become 3, 4, 5, 6; every other descriptor but 0-2 is
// closed; the child dies with the kernel host. Returns the old memory
// object's identity (for guest_fork_remap): st_dev and st_ino packed.
struct MemoryObjectId {
  uint64_t dev, ino;
};
MemoryObjectId guest_fork_child_setup(const int fds[4], int kernel_host, RawSyscall sys);
// Replaces every mapping of the object `old` by the same offsets of new_fd.
// Returns the number of mappings replaced, or -errno.
long guest_fork_remap(MemoryObjectId old, int new_fd, RawSyscall sys);

}  // namespace psx
