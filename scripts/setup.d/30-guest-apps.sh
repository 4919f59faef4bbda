#!/usr/bin/env bash
# Guest applications: real, unmodified programs from Debian 12's source packages —
# Lua 5.4.4 (lua5.4), SQLite 3.40.1 (sqlite3) and BusyBox 1.35.0 (busybox) — built as
# static musl programs, cached under $PSX_CACHE/apps:
#   $PSX_CACHE/apps/x86_64/{lua,sqlite3,busybox}    musl-gcc (Debian's musl-tools 1.2.3)
#   $PSX_CACHE/apps/riscv32/{lua,sqlite3,busybox}   $PSX_CACHE/rv32/bin/psx-rv32-cc (musl 1.2.5,
#                                                   from 20-musl-rv32.sh), only once it exists
# Run by scripts/setup.sh, which exports PSX_CACHE, say and fetch_source.
#
# Cache: each binary has a key file $PSX_CACHE/apps/ARCH/.APP.key. The key is made of
#   sha256 hashes of: the recipe's input text (arch, the Debian source directory and the
#   first line of its debian/changelog, i.e. the source version, and the `declare -f` text
#   of that program's build and smoke-test functions and the shared helpers they use), the
#   helper files it uses (scripts/apps/*), and the toolchain's files (musl-gcc, its specs
#   and libc.a, the gcc driver; or psx-rv32-cc, the riscv32 libc.a and crt files, the cross
#   gcc driver). A binary whose key matches is not touched; a change to any of those
#   rebuilds that binary alone. The up-to-date check forks only a few processes (a fork
#   costs ~10 ms on these machines), so a run with nothing to do takes well under a second.
# Builds happen in scratch dirs under $PSX_CACHE/apps/.build (the unpacked sources stay
# pristine), each binary is smoke-tested (natively, or under qemu-riscv32) before it is
# installed, and the build log stays in $PSX_CACHE/apps/ARCH/.log/APP.log.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
helpers="$(cd "$here/../apps" && pwd)"
export PSX_CACHE="${PSX_CACHE:-$HOME/.cache/psx}"
declare -F say >/dev/null || say() { printf 'setup: %s\n' "$*" >&2; }
if ! declare -F fetch_source >/dev/null; then
  echo "30-guest-apps.sh: run it through scripts/setup.sh (it needs fetch_source)" >&2
  exit 1
fi

APPS_RECIPE_VERSION=1          # bump to rebuild every guest application
JOBS="${PSX_APPS_JOBS:-2}"
apps="$PSX_CACHE/apps"
rv32_cc="$PSX_CACHE/rv32/bin/psx-rv32-cc"
[ -d "$apps/.keys" ] || mkdir -p "$apps/.keys"
exec 9>"$apps/.lock"
flock 9                         # two set-ups at once would share scratch dirs

fetch_source lua5.4 'lua5.4-5.4.*'
fetch_source sqlite3 'sqlite3-3.*'
fetch_source busybox 'busybox-1.*'
dirs=("$PSX_CACHE"/src/lua5.4-5.4.*/);  src_lua="${dirs[0]%/}"
dirs=("$PSX_CACHE"/src/sqlite3-3.*/);   src_sqlite="${dirs[0]%/}"
dirs=("$PSX_CACHE"/src/busybox-1.*/);   src_bb="${dirs[0]%/}"

# ---------------------------------------------------------------------------------------
# Shared helpers (part of every program's cache key).

# mini_make DIR OUT "CC" "CFLAGS" "LDLIBS" SRC...: compile SRC files into DIR/OUT, -j$JOBS.
mini_make() {
  local dir="$1" out="$2" cc="$3" cflags="$4" ldlibs="$5"; shift 5
  local objs=() s
  for s in "$@"; do objs+=("$(basename "$s" .c).o"); done
  {
    printf 'CC := %s\nCFLAGS := %s\nOBJS := %s\n' "$cc" "$cflags" "${objs[*]}"
    printf '%s: $(OBJS)\n\t$(CC) -static -O2 -o $@ $(OBJS) %s\n' "$out" "$ldlibs"
    for s in "$@"; do
      printf '%s: %s\n\t$(CC) $(CFLAGS) -c -o $@ $<\n' "$(basename "$s" .c).o" "$s"
    done
  } >"$dir/Makefile"
  make -C "$dir" -j"$JOBS" "$out"
}

# cc_for ARCH: the C compiler for that architecture.
cc_for() {
  case "$1" in
    x86_64) echo musl-gcc ;;
    riscv32) echo "$rv32_cc" ;;
  esac
}

# guest_run ARCH BINARY ARGS...: run a built guest on this host, with an empty
# environment and PATH pointing nowhere (so nothing can fall back to host tools).
guest_run() {
  local arch="$1"; shift
  case "$arch" in
    x86_64) env -i PATH=/nonexistent "$@" ;;
    riscv32) env -i PATH=/nonexistent "$(command -v qemu-riscv32)" "$@" ;;
  esac
}

# expect WHAT WANT GOT
expect() {
  if [ "$2" != "$3" ]; then
    printf 'smoke test %s: want %q, got %q\n' "$1" "$2" "$3"
    return 1
  fi
  printf 'smoke test %s: ok\n' "$1"
}

# ---------------------------------------------------------------------------------------
# Lua 5.4: Debian's makefile wants libtool, so compile src/*.c directly — the `lua`
# interpreter only (luac.c has its own main). Debian's patch 0001 makes luaconf.h include
# lua5.4-deb-multiarch.h, which scripts/apps/ provides.
build_lua() {
  local arch="$1" b="$2" s srcs=()
  for s in "$src_lua"/src/*.c; do
    [ "${s##*/}" = luac.c ] || srcs+=("$s")
  done
  mini_make "$b" lua "$(cc_for "$arch")" \
    "-std=gnu99 -O2 -Wall -DLUA_COMPAT_5_3 -DLUA_USE_POSIX -I$helpers" "-lm" "${srcs[@]}"
  mkdir -p "$b/bin"; mv "$b/lua" "$b/bin/lua"
}
smoke_lua() {
  expect "lua -e" "$(printf '42\tLua 5.4')" \
    "$(guest_run "$1" "$2" -e 'print(6*7, _VERSION)')"
}

# SQLite 3.40.1: Debian's source is the full tree, so its own build (host gcc + tclsh)
# generates the amalgamation once (it is the same for every architecture); then the
# shell is compiled from sqlite3.c + shell.c. The HAVE_* defines are what configure
# finds on Linux (without HAVE_USLEEP sqlite3_sleep rounds up to whole seconds).
build_sqlite_amalgamation() {
  local b="$1"
  (cd "$b" && "$src_sqlite/configure" --disable-tcl --disable-readline --disable-load-extension)
  make -C "$b" -j"$JOBS" sqlite3.c shell.c
}
build_sqlite3() {
  local arch="$1" b="$2"
  cp "$amalgamation"/sqlite3.c "$amalgamation"/sqlite3.h "$amalgamation"/shell.c "$b"/
  mini_make "$b" sqlite3 "$(cc_for "$arch")" \
    "-O2 -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DHAVE_USLEEP=1 -DHAVE_FDATASYNC=1 -DHAVE_LOCALTIME_R=1 -DHAVE_GMTIME_R=1 -I." \
    "-lm" "$b/sqlite3.c" "$b/shell.c"
  mkdir -p "$b/bin"; mv "$b/sqlite3" "$b/bin/sqlite3"
}
smoke_sqlite3() {
  expect "sqlite3 :memory:" "$(printf '42\n3.40.1\nok')" \
    "$(guest_run "$1" "$2" :memory: 'create table t(x); insert into t values (6),(7);
       select max(x)*min(x) from t; select sqlite_version(); pragma integrity_check;')"
}

# BusyBox 1.35.0: `make allnoconfig`, then scripts/apps/busybox.config on top, then
# `make oldconfig`; built out of tree. allnoconfig writes *every* option as "not set",
# features of the applets too (find -type, sort -k, ls -R, fractional sleep...), so before
# oldconfig the FEATURE_* options declared in the same source file as an applet the
# fragment enables are dropped from .config: oldconfig then gives them upstream's default,
# as a `make menuconfig` user enabling that applet would see. The fragment can still set
# any of them explicitly. The final .config is kept in $PSX_CACHE/apps/ARCH/.log/.
# The installed binary is busybox_unstripped (symbols kept, as for lua and sqlite3).
busybox_make_vars() {
  case "$1" in
    x86_64) echo "CC=musl-gcc" ;;
    riscv32) echo "CC=$rv32_cc CROSS_COMPILE=riscv64-unknown-elf- HOSTCC=gcc ARCH=riscv32" ;;
  esac
}
apply_config_fragment() {
  local config="$1" fragment="$2" line name
  while IFS= read -r line; do
    case "$line" in
      CONFIG_*=*) name="${line%%=*}" ;;
      "# CONFIG_"*" is not set") name="${line#\# }"; name="${name%% *}" ;;
      *) continue ;;
    esac
    sed -i -e "/^$name=/d" -e "/^# $name is not set\$/d" "$config"
    printf '%s\n' "$line" >>"$config"
  done <"$fragment"
}
release_applet_features() {
  local config="$1" fragment="$2" f script="$1.release"
  grep -r --include='*.c' '^//config:config ' "$src_bb" | awk -v frag="$fragment" '
    BEGIN {
      while ((getline l < frag) > 0) {
        if (l !~ /^(# )?CONFIG_/) continue
        n = l; sub(/^# /, "", n); sub(/^CONFIG_/, "", n); v = n; sub(/[= ].*/, "", n)
        listed[n] = 1
        if (v ~ /=y$/) on[n] = 1
      }
    }
    { split($0, a, ":"); f = a[1]; name = $NF; files[f] = files[f] " " name; if (name in on) want[f] = 1 }
    END {
      for (f in want) {
        k = split(files[f], ns, " ")
        for (i = 1; i <= k; i++) if (ns[i] ~ /^FEATURE_/ && !(ns[i] in listed)) print ns[i]
      }
    }' | sort -u >"$script.list"
  echo "busybox config: features left at their defaults: $(tr '\n' ' ' <"$script.list")"
  sed 's/.*/\/^# CONFIG_& is not set$\/d/' "$script.list" >"$script"
  sed -i -f "$script" "$config"
  rm -f "$script" "$script.list"
}
check_config_fragment() {
  local config="$1" fragment="$2" line name bad=0
  while IFS= read -r line; do
    case "$line" in
      CONFIG_*=*)
        grep -qxF -- "$line" "$config" || { echo "busybox config: wanted $line, got: $(grep "^${line%%=*}=" "$config" || echo unset)"; bad=1; } ;;
      "# CONFIG_"*" is not set")
        name="${line#\# }"; name="${name%% *}"
        if grep -q "^$name=" "$config"; then echo "busybox config: wanted $name unset"; bad=1; fi ;;
    esac
  done <"$fragment"
  return $bad
}
build_busybox() {
  local arch="$1" b="$2" vars
  read -r -a vars <<<"$(busybox_make_vars "$arch")"
  local mk=(make -C "$src_bb" O="$b/obj" "${vars[@]}")
  mkdir -p "$b/obj"
  "${mk[@]}" allnoconfig
  release_applet_features "$b/obj/.config" "$helpers/busybox.config"
  apply_config_fragment "$b/obj/.config" "$helpers/busybox.config"
  { yes '' || true; } | "${mk[@]}" oldconfig >/dev/null
  check_config_fragment "$b/obj/.config" "$helpers/busybox.config"
  cp "$b/obj/.config" "$apps/$arch/.log/busybox.config"
  echo "busybox config: $(grep -c '=y$' "$b/obj/.config") options on"
  "${mk[@]}" -j"$JOBS" busybox
  mkdir -p "$b/bin"; cp "$b/obj/busybox_unstripped" "$b/bin/busybox"
}
smoke_busybox() {
  local arch="$1" bin="$2"
  expect "busybox wc" 3 "$(echo hi | guest_run "$arch" "$bin" wc -c)"
  expect "busybox sh" "hi 42 0" \
    "$(guest_run "$arch" "$bin" sh -c 'x=$(echo hi); f() { local y=$1; echo "$x $((y*7))"; }; printf "%s " "$(f 6)"; true; echo $?')"
  if [ "$arch" = x86_64 ]; then
    # Non-builtin applets re-exec /proc/self/exe: under qemu-riscv32 that is the RV32
    # binary handed to the host's execve, which fails (ENOEXEC) without binfmt_misc.
    expect "busybox sh pipeline" "3 2" \
      "$(guest_run "$arch" "$bin" sh -c 'a=$(echo hi | wc -c); b=$(printf "b\na\nb\n" | sort | uniq | wc -l); echo $a $b')"
  fi
}

# ---------------------------------------------------------------------------------------
# Cache keys and the build driver.

# The toolchain's files, hashed into the key of every program built with it.
toolchain_files() {
  case "$1" in
    x86_64) tc_files=(/usr/bin/musl-gcc /usr/lib/x86_64-linux-musl/musl-gcc.specs
                      /usr/lib/x86_64-linux-musl/libc.a /usr/bin/x86_64-linux-gnu-gcc) ;;
    riscv32) tc_files=("$rv32_cc" "$PSX_CACHE"/rv32/lib/{libc.a,crt1.o,crti.o,crtn.o}
                       /usr/bin/riscv64-unknown-elf-gcc) ;;
  esac
}

# key_input ARCH APP: the recipe text of one program (builtins only: no forks).
key_input() {
  local arch="$1" app="$2" src line
  case "$app" in
    lua) src="$src_lua" ;; sqlite3) src="$src_sqlite" ;; busybox) src="$src_bb" ;;
    sqlite-amalgamation) src="$src_sqlite" ;;
  esac
  read -r line <"$src/debian/changelog"
  printf 'psx guest apps recipe %s: %s %s\n%s\n%s\n' "$APPS_RECIPE_VERSION" "$arch" "$app" "${src##*/}" "$line"
  case "$app" in
    sqlite-amalgamation) declare -f build_sqlite_amalgamation ;;
    *) declare -f mini_make cc_for guest_run expect "build_$app" "smoke_$app" ;;
  esac
  [ "$app" != busybox ] || declare -f busybox_make_vars release_applet_features apply_config_fragment check_config_fragment
}
# app_helper APP: sets helper_file, the one further input file APP depends on.
app_helper() {
  case "$1" in
    lua) helper_file="$helpers/lua5.4-deb-multiarch.h" ;;
    sqlite3) helper_file="$apps/.keys/any-sqlite-amalgamation.in" ;;
    busybox) helper_file="$helpers/busybox.config" ;;
  esac
}

# Hash every input in one sha256sum run; keys[ARCH/APP] is the concatenation of the
# hashes that APP on ARCH depends on.
declare -A sha keys
compute_keys() {
  local arch app f h files=()
  key_input any sqlite-amalgamation >"$apps/.keys/any-sqlite-amalgamation.in"
  files+=("$apps/.keys/any-sqlite-amalgamation.in" "$helpers/lua5.4-deb-multiarch.h" "$helpers/busybox.config")
  for arch in "$@"; do
    toolchain_files "$arch"; files+=("${tc_files[@]}")
    for app in lua sqlite3 busybox; do
      key_input "$arch" "$app" >"$apps/.keys/$arch-$app.in"
      files+=("$apps/.keys/$arch-$app.in")
    done
  done
  while read -r h f; do sha[$f]="${h:0:16}"; done < <(sha256sum -- "${files[@]}" 2>/dev/null || true)
  amalgamation="$apps/.sqlite-amalgamation/${sha[$apps/.keys/any-sqlite-amalgamation.in]:-none}"
  for arch in "$@"; do
    toolchain_files "$arch"
    for app in lua sqlite3 busybox; do
      h="${sha[$apps/.keys/$arch-$app.in]:-missing}"
      app_helper "$app"
      h+=" ${sha[$helper_file]:-missing}"
      for f in "${tc_files[@]}"; do h+=" ${sha[$f]:-missing}"; done
      keys[$arch/$app]="$h"
    done
  done
}

fail() {
  local what="$1" log="$2"
  say "FAILED: $what; last lines of $log:"
  tail -n 40 "$log" >&2
  exit 1
}

# step WHAT LOG >|>> COMMAND...: run COMMAND in a subshell with errexit really on (it is
# ignored inside `cmd || ...`), output to LOG; on failure show the log's tail and exit 1.
step() {
  local what="$1" log="$2" mode="$3" rc; shift 3
  set +e
  if [ "$mode" = ">>" ]; then ( set -euo pipefail; "$@" ) >>"$log" 2>&1
  else ( set -euo pipefail; "$@" ) >"$log" 2>&1; fi
  rc=$?
  set -e
  [ $rc -eq 0 ] || fail "$what" "$log"
}

# The amalgamation is generated once per SQLite source version and recipe.
ensure_amalgamation() {
  [ -f "$amalgamation/.done" ] && return 0
  local b="$apps/.build/sqlite-amalgamation" log="$apps/.build/sqlite-amalgamation.log" t0=$SECONDS c0
  cpu_now; c0=$cpu
  say "generating the SQLite amalgamation (host gcc + tclsh)"
  rm -rf "$b" "$apps/.sqlite-amalgamation"; mkdir -p "$b" "$amalgamation"
  step "SQLite amalgamation" "$log" ">" build_sqlite_amalgamation "$b"
  cp "$b/sqlite3.c" "$b/sqlite3.h" "$b/shell.c" "$amalgamation/"
  touch "$amalgamation/.done"
  rm -rf "$b" "$log"
  cpu_now
  say "SQLite amalgamation: $((SECONDS - t0)) s (CPU $((cpu - c0)) s)"
}

# cpu_now: user+system CPU time of this shell's finished children so far (build path
# only: it forks). Printed beside wall time, which on a shared machine says little.
# Sets cpu; `times` must run in this shell, not in a pipeline or $(...) (a subshell has
# no finished children of its own).
cpu_now() {
  times >"$apps/.times"
  cpu=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] } printf "%d", t }' "$apps/.times")
}

build_arch() {
  local arch="$1" app key old out keyf b log t0 c0 fresh=()
  [ -d "$apps/$arch/.log" ] || mkdir -p "$apps/$arch/.log"
  for app in lua sqlite3 busybox; do
    key="${keys[$arch/$app]}"
    out="$apps/$arch/$app"; keyf="$apps/$arch/.$app.key"; old=""
    [ -f "$keyf" ] && read -r old <"$keyf"
    if [ -x "$out" ] && [ "$old" = "$key" ]; then continue; fi
    [ "$app" = sqlite3 ] && ensure_amalgamation
    say "building $app for $arch ($(basename "$(cc_for "$arch")"), -j$JOBS)"
    b="$apps/.build/$arch/$app"; log="$apps/$arch/.log/$app.log"; t0=$SECONDS; cpu_now; c0=$cpu
    rm -rf "$b"; mkdir -p "$b"
    step "$app for $arch" "$log" ">" "build_$app" "$arch" "$b"
    step "$app for $arch (smoke test)" "$log" ">>" "smoke_$app" "$arch" "$b/bin/$app"
    install -m 755 "$b/bin/$app" "$out.new" && mv -f "$out.new" "$out"
    printf '%s\n' "$key" >"$keyf"
    rm -rf "$b"
    cpu_now
    say "$app ($arch): built and checked in $((SECONDS - t0)) s (CPU $((cpu - c0)) s) -> $out"
    fresh+=("$app")
  done
  [ ${#fresh[@]} -gt 0 ] || say "guest apps ($arch): lua sqlite3 busybox up to date"
}

# A tree to import into a store: bin/busybox and one symlink per applet, so that
# `psx store import $PSX_CACHE/apps/ARCH/busybox-root /` installs BusyBox as a
# system would. The applet list is the x86_64 build's (both use one config).
busybox_root() {
  local arch="$1" root="$apps/$1/busybox-root" a
  [ -x "$apps/$arch/busybox" ] && [ -x "$apps/x86_64/busybox" ] || return 0
  rm -rf "$root.new"; mkdir -p "$root.new/bin"
  cp "$apps/$arch/busybox" "$root.new/bin/busybox"
  for a in $("$apps/x86_64/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$root.new/bin/$a"; done
  rm -rf "$root"; mv "$root.new" "$root"
}

if [ -x "$rv32_cc" ]; then arches=(x86_64 riscv32); else arches=(x86_64); fi
compute_keys "${arches[@]}"
build_arch x86_64
busybox_root x86_64
if [ -x "$rv32_cc" ]; then
  build_arch riscv32
  busybox_root riscv32
else
  say "riscv32 guest apps skipped: $rv32_cc not there yet (a later set-up run builds them)"
fi
[ ! -d "$apps/.build" ] || rmdir "$apps/.build"/* "$apps/.build" 2>/dev/null || true
