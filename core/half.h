// IEEE 754 binary16 <-> binary32 conversion (round to nearest even), for the
// fp16 wire encoding. Portable bit manipulation: no F16C/NEON needed.
#pragma once

#include <cstdint>

namespace seam {

uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t half);

}  // namespace seam
