#!/usr/bin/env bash
# Builds musl 1.2.5 (Debian trixie's source package; the first musl with the
# riscv32 port) as a static libc for riscv32-linux-musl under $PSX_CACHE/rv32,
# and installs the psx-rv32-cc compiler wrapper beside it.
# Run by scripts/setup.sh, which exports PSX_CACHE, say and fetch_source.
# A second run with a matching stamp only refreshes the wrapper.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${PSX_CACHE:=$HOME/.cache/psx}"
if ! declare -F say >/dev/null; then say() { printf 'setup: %s\n' "$*" >&2; }; fi

prefix="$PSX_CACHE/rv32"
stamp="$prefix/.psx-stamp"
# What a cached build must have been made with. Change it to force a rebuild.
# The library needs A (musl's riscv32 atomics are lr.w/sc.w); programs need not.
recipe="musl/trixie riscv32-linux-musl -march=rv32ima -mabi=ilp32 static recipe-1"
cc_libc="riscv64-unknown-elf-gcc -march=rv32ima -mabi=ilp32"

install_wrapper() {
  local src="$here/../psx-rv32-cc" dst="$prefix/bin/psx-rv32-cc"
  mkdir -p "$prefix/bin"
  if ! cmp -s "$src" "$dst" 2>/dev/null; then
    say "installing the riscv32 compiler wrapper ($dst)"
    install -m 0755 "$src" "$dst"
  fi
}

if [ -f "$prefix/lib/libc.a" ] && [ "$(head -1 "$stamp" 2>/dev/null)" = "$recipe" ]; then
  install_wrapper
  say "musl for riscv32: cached ($(sed -n 2p "$stamp"))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
for tool in riscv64-unknown-elf-gcc dpkg-source apt-get; do
  command -v "$tool" >/dev/null || { say "missing $tool (scripts/setup.sh installs it)"; exit 1; }
done

started=$(date +%s)
mkdir -p "$PSX_CACHE/src"
work="$(mktemp -d "$PSX_CACHE/src/.musl-rv32.XXXXXX")"
trixie_list=/etc/apt/sources.list.d/psx-trixie-src.sources
cleanup() {
  # The trixie entry is source-only and temporary: never leave it behind,
  # so later apt operations on this bookworm machine never see trixie.
  if [ -e "$trixie_list" ]; then
    say "removing the temporary trixie deb-src entry"
    $SUDO rm -f "$trixie_list"
    $SUDO apt-get update -qq || say "warning: apt-get update after removing trixie failed"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

say "adding a temporary deb-src entry for trixie ($trixie_list)"
$SUDO tee "$trixie_list" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
say "apt-get update (with trixie sources)"
$SUDO apt-get update -qq
say "downloading the musl source package from trixie"
(cd "$work" && apt-get source -qq --download-only musl/trixie >"$work/apt.log" 2>&1) \
  || { cat "$work/apt.log" >&2; exit 1; }
# Done with trixie: drop the entry now rather than at exit.
say "removing the temporary trixie deb-src entry"
$SUDO rm -f "$trixie_list"
$SUDO apt-get update -qq

dsc="$(ls "$work"/musl_*.dsc | head -1)"
version="$(basename "$dsc" .dsc)"; version="${version#musl_}"
say "unpacking musl $version (dpkg-source applies Debian's patches)"
(cd "$work" && dpkg-source -q -x "$(basename "$dsc")" src >"$work/unpack.log" 2>&1) \
  || { cat "$work/unpack.log" >&2; exit 1; }

say "configuring musl $version for riscv32-linux-musl ($cc_libc)"
rm -rf "$prefix.new"
(cd "$work/src" &&
  CC="$cc_libc" AR=riscv64-unknown-elf-ar RANLIB=riscv64-unknown-elf-ranlib \
    ./configure --target=riscv32-linux-musl --prefix="$prefix.new" --disable-shared --disable-wrapper \
    >"$work/configure.log" 2>&1) || { cat "$work/configure.log" >&2; exit 1; }
say "building musl (make -j2, about a minute)"
(cd "$work/src" && make -j2 >"$work/make.log" 2>&1 && make install >>"$work/make.log" 2>&1) \
  || { tail -40 "$work/make.log" >&2; exit 1; }

# Swap the finished tree in whole, so an interrupted build never looks cached.
rm -rf "$prefix"
mv "$prefix.new" "$prefix"
printf '%s\nmusl %s\n' "$recipe" "$version" >"$stamp"
install_wrapper
say "musl $version for riscv32 built in $(( $(date +%s) - started )) s ($prefix)"
