#!/usr/bin/env bash
# Installs everything psx needs on a Debian 12 machine, idempotently.
# A second run on a ready machine only checks and takes a few seconds.
# Toolchains built from source are cached under ${PSX_CACHE:-~/.cache/psx}.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PSX_CACHE="${PSX_CACHE:-$HOME/.cache/psx}"
say() { printf 'setup: %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(
  clang lld libc++-dev libc++abi-dev cmake ninja-build googletest
  musl-tools libunicorn-dev liblmdb-dev lmdb-utils libfmt-dev
  gcc-riscv64-unknown-elf qemu-user dpkg-dev tcl hyperfine
)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

# Source packages (Google Benchmark, Lua, SQLite, BusyBox) need a deb-src entry.
src_list=/etc/apt/sources.list.d/psx-debian-src.sources
need_update=0
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null; then
  say "adding a deb-src entry for bookworm ($src_list)"
  $SUDO tee "$src_list" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  need_update=1
fi

if [ ${#missing[@]} -gt 0 ] || [ $need_update -eq 1 ]; then
  say "apt-get update"
  $SUDO apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "Debian packages: all ${#packages[@]} present"
fi

# fetch_source NAME DIRGLOB: unpack Debian's source package NAME under $PSX_CACHE/src once.
fetch_source() {
  local name="$1" glob="$2"
  mkdir -p "$PSX_CACHE/src"
  if compgen -G "$PSX_CACHE/src/$glob/" >/dev/null; then return 0; fi
  say "fetching Debian source package $name"
  local tmp; tmp="$(mktemp -d "$PSX_CACHE/src/.fetch.XXXXXX")"
  (cd "$tmp" && apt-get source -qq "$name" >/dev/null 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; })
  local d; d="$(cd "$tmp" && ls -d $glob | head -1)"
  mv "$tmp/$d" "$PSX_CACHE/src/$d"
  rm -rf "$tmp"
}
export -f fetch_source say

# Google Benchmark is compiled by our build with libc++; Debian ships its source.
fetch_source benchmark 'benchmark-1.*'

# Further toolchain pieces add themselves here as scripts/setup.d/*.sh (sorted).
if [ -d "$here/setup.d" ]; then
  for s in "$here"/setup.d/*.sh; do
    [ -e "$s" ] || continue
    bash "$s"
  done
fi
say "ready (cache: $PSX_CACHE)"
