// LSTM against a step-by-step double-precision ONNX LSTM: all three
// directions, with and without bias and initial states, and every subset of
// the optional outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tests/kernels/kernel_test_util.h"

namespace seam {
namespace {

using kernel_test::Absent;
using kernel_test::Random;
using kernel_test::Tensor;

struct LstmCase {
  int64_t seq = 4, batch = 2, input = 5, hidden = 3;
  LSTMDirection direction = LSTMDirection::kForward;
  bool bias = true;
  bool init_h = false;
  bool init_c = false;
  bool want_y = true, want_yh = true, want_yc = true;
  int num_outputs = 3;  // trailing outputs beyond this are not listed at all
  int num_inputs = 7;   // trailing absent inputs beyond this are not listed
};

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

void RunCase(const LstmCase& c, uint32_t seed, const std::string& what) {
  std::mt19937 rng(seed);
  const int64_t D = c.direction == LSTMDirection::kBidirectional ? 2 : 1;
  const int64_t H = c.hidden, B = c.batch, I = c.input, T = c.seq;
  std::vector<float> x = Random(&rng, T * B * I);
  std::vector<float> w = Random(&rng, D * 4 * H * I, -0.5f, 0.5f);
  std::vector<float> r = Random(&rng, D * 4 * H * H, -0.5f, 0.5f);
  std::vector<float> bias = Random(&rng, D * 8 * H, -0.5f, 0.5f);
  std::vector<float> h0 = Random(&rng, D * B * H);
  std::vector<float> c0 = Random(&rng, D * B * H);

  std::vector<double> y(static_cast<size_t>(T * D * B * H)), yh(D * B * H), yc(D * B * H);
  for (int64_t d = 0; d < D; ++d) {
    const bool reverse = c.direction == LSTMDirection::kReverse || d == 1;
    std::vector<double> h(B * H, 0.0), cs(B * H, 0.0);
    for (int64_t k = 0; k < B * H; ++k) {
      if (c.init_h) h[k] = h0[d * B * H + k];
      if (c.init_c) cs[k] = c0[d * B * H + k];
    }
    for (int64_t s = 0; s < T; ++s) {
      const int64_t t = reverse ? T - 1 - s : s;
      std::vector<double> hn(B * H), cn(B * H);
      for (int64_t b = 0; b < B; ++b) {
        for (int64_t j = 0; j < H; ++j) {
          double z[4];
          for (int g = 0; g < 4; ++g) {
            const int64_t row = g * H + j;
            double acc = 0;
            for (int64_t i = 0; i < I; ++i) {
              acc += static_cast<double>(x[(t * B + b) * I + i]) * w[(d * 4 * H + row) * I + i];
            }
            for (int64_t k = 0; k < H; ++k) acc += h[b * H + k] * r[(d * 4 * H + row) * H + k];
            if (c.bias)
              acc += static_cast<double>(bias[d * 8 * H + row]) + bias[d * 8 * H + 4 * H + row];
            z[g] = acc;
          }
          // ONNX gate order: i, o, f, c.
          const double ig = Sigmoid(z[0]), og = Sigmoid(z[1]), fg = Sigmoid(z[2]);
          const double cand = std::tanh(z[3]);
          cn[b * H + j] = fg * cs[b * H + j] + ig * cand;
          hn[b * H + j] = og * std::tanh(cn[b * H + j]);
        }
      }
      h = hn;
      cs = cn;
      for (int64_t k = 0; k < B * H; ++k) y[(t * D + d) * B * H + k] = h[k];
    }
    for (int64_t k = 0; k < B * H; ++k) {
      yh[d * B * H + k] = h[k];
      yc[d * B * H + k] = cs[k];
    }
  }

  std::vector<kernel_test::TestTensor> inputs = {Tensor({T, B, I}, x),
                                                 Tensor({D, 4 * H, I}, w),
                                                 Tensor({D, 4 * H, H}, r),
                                                 c.bias ? Tensor({D, 8 * H}, bias) : Absent(),
                                                 Absent(),
                                                 c.init_h ? Tensor({D, B, H}, h0) : Absent(),
                                                 c.init_c ? Tensor({D, B, H}, c0) : Absent()};
  inputs.resize(c.num_inputs);
  std::vector<kernel_test::OutputSpec> outputs = {
      {Shape{T, D, B, H}, c.want_y}, {Shape{D, B, H}, c.want_yh}, {Shape{D, B, H}, c.want_yc}};
  std::vector<std::vector<double>> want = {c.want_y ? y : std::vector<double>{},
                                           c.want_yh ? yh : std::vector<double>{},
                                           c.want_yc ? yc : std::vector<double>{}};
  outputs.resize(c.num_outputs);
  want.resize(c.num_outputs);
  LSTMAttrs attrs;
  attrs.hidden_size = static_cast<int32_t>(H);
  attrs.direction = c.direction;
  kernel_test::CheckKernel(kernel_test::MakeNode(OpType::kLSTM, attrs), inputs, outputs, want, 1e-5,
                           what);
}

const LSTMDirection kDirections[] = {LSTMDirection::kForward, LSTMDirection::kReverse,
                                     LSTMDirection::kBidirectional};

TEST(LSTM, DirectionsWithAndWithoutStates) {
  uint32_t seed = 1;
  for (LSTMDirection dir : kDirections) {
    for (int states = 0; states < 4; ++states) {
      for (bool bias : {true, false}) {
        LstmCase c;
        c.direction = dir;
        c.init_h = states & 1;
        c.init_c = states & 2;
        c.bias = bias;
        RunCase(c, seed++,
                "dir " + std::to_string(static_cast<int>(dir)) + " states " +
                    std::to_string(states) + (bias ? " bias" : " no bias"));
      }
    }
  }
}

TEST(LSTM, OptionalOutputs) {
  uint32_t seed = 100;
  for (LSTMDirection dir : kDirections) {
    for (int mask = 1; mask < 8; ++mask) {
      LstmCase c;
      c.direction = dir;
      c.init_h = c.init_c = true;
      c.want_y = mask & 1;
      c.want_yh = mask & 2;
      c.want_yc = mask & 4;
      RunCase(c, seed++, "outputs mask " + std::to_string(mask));
    }
    LstmCase only_y;  // Y_h and Y_c not even listed
    only_y.direction = dir;
    only_y.num_outputs = 1;
    only_y.bias = false;
    only_y.num_inputs = 3;  // no bias, sequence_lens or states listed
    RunCase(only_y, seed++, "only Y, three inputs");
  }
}

TEST(LSTM, EdgeSizes) {
  LstmCase one;
  one.seq = 1, one.batch = 1, one.input = 1, one.hidden = 1;
  RunCase(one, 200, "all ones");
  LstmCase odd;
  odd.seq = 7, odd.batch = 5, odd.input = 13, odd.hidden = 9;
  odd.direction = LSTMDirection::kBidirectional;
  odd.init_h = true;
  RunCase(odd, 201, "odd sizes");
}

TEST(LSTM, LargerThreaded) {
  LstmCase big;
  big.seq = 6, big.batch = 4, big.input = 64, big.hidden = 128;
  big.direction = LSTMDirection::kBidirectional;
  big.init_h = big.init_c = true;
  RunCase(big, 300, "hidden 128");
}

TEST(LSTM, ScratchAndUnsupportedInputs) {
  const ReferenceKernel* k = GetReferenceKernel(OpType::kLSTM);
  ASSERT_NE(k, nullptr);
  ASSERT_NE(k->scratch_bytes, nullptr);
  LSTMAttrs attrs;
  attrs.hidden_size = 3;
  Node node = kernel_test::MakeNode(OpType::kLSTM, attrs);
  Shape in[3] = {Shape{4, 2, 5}, Shape{1, 12, 5}, Shape{1, 12, 3}};
  Shape out[1] = {Shape{4, 1, 2, 3}};
  EXPECT_GE(k->scratch_bytes(node, in, 3, out, 1), (4u * 2 * 12 + 2 * 2 * 3) * sizeof(float));

  std::mt19937 rng(5);
  auto run = kernel_test::RunKernel(
      node,
      {Tensor({4, 2, 5}, Random(&rng, 40)), Tensor({1, 12, 5}, Random(&rng, 60)),
       Tensor({1, 12, 3}, Random(&rng, 36)), Absent(), Tensor({2}, {4, 4})},
      {{Shape{4, 1, 2, 3}}}, nullptr);
  EXPECT_EQ(run.status.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace seam
