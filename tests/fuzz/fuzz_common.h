// Shared by the libFuzzer targets and their regression replay test: a way to
// stop loudly when a property of the code under test is broken.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace seam::fuzz {

// A property of the code under test does not hold: print it and abort, so
// libFuzzer saves the input as a crash and the replay test fails.
[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace seam::fuzz
