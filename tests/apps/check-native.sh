#!/usr/bin/env bash
# tests/apps/check-native.sh [--update]
#
# Runs the three application workloads with the programs scripts/setup.sh built, directly
# on Linux (x86-64) and under qemu-riscv32 (riscv32 Lua and SQLite; see README.md for why
# not BusyBox), each in a fresh empty directory, and compares every output with the
# expected.out beside the workload. --update rewrites expected.out from the x86-64 runs.
# This checks the workloads and the reference programs; the psx runs are the
# differential tests' business (README.md says how to run them).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
apps="${PSX_CACHE:-$HOME/.cache/psx}/apps"
update=0; [ "${1:-}" = --update ] && update=1
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fails=0

# run NAME ARCH STDIN COMMAND...: COMMAND runs with an empty environment, stdin from
# STDIN, stdout+stderr to $tmp/NAME-ARCH/out; {} in COMMAND stands for a fresh empty
# directory $tmp/NAME-ARCH/w.
run() {
  local name="$1" arch="$2" input="$3"; shift 3
  local d="$tmp/$name-$arch" args=() a
  mkdir -p "$d/w"
  for a in "$@"; do args+=("${a//\{\}/$d/w}"); done
  local rc=0
  (cd "$d" && env -i PATH=/nonexistent HOME=/nonexistent "${args[@]}") <"$input" >"$d/out" 2>&1 || rc=$?
  echo "exit status $rc" >>"$d/out"
  if [ $update -eq 1 ] && [ "$arch" = x86_64 ]; then
    cp "$d/out" "$here/$name/expected.out"
    echo "updated $name/expected.out"
  elif cmp -s "$d/out" "$here/$name/expected.out"; then
    echo "ok    $name ($arch)"
  else
    echo "FAIL  $name ($arch):"; diff "$here/$name/expected.out" "$d/out" | head -n 20
    fails=$((fails + 1))
  fi
}

qemu="$(command -v qemu-riscv32 || true)"
for arch in x86_64 riscv32; do
  if [ ! -x "$apps/$arch/lua" ]; then echo "skip  $arch: no programs in $apps/$arch"; continue; fi
  if [ "$arch" = riscv32 ]; then
    [ -n "$qemu" ] || { echo "skip  riscv32: no qemu-riscv32"; continue; }
    [ $update -eq 0 ] || continue
    pre=("$qemu")
  else
    pre=()
  fi
  run lua "$arch" /dev/null "${pre[@]}" "$apps/$arch/lua" "$here/lua/files.lua" {}
  run sqlite "$arch" "$here/sqlite/workload.sql" "${pre[@]}" "$apps/$arch/sqlite3" {}/test.db
  if [ "$arch" = x86_64 ]; then
    run busybox "$arch" /dev/null "$apps/$arch/busybox" sh "$here/busybox/script.sh" {}
  fi
done
[ $fails -eq 0 ] || { echo "$fails workload(s) differ"; exit 1; }
