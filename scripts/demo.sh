#!/usr/bin/env bash
# Sets everything up, builds, and runs the demo under psx on the default
# record store (~/.local/share/psx/default.psx, or $PSX_STORE), created on
# first use: the demo program is imported into the store and run from there,
# natively for x86-64 and emulated for riscv32; what it wrote is then shown
# from the store, and BusyBox's shell runs a pipeline of processes on it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PSX_BUILD:-$root/build}"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" --target psx guest_demo >/dev/null
psx="$build/bin/psx"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$build/guests/demo" "$stage/demo"
[ -x "$build/guests/demo.rv32" ] && cp "$build/guests/demo.rv32" "$stage/demo.rv32"
echo "== psx store import: the demo programs into /usr/bin of the default store"
"$psx" store import "$stage" /usr/bin
echo
echo "== psx run --stats demo (x86-64, native; found through PATH in the store)"
"$psx" run --stats demo "$@"
if [ -e "$stage/demo.rv32" ]; then
  echo
  echo "== psx run demo.rv32 (riscv32, emulated on Unicorn)"
  "$psx" run demo.rv32 "$@"
fi
echo
echo "== psx store cat /tmp/demo-note.txt (the file the programs appended to)"
"$psx" store cat /tmp/demo-note.txt
bb_root="${PSX_CACHE:-$HOME/.cache/psx}/apps/x86_64/busybox-root"
if [ -d "$bb_root" ]; then
  echo
  echo "== BusyBox in the store (/bin/busybox and its applets), its shell running processes and pipes"
  "$psx" store import "$bb_root" / >/dev/null
  "$psx" run /bin/sh -c 'cat /tmp/demo-note.txt | sort -r | head -1; (sleep 0.1; echo "a subshell in the background") & wait; echo "the shell ran as pid $$"'
fi
