# Guest programs: one C source, built as a static musl x86-64 binary (musl-gcc)
# and, where the riscv32 toolchain is present, as a static RV32I binary.
find_program(MUSL_GCC musl-gcc REQUIRED)
set(PSX_RV32_CC "${PSX_CACHE}/rv32/bin/psx-rv32-cc" CACHE FILEPATH "riscv32 musl compiler wrapper")

# psx_guest_program(NAME SRC [X86_64_ONLY] [CFLAGS...]) -> ${CMAKE_BINARY_DIR}/guests/NAME (and NAME.rv32)
# X86_64_ONLY: no riscv32 build (e.g. threads: the RV32I toolchain has no libatomic
# and Unicorn runs one thread per guest process).
function(psx_guest_program name src)
  cmake_parse_arguments(G "X86_64_ONLY" "" "" ${ARGN})
  set(cflags ${G_UNPARSED_ARGUMENTS})
  set(out ${CMAKE_BINARY_DIR}/guests/${name})
  # Headers beside the source (check.h, …) are inputs too.
  get_filename_component(_dir ${src} DIRECTORY)
  file(GLOB _headers ${_dir}/*.h)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/guests
    COMMAND ${MUSL_GCC} -static -O2 -Wall ${cflags} -o ${out} ${src}
    DEPENDS ${src} ${_headers} VERBATIM)
  set(outs ${out})
  if(EXISTS ${PSX_RV32_CC} AND NOT G_X86_64_ONLY)
    add_custom_command(OUTPUT ${out}.rv32
      COMMAND ${PSX_RV32_CC} -O2 -Wall ${cflags} -o ${out}.rv32 ${src}
      DEPENDS ${src} ${_headers} VERBATIM)
    list(APPEND outs ${out}.rv32)
  endif()
  add_custom_target(guest_${name} ALL DEPENDS ${outs})
endfunction()
