#!/usr/bin/env bash
# Configures and builds psx into ./build (or $PSX_BUILD) with Clang and libc++.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PSX_BUILD:-$root/build}"
export PSX_CACHE="${PSX_CACHE:-$HOME/.cache/psx}"
bench_src="$(ls -d "$PSX_CACHE"/src/benchmark-1.*/ 2>/dev/null | head -1)"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE="${PSX_BUILD_TYPE:-RelWithDebInfo}" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DPSX_CACHE="$PSX_CACHE" -DPSX_BENCHMARK_SRC="${bench_src%/}" >/dev/null
fi
cmake --build "$build" -j"${PSX_JOBS:-$(nproc)}" "$@"
