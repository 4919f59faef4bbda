/* Provided by psx's scripts/setup.d/30-guest-apps.sh.
 *
 * Debian's lua5.4 source (patch 0001-build-system) makes luaconf.h include
 * this header, which Debian's build generates from $(DEB_HOST_MULTIARCH).
 * It only names the multiarch directory in LUA_CPATH_DEFAULT
 * (/usr/lib/<triplet>/lua/5.4/), which a static Lua without dlopen never
 * uses; we pick the triplet from the compiler's target. */
#ifndef LUA54_DEB_MULTIARCH_H
#define LUA54_DEB_MULTIARCH_H
#if defined(__x86_64__)
#define DEB_HOST_MULTIARCH "x86_64-linux-musl"
#elif defined(__riscv) && __riscv_xlen == 32
#define DEB_HOST_MULTIARCH "riscv32-linux-musl"
#else
#error "psx builds Lua only for x86_64 and riscv32"
#endif
#endif
