# Every C++ target uses libc++; nothing compiled against libstdc++ is linked in.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "psx is built with Clang and libc++ (got ${CMAKE_CXX_COMPILER_ID}); use scripts/build.sh")
endif()
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-stdlib=libc++>)
add_link_options(-stdlib=libc++ -fuse-ld=lld)
add_compile_options(-Wall -Wextra -Wno-unused-parameter -fno-omit-frame-pointer)
add_compile_definitions(FMT_HEADER_ONLY)
# Headers are included by component folder: #include "kernelprocs/message.h".
include_directories(${CMAKE_SOURCE_DIR})

# Code that runs on a guest's trap must not touch %fs (the guest owns it), so it
# is freestanding: no stack protector (reads %fs:0x28), no exceptions, no TLS.
set(PSX_SHIM_FLAGS -fno-stack-protector -fno-exceptions -fno-rtti -ffreestanding
    -fno-builtin -mno-red-zone -fno-sanitize=all -fcf-protection=none)
