// The wire format: exact f32 round trips, bounded fp16/int8 error, and
// rejection of messages for another model, cut or shape, and of corruption.
#include "seam/wire.h"

#include <cmath>
#include <cstring>

#include "core/half.h"
#include "gtest/gtest.h"
#include "tests/core/test_graphs.h"

namespace seam {
namespace {

class WireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    builder_ = testing::MakeSmallDag();
    ASSERT_TRUE(builder_->Finish().ok());
    std::vector<uint8_t> bytes;
    ASSERT_TRUE(builder_->Serialize(&bytes).ok());
    ASSERT_TRUE(Model::LoadFromBytes(bytes, &model_).ok());
    ASSERT_TRUE(Session::Create(*model_, {}, &session_).ok());
    ASSERT_TRUE(CutFromNodeNames(graph(), {"conv1", "bn1", "relu1", "conv2"}, &cut_).ok());
    const Shape in_shape = graph().tensors[graph().inputs[0]].shape;
    input_.resize(static_cast<size_t>(in_shape.NumElements()));
    for (size_t i = 0; i < input_.size(); ++i) input_[i] = std::cos(0.1f * static_cast<float>(i));
    ASSERT_TRUE(session_->RunUntil(cut_, {{input_.data(), in_shape}}, &boundary_).ok());
  }
  const Graph& graph() const { return model_->graph(); }
  Status Decode(const WireMessageView& view, DecodedMessage* out) {
    return DecodeMessage(graph(), model_->content_hash(), cut_, WireKind::kBoundary,
                         CutBoundary(graph(), cut_), view, out);
  }

  std::unique_ptr<GraphBuilder> builder_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Session> session_;
  Cut cut_;
  std::vector<float> input_;
  std::vector<BoundaryTensor> boundary_;
};

TEST_F(WireTest, F32RoundTripIsExactAndZeroCopy) {
  WireMessage msg;
  WireEncodeOptions options;
  options.frame_id = 42;
  ASSERT_TRUE(EncodeMessage(graph(), model_->content_hash(), cut_, boundary_, options, &msg).ok());
  DecodedMessage decoded;
  const WireMessageView view = ViewOf(msg);
  Status s = Decode(view, &decoded);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(decoded.info.frame_id, 42u);
  ASSERT_EQ(decoded.views.size(), boundary_.size());
  for (size_t i = 0; i < boundary_.size(); ++i) {
    EXPECT_EQ(decoded.views[i].data, reinterpret_cast<const float*>(view.payloads[i]));
    EXPECT_EQ(0, std::memcmp(decoded.views[i].data, boundary_[i].view.data,
                             boundary_[i].view.shape.NumElements() * sizeof(float)));
  }
}

TEST_F(WireTest, SingleBufferRoundTrip) {
  WireMessage msg;
  ASSERT_TRUE(EncodeMessage(graph(), model_->content_hash(), cut_, boundary_, {}, &msg).ok());
  std::vector<uint8_t> bytes;
  WireMessageToBytes(msg, &bytes);
  WireMessageView view;
  ASSERT_TRUE(WireMessageFromBytes(bytes.data(), bytes.size(), &view).ok());
  WireHeaderInfo info;
  ASSERT_TRUE(ReadWireHeader(view, &info).ok());
  Cut rebuilt;
  ASSERT_TRUE(CutFromWireHeader(graph(), info, &rebuilt).ok());
  EXPECT_EQ(rebuilt, cut_);
  DecodedMessage decoded;
  ASSERT_TRUE(Decode(view, &decoded).ok());
  EXPECT_EQ(0, std::memcmp(decoded.views[0].data, boundary_[0].view.data,
                           boundary_[0].view.shape.NumElements() * sizeof(float)));
}

TEST_F(WireTest, LossyEncodingsHaveBoundedError) {
  for (WireEncoding encoding : {WireEncoding::kF16, WireEncoding::kI8}) {
    WireMessage msg;
    WireEncodeOptions options;
    options.encoding = encoding;
    ASSERT_TRUE(
        EncodeMessage(graph(), model_->content_hash(), cut_, boundary_, options, &msg).ok());
    EXPECT_LT(msg.payloads[0].size(), boundary_[0].view.shape.NumElements() * sizeof(float));
    DecodedMessage decoded;
    ASSERT_TRUE(Decode(ViewOf(msg), &decoded).ok());
    for (size_t i = 0; i < boundary_.size(); ++i) {
      const int64_t n = boundary_[i].view.shape.NumElements();
      float lo = 0, hi = 0;
      for (int64_t k = 0; k < n; ++k) {
        lo = std::min(lo, boundary_[i].view.data[k]);
        hi = std::max(hi, boundary_[i].view.data[k]);
      }
      for (int64_t k = 0; k < n; ++k) {
        const float x = boundary_[i].view.data[k], y = decoded.views[i].data[k];
        const float bound = encoding == WireEncoding::kF16 ? std::fabs(x) * 4.9e-4f + 6e-8f
                                                           : (hi - lo) / 255.0f * 0.5f + 1e-6f;
        ASSERT_LE(std::fabs(x - y), bound) << WireEncodingName(encoding) << " at " << k;
      }
    }
  }
}

TEST(Half, EveryHalfValueRoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = HalfToFloat(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(FloatToHalf(f), h) << std::hex << h;
  }
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);               // ties to even: rounds up to infinity
  EXPECT_EQ(FloatToHalf(1.0f + 1.0f / 2048.0f), 0x3c00);  // halfway, even stays
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(std::nanf("")))));
}

TEST_F(WireTest, RejectsOtherModelCutOrShape) {
  WireMessage msg;
  ASSERT_TRUE(EncodeMessage(graph(), model_->content_hash(), cut_, boundary_, {}, &msg).ok());
  DecodedMessage decoded;
  ContentHash other = model_->content_hash();
  other[0] ^= 1;
  Status s = DecodeMessage(graph(), other, cut_, WireKind::kBoundary, CutBoundary(graph(), cut_),
                           ViewOf(msg), &decoded);
  EXPECT_NE(s.message().find("is for model"), std::string::npos) << s.ToString();
  Cut other_cut;
  ASSERT_TRUE(CutAfterNode(graph(), "relu1", &other_cut).ok());
  s = DecodeMessage(graph(), model_->content_hash(), other_cut, WireKind::kBoundary,
                    CutBoundary(graph(), cut_), ViewOf(msg), &decoded);
  EXPECT_NE(s.message().find("another cut"), std::string::npos) << s.ToString();
  s = DecodeMessage(graph(), model_->content_hash(), cut_, WireKind::kOutputs,
                    CutBoundary(graph(), cut_), ViewOf(msg), &decoded);
  EXPECT_NE(s.message().find("wrong kind"), std::string::npos) << s.ToString();

  // Same tensor names, another shape: a message from a different model build.
  GraphBuilder wide(7);
  int x = wide.Input("input", Shape{1, 3, 20, 20});
  int c1 = wide.Conv("conv1", x, 8, 3, 1, 1, 1, true, ActivationKind::kNone);
  int bn = wide.BatchNorm("bn1", c1);
  int r1 = wide.Relu("relu1", bn);
  int c2 = wide.Conv("conv2", r1, 8, 3, 1, 1, 2, false, ActivationKind::kRelu);
  wide.Output(wide.Add("add", c2, r1));
  ASSERT_TRUE(wide.Finish().ok());
  std::vector<float> big(1 * 8 * 20 * 20, 1.0f);
  std::vector<BoundaryTensor> forged = {{boundary_[0].tensor, {big.data(), Shape{1, 8, 20, 20}}},
                                        {boundary_[1].tensor, {big.data(), Shape{1, 8, 20, 20}}}};
  Cut wide_cut;
  ASSERT_TRUE(CutFromNodeNames(wide.graph(), {"conv1", "bn1", "relu1", "conv2"}, &wide_cut).ok());
  WireMessage wrong;
  ASSERT_TRUE(
      EncodeMessage(wide.graph(), model_->content_hash(), wide_cut, forged, {}, &wrong).ok());
  s = Decode(ViewOf(wrong), &decoded);
  EXPECT_NE(s.message().find("differs from the model's [1,8,16,16]"), std::string::npos)
      << s.ToString();
}

TEST_F(WireTest, EveryCorruptionIsRejected) {
  WireMessage msg;
  ASSERT_TRUE(EncodeMessage(graph(), model_->content_hash(), cut_, boundary_, {}, &msg).ok());
  std::vector<uint8_t> bytes;
  WireMessageToBytes(msg, &bytes);
  WireMessageView clean;
  ASSERT_TRUE(WireMessageFromBytes(bytes.data(), bytes.size(), &clean).ok());
  // Bytes that carry meaning: the header and each payload (not alignment padding).
  std::vector<std::pair<size_t, size_t>> ranges = {{0, clean.header_size}};
  for (size_t i = 0; i < clean.payloads.size(); ++i) {
    ranges.push_back(
        {static_cast<size_t>(clean.payloads[i] - bytes.data()), clean.payload_sizes[i]});
  }
  for (const auto& range : ranges) {
    for (size_t k = 0; k < range.second; k += (range.second > 4096 ? 97 : 1)) {
      std::vector<uint8_t> bad = bytes;
      bad[range.first + k] ^= static_cast<uint8_t>(1u << (k % 8));
      WireMessageView view;
      DecodedMessage decoded;
      Status s = WireMessageFromBytes(bad.data(), bad.size(), &view);
      if (s.ok()) s = Decode(view, &decoded);
      ASSERT_FALSE(s.ok()) << "flip at byte " << range.first + k << " accepted";
    }
  }
  for (size_t len = 0; len < bytes.size(); len += (len < 512 ? 1 : 331)) {
    WireMessageView view;
    DecodedMessage decoded;
    Status s = WireMessageFromBytes(bytes.data(), len, &view);
    if (s.ok()) s = Decode(view, &decoded);
    ASSERT_FALSE(s.ok()) << "truncation to " << len << " accepted";
  }
}

}  // namespace
}  // namespace seam
