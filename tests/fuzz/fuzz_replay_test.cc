// Replays a fuzz target's regression inputs (tests/fuzz/regressions/<target>/,
// each an input that once crashed the target and was fixed) through the
// target's own LLVMFuzzerTestOneInput, one GoogleTest per file. Built with
// the normal compiler in every test build, and under ASan + UBSan by
// tools/sanitize.sh, so a fix that regresses fails ctest, not only fuzz.sh.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

std::string TestName(const std::string& file) {
  std::string name;
  for (char c : file) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

class ReplayTest : public ::testing::Test {
 public:
  explicit ReplayTest(fs::path path) : path_(std::move(path)) {}
  void TestBody() override {
    std::ifstream in(path_, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << path_;
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    // A copy of exactly the file's size, as libFuzzer passes it, so ASan
    // sees a read past the end.
    std::vector<uint8_t> input(bytes);
    EXPECT_EQ(LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size()), 0);
  }

 private:
  fs::path path_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(SEAM_FUZZ_REGRESSION_DIR)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "no regression inputs in %s\n", SEAM_FUZZ_REGRESSION_DIR);
    return 1;
  }
  const std::string suite = std::string("FuzzReplay_") + SEAM_FUZZ_TARGET;
  for (const fs::path& file : files) {
    ::testing::RegisterTest(suite.c_str(), TestName(file.filename().string()).c_str(), nullptr,
                            nullptr, __FILE__, __LINE__,
                            [file]() -> ::testing::Test* { return new ReplayTest(file); });
  }
  return RUN_ALL_TESTS();
}
