// The torchvision models (exported at test time by
// tools/convert/export_torchvision.py, a CTest fixture): each is converted,
// serialised, loaded back and run on the reference kernels, and must match
// PyTorch's output: max |seam - torch| <= 1e-4 * max |torch| + 1e-5, with
// the same top-1 class. Missing exports fail the test (never skip): the
// fixture fails loudly when torch is not installed.
#include <cstdio>
#include <ostream>
#include <string>

#include "tests/convert/convert_test_util.h"

namespace seam::convert_test {
namespace {

struct TorchvisionCase {
  const char* name;
  int opset;
  int folded;           // BatchNorm layers that follow a conv and must fold into it
  int remaining;        // BatchNorm layers that follow a Concat (DenseNet) and stay
  const char* a_layer;  // a node name the export gives, kept by the conversion
};

std::string ModelDir() { return SEAM_CONVERT_MODEL_DIR; }

// Names the parameter in test listings (instead of a byte dump).
void PrintTo(const TorchvisionCase& c, std::ostream* os) { *os << c.name; }

class Torchvision : public ::testing::TestWithParam<TorchvisionCase> {};

TEST_P(Torchvision, MatchesPyTorch) {
  const TorchvisionCase& c = GetParam();
  const std::string path = ModelDir() + "/" + c.name + ".onnx";
  ASSERT_TRUE(FileExists(path)) << path
                                << " is missing: run the convert_export_torchvision fixture "
                                   "(ctest -R convert) or tools/convert/export_torchvision.py";
  onnx_import::ImportOptions options;
  if (std::string(c.name) == "lenet") options.input_shapes["input"] = {1, 1, 28, 28};
  Converted conv;
  ASSERT_TRUE(Convert(path, options, &conv, /*threads=*/2));
  const onnx_import::ImportStats& st = conv.result.stats;
  EXPECT_EQ(st.opset, c.opset);
  EXPECT_EQ(st.folded_batchnorms, c.folded);
  int remaining = 0;
  for (const Node& n : conv.graph().nodes) remaining += n.op == OpType::kBatchNorm;
  EXPECT_EQ(remaining, c.remaining);
  EXPECT_GE(conv.graph().FindNode(c.a_layer), 0) << c.a_layer;

  std::vector<OutputError> errors;
  ASSERT_TRUE(RunAndCompare(&conv, ModelDir(), c.name, &errors));
  ASSERT_EQ(errors.size(), 1u);
  const OutputError& e = errors[0];
  std::printf(
      "[ measured ] %-14s max abs error %.3g, max |expected| %.4g, relative %.3g, "
      "top-1 %lld/%lld\n",
      c.name, e.max_abs, e.max_expected, e.Relative(), static_cast<long long>(e.argmax_actual),
      static_cast<long long>(e.argmax_expected));
  RecordProperty("max_abs_error", std::to_string(e.max_abs));
  RecordProperty("relative_error", std::to_string(e.Relative()));
  EXPECT_TRUE(e.Within()) << c.name << ": max abs error " << e.max_abs << " exceeds 1e-4 * "
                          << e.max_expected << " + 1e-5";
  EXPECT_EQ(e.argmax_actual, e.argmax_expected) << "top-1 class differs";
}

INSTANTIATE_TEST_SUITE_P(
    Convert, Torchvision,
    ::testing::Values(
        TorchvisionCase{"lenet", 9, 0, 0, "/conv1/Conv"},
        TorchvisionCase{"alexnet", 10, 0, 0, "/features/features.0/Conv"},
        TorchvisionCase{"vgg16", 11, 0, 0, "/classifier/classifier.6/Gemm"},
        TorchvisionCase{"resnet18", 13, 20, 0, "/layer4/layer4.1/conv2/Conv"},
        TorchvisionCase{"resnet50", 14, 53, 0, "/layer3/layer3.5/conv3/Conv"},
        TorchvisionCase{"mobilenet_v2", 10, 52, 0, "/classifier/classifier.1/Gemm"},
        TorchvisionCase{"densenet121", 12, 59, 62, "/features/denseblock4/denselayer16/conv2/Conv"},
        TorchvisionCase{"googlenet", 15, 57, 0, "/inception5b/branch4/branch4.1/conv/Conv"},
        TorchvisionCase{"squeezenet1_1", 17, 0, 0, "/features/features.12/expand3x3/Conv"}),
    [](const ::testing::TestParamInfo<TorchvisionCase>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace seam::convert_test
