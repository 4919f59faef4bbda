#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "${PSX_BUILD:-$root/build}"
ctest --output-on-failure -j"${PSX_JOBS:-$(nproc)}" "$@"
