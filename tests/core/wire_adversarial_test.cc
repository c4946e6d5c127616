// Adversarial wire messages found by fuzzing the decoder (tests/fuzz/
// wire_fuzzer.cc): well-formed, correctly checksummed headers with values no
// encoder writes. Each is refused with a message naming the field; under
// tools/sanitize.sh the old code's undefined behaviour failed these. The raw
// inputs are replayed from tests/fuzz/regressions/wire/.
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "seam/wire.h"
#include "seam_wire_generated.h"
#include "tests/core/test_graphs.h"

namespace seam {
namespace {

namespace fbw = ::seam::wire;

class WireAdversarialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto b = testing::MakeSmallDag();
    std::vector<uint8_t> bytes;
    ASSERT_TRUE(b->Serialize(&bytes).ok());
    ASSERT_TRUE(Model::LoadFromBytes(bytes, &model_).ok());
    ASSERT_TRUE(CutFromNodeNames(graph(), {"conv1", "bn1", "relu1", "conv2"}, &cut_).ok());
    for (int t : CutBoundary(graph(), cut_)) {
      values_.emplace_back(static_cast<size_t>(graph().tensors[t].shape.NumElements()), 0.5f);
      tensors_.push_back({t, {values_.back().data(), graph().tensors[t].shape}});
    }
  }
  const Graph& graph() const { return model_->graph(); }

  // Encodes the boundary, lets `edit` change a field of the first tensor in
  // place (a same-size scalar), and fixes the header checksum as a sender
  // would, so only the edited value is wrong.
  Status DecodeEdited(WireEncoding encoding, flatbuffers::voffset_t field, int32_t value) {
    WireEncodeOptions options;
    options.encoding = encoding;
    WireMessage message;
    EXPECT_TRUE(
        EncodeMessage(graph(), model_->content_hash(), cut_, tensors_, options, &message).ok());
    uint8_t* fb = message.header.data() + kWirePrefixBytes;
    const size_t fb_size = message.header.size() - kWirePrefixBytes;
    const fbw::Tensor* t = fbw::GetMessage(fb)->tensors()->Get(0);
    uint8_t* at =
        reinterpret_cast<flatbuffers::Table*>(const_cast<fbw::Tensor*>(t))->GetAddressOf(field);
    EXPECT_NE(at, nullptr) << "field not stored";
    if (at != nullptr) std::memcpy(at, &value, sizeof(value));
    const uint64_t checksum = WireChecksum64(fb, fb_size);
    std::memcpy(message.header.data() + 16, &checksum, 8);
    DecodedMessage decoded;
    return DecodeMessage(graph(), model_->content_hash(), cut_, WireKind::kBoundary,
                         CutBoundary(graph(), cut_), ViewOf(message), &decoded);
  }

  std::unique_ptr<Model> model_;
  Cut cut_;
  std::vector<std::vector<float>> values_;
  std::vector<BoundaryTensor> tensors_;
};

TEST_F(WireAdversarialTest, Int8ZeroPointOutsideInt8RangeIsRefused) {
  // q - zero_point overflowed int for a zero point near INT32_MAX.
  for (int32_t zp : {128, -129, 2147483628, -2147483647 - 1}) {
    const Status s = DecodeEdited(WireEncoding::kI8, fbw::Tensor::VT_ZERO_POINT, zp);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << zp;
    EXPECT_NE(s.message().find("int8 zero point " + std::to_string(zp) + " is outside [-128, 127]"),
              std::string::npos)
        << s.ToString();
  }
  // The ends of the range still decode.
  EXPECT_TRUE(DecodeEdited(WireEncoding::kI8, fbw::Tensor::VT_ZERO_POINT, -128).ok());
  EXPECT_TRUE(DecodeEdited(WireEncoding::kI8, fbw::Tensor::VT_ZERO_POINT, 127).ok());
}

}  // namespace
}  // namespace seam
