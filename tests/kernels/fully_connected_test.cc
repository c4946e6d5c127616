// FullyConnected: Y = act(X * W^T + B) against double precision, with and
// without bias, every fused activation, batch 1 and larger, 1 and 2 threads.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

using kernel_test::Random;
using kernel_test::Tensor;

void RunCase(int64_t batch, int64_t in, int64_t out, bool bias, FusedActivation act, uint32_t seed,
             bool absent_bias_slot = false) {
  std::mt19937 rng(seed);
  std::vector<float> x = Random(&rng, batch * in);
  std::vector<float> w = Random(&rng, out * in);
  std::vector<float> b = Random(&rng, out);
  std::vector<double> want(static_cast<size_t>(batch * out));
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t o = 0; o < out; ++o) {
      double acc = bias ? b[o] : 0.0;
      for (int64_t i = 0; i < in; ++i) acc += static_cast<double>(x[n * in + i]) * w[o * in + i];
      want[n * out + o] = kernel_test::RefActivation(act, acc);
    }
  }
  FullyConnectedAttrs attrs;
  attrs.activation = act;
  std::vector<kernel_test::TestTensor> inputs = {Tensor(Shape{batch, in}, x),
                                                 Tensor(Shape{out, in}, w)};
  if (bias) {
    inputs.push_back(Tensor(Shape{out}, b));
  } else if (absent_bias_slot) {
    inputs.push_back(kernel_test::Absent());
  }
  kernel_test::CheckKernel(
      kernel_test::MakeNode(OpType::kFullyConnected, attrs), inputs, {{Shape{batch, out}}}, {want},
      1e-5, "FC " + std::to_string(batch) + "x" + std::to_string(in) + "->" + std::to_string(out));
}

TEST(FullyConnected, Shapes) {
  uint32_t seed = 1;
  for (int64_t batch : {1, 3, 8}) {
    for (int64_t in : {1, 7, 64, 300}) {
      for (int64_t out : {1, 10, 33}) RunCase(batch, in, out, true, {}, seed++);
    }
  }
}

TEST(FullyConnected, BatchOneLargeUsesThreads) { RunCase(1, 1024, 1000, true, {}, 5); }

TEST(FullyConnected, NoBias) {
  RunCase(2, 20, 9, false, {}, 6);
  RunCase(2, 20, 9, false, {}, 7, /*absent_bias_slot=*/true);
}

TEST(FullyConnected, FusedActivations) {
  uint32_t seed = 50;
  for (const FusedActivation& act : kernel_test::AllActivations()) {
    RunCase(4, 40, 21, true, act, seed++);
  }
}

}  // namespace
}  // namespace seam
