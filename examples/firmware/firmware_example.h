/* What the firmware example runs, shared with the test that checks its output
 * (tests/firmware/firmware_boundary_check.cc): the layer it cuts after and the
 * input it feeds. Plain C, so both the C example and the C++ checker use it. */
#ifndef SEAM_EXAMPLES_FIRMWARE_FIRMWARE_EXAMPLE_H_
#define SEAM_EXAMPLES_FIRMWARE_FIRMWARE_EXAMPLE_H_

#include <stddef.h>

/* The model is the zoo's lenet5, embedded at build time (CMakeLists.txt);
 * the edge runs up to and including this layer (boundary: 6x14x14 floats). */
#define SEAM_FIRMWARE_CUT_NODE "pool1"

/* Element i of the input: a deterministic pattern in [-0.5, 0.5), standing in
 * for a sensor frame. */
static inline float seam_firmware_input(size_t i) {
  return (float)((i * 7919u) % 256u) / 256.0f - 0.5f;
}

#endif /* SEAM_EXAMPLES_FIRMWARE_FIRMWARE_EXAMPLE_H_ */
