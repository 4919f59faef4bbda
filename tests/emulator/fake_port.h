// A stand-in kernel host for emulator tests: answers the handful of calls the
// test guests and a static musl hello world make, reading and writing guest
// buffers through the memory object (as the real kernel host does, in place).
// run_in_child runs the emulator in a forked child (exit actions end the
// process) and brings back every frame, the guest's output and the wait status.
#pragma once
#include <stdint.h>

#include <string>
#include <vector>

#include "emulator/rv32_emulator.h"
#include "tests/emulator/test_image.h"

namespace psx::emu::test {

// Test-only syscall: answered with Action::kSetThreadPointer(a0).
inline constexpr int32_t kNrTestSetTp = 1000;
// Signal test calls (guest_cases.S): a fault handler; an interrupted call;
// a wake from outside 20 ms later; a series of wakes. Deliveries save kFakeSavedMask.
inline constexpr int32_t kNrTestFaultHandler = 1001, kNrTestInterrupted = 1002, kNrTestWakeLater = 1003,
                        kNrTestWakes = 1004;
inline constexpr uint64_t kFakeSavedMask = 0xabcd00001234;

struct ChildResult {
  std::vector<Frame> frames;
  std::string output;  // bytes written to fds 1 and 2
  std::string error;   // run_riscv32's message, if it returned
  int status = 0;      // waitpid status of the child
};

// `read_data` is what read(2) from fd 0 copies into the guest.
ChildResult run_in_child(const TestImage& img, const std::string& read_data = "");

}  // namespace psx::emu::test
