#!/usr/bin/env bash
# Sets everything up, builds, and runs the demo program under psx: once
# natively compiled for x86-64, once for riscv32 in emulation.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PSX_BUILD:-$root/build}"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" --target psx guest_demo >/dev/null
echo "== psx run demo (x86-64, native; --stats at the end)"
"$build/bin/psx" run --stats "$build/guests/demo" "$@"
if [ -x "$build/guests/demo.rv32" ]; then
  echo
  echo "== psx run demo.rv32 (riscv32, emulated on Unicorn)"
  "$build/bin/psx" run "$build/guests/demo.rv32" "$@"
fi
