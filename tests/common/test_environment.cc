// Linked into every test suite: points SEAM_CLI and SEAM_PLUGIN_PATH at this
// build's `seam` binary and plugin directory unless the caller set them, so
// tests run the same under ctest and when started by hand.
#include <cstdlib>

namespace {

struct TestEnvironment {
  TestEnvironment() {
#ifdef SEAM_TEST_CLI
    setenv("SEAM_CLI", SEAM_TEST_CLI, /*overwrite=*/0);
#endif
    setenv("SEAM_PLUGIN_PATH", SEAM_TEST_PLUGIN_DIR, /*overwrite=*/0);
  }
};

const TestEnvironment kEnvironment;

}  // namespace
