#!/bin/sh
# Runs each case of fault_default.c under a runner and prints its output and
# how it ended, one line per case, for a diff against expected/fault_default.out.
# usage: fault_status.sh PROGRAM RUNNER... (e.g. qemu-riscv32, or psx run)
set -u
prog=$1
shift
ulimit -c 0  # qemu-user writes a guest core file into the working directory otherwise
for c in $("$@" "$prog"); do
  out=$( ("$@" "$prog" "$c") 2>/dev/null)  # the subshell's notice ("Bus error") too
  st=$?
  if [ "$st" -gt 128 ]; then
    echo "${out}killed by SIG$(kill -l $((st - 128)))"
  else
    echo "${out}, exit $st"
  fi
done
