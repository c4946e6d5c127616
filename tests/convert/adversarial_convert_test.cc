// Hostile ONNX files found by fuzzing the importer (tests/fuzz/
// onnx_import_fuzzer.cc): conversion-time folding asked for shapes from the
// file without bound (elements, and FLOPs for folded convolutions), a
// Transpose read past its input, a Reshape target's
// product overflowed, a Range read an empty tensor. Each is refused
// with a message naming the node. The inputs are the fuzz regression files,
// also replayed under the sanitizers (fuzz_replay tests).
#include <string>

#include "gtest/gtest.h"
#include "tests/convert/convert_test_util.h"

namespace seam::convert_test {
namespace {

std::string RegressionPath(const std::string& name) {
  return DataPath("../../fuzz/regressions/onnx_import/" + name);
}

Status Import(const std::string& path, onnx_import::ImportOptions options = {}) {
  onnx_import::ImportResult result;
  return onnx_import::ImportOnnxFile(path, options, &result);
}

TEST(ConvertAdversarial, FoldingBeyondTheElementLimitIsRefused) {
  // Expand to [2954361355555045378,2,2,2]: the element count overflowed int64.
  const std::string path = RegressionPath("expand_element_count_overflow");
  Status s = Import(path);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported) << s.ToString();
  EXPECT_NE(s.message().find("node 'expand': Expand"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("more than 268435456 elements"), std::string::npos) << s.ToString();
  // The limit is an option.
  onnx_import::ImportOptions small;
  small.max_folded_elements = 8;
  s = Import(path, small);
  EXPECT_NE(s.message().find("more than 8 elements"), std::string::npos) << s.ToString();
}

TEST(ConvertAdversarial, FoldingBeyondTheFlopLimitIsRefused) {
  // The fuzzer's corpus grew convolutions of constants within the element
  // limit that took ~1 s each to fold; the work is bounded too.
  const std::string path = DataPath("folded_conv.onnx");
  EXPECT_TRUE(Import(path).ok());  // 294,912 FLOPs: folded under the default limit
  onnx_import::ImportOptions small;
  small.max_folded_flops = int64_t{1} << 16;
  const Status s = Import(path, small);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("folding node 'const_conv' would take 294912 FLOPs"),
            std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("more than the limit of 65536"), std::string::npos) << s.ToString();
}

TEST(ConvertAdversarial, TransposeWithARepeatedAxisIsRefused) {
  const Status s = Import(RegressionPath("transpose_repeated_axis"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
  EXPECT_NE(s.message().find("node 'transpose' (Transpose): Transpose perm repeats axis 2"),
            std::string::npos)
      << s.ToString();
}

TEST(ConvertAdversarial, ReshapeTargetWhoseProductOverflowsIsRefused) {
  const Status s = Import(RegressionPath("reshape_target_product_overflow"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
  EXPECT_NE(s.message().find("Reshape target [549755813888,-1,100055558137349] has too many "
                             "elements"),
            std::string::npos)
      << s.ToString();
}

TEST(ConvertAdversarial, RangeOfAnEmptyTensorIsRefused) {
  // Range read element 0 of an empty start tensor.
  const Status s = Import(RegressionPath("range_empty_start"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
  EXPECT_NE(s.message().find("node 'range' (Range): Range start, limit and delta must each have "
                             "one element"),
            std::string::npos)
      << s.ToString();
}

}  // namespace
}  // namespace seam::convert_test
