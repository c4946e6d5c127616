# SEAM_BUILD_FUZZERS: build the libFuzzer targets in tests/fuzz/ (tools/fuzz.sh
# drives this). libFuzzer ships with clang only, so other compilers are a
# configure error. Everything (seam's libraries too) is compiled with
# coverage instrumentation for the fuzzer and with ASan + UBSan, so a memory
# error or undefined behaviour anywhere below a target is a crash it reports.
option(SEAM_BUILD_FUZZERS "Build the libFuzzer targets (clang only; see tools/fuzz.sh)" OFF)
if(SEAM_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang" OR NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR
      "SEAM_BUILD_FUZZERS needs clang (libFuzzer is part of clang), but the C++ compiler is "
      "${CMAKE_CXX_COMPILER_ID} (${CMAKE_CXX_COMPILER}). Configure a separate build directory with "
      "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++, or run tools/fuzz.sh, which does.")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
