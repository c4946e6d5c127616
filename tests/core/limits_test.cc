// Size limits on untrusted input: model tensor and node counts, tensor rank
// and dimensions, wire header size, tensor count and node-id count. Each is
// refused with an error naming the limit, before the work it bounds.
#include <cstring>
#include <functional>
#include <vector>

#include "gtest/gtest.h"
#include "seam/model.h"
#include "seam/wire.h"
#include "seam_generated.h"
#include "tests/core/test_graphs.h"

namespace seam {
namespace {

namespace fb = ::seam::fb;

Status LoadUnhashed(const std::vector<uint8_t>& bytes) {
  LoadOptions options;
  options.verify_content_hash = false;  // the limits are checked before the hash matters
  std::unique_ptr<Model> model;
  return Model::LoadFromBytes(bytes, &model, options);
}

// A schema-valid model of `tensors` scalar tensors and `nodes` empty nodes.
std::vector<uint8_t> ModelWithCounts(size_t tensors, size_t nodes) {
  flatbuffers::FlatBufferBuilder b(64 * (tensors + nodes) + 1024);
  std::vector<flatbuffers::Offset<fb::Tensor>> ts;
  ts.reserve(tensors);
  for (size_t i = 0; i < tensors; ++i) ts.push_back(fb::CreateTensor(b));
  std::vector<flatbuffers::Offset<fb::Node>> ns;
  ns.reserve(nodes);
  for (size_t i = 0; i < nodes; ++i) ns.push_back(fb::CreateNode(b, static_cast<uint32_t>(i)));
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(b)};
  std::vector<uint8_t> hash(16, 0);
  auto model = fb::CreateModel(b, kSchemaVersion, b.CreateString("limits test"), /*description=*/0,
                               b.CreateVector(ts), b.CreateVector(ns), /*inputs=*/0,
                               /*outputs=*/0, /*exits=*/0, b.CreateVector(buffers),
                               /*metadata=*/0, b.CreateVector(hash));
  fb::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

TEST(ModelLimits, TooManyTensorsAreRefusedBeforeReadingThem) {
  const Status s = LoadUnhashed(ModelWithCounts(kMaxModelTensors + 1, 0));
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
  EXPECT_NE(s.message().find("tensors, limit " + std::to_string(kMaxModelTensors)),
            std::string::npos)
      << s.ToString();
}

TEST(ModelLimits, TooManyNodesAreRefusedBeforeReadingThem) {
  const Status s = LoadUnhashed(ModelWithCounts(1, kMaxModelNodes + 1));
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
  EXPECT_NE(s.message().find("nodes, limit " + std::to_string(kMaxModelNodes)), std::string::npos)
      << s.ToString();
}

TEST(ModelLimits, CountsAtTheLimitGetPastTheCheck) {
  // Exactly at the limit the count is fine; the model then fails for what
  // it is (no inputs), which shows the limit itself did not refuse it.
  const Status s = LoadUnhashed(ModelWithCounts(kMaxModelTensors, 0));
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_EQ(s.message().find("limit"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("graph has no inputs"), std::string::npos) << s.ToString();
}

// Serialises the small test DAG after `edit` and loads it.
Status LoadEdited(const std::function<void(Graph*)>& edit) {
  auto b = testing::MakeSmallDag();
  EXPECT_TRUE(b->Finish().ok());
  Graph g = b->graph();
  edit(&g);
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(SerializeModel(g, &bytes).ok());
  std::unique_ptr<Model> model;
  return Model::LoadFromBytes(bytes, &model);
}

TEST(ModelLimits, DimensionsAreBounded) {
  // Each dimension > 0, at most 2^32 elements in one tensor, rank <= 6.
  Status s = LoadEdited([](Graph* g) { g->tensors[g->inputs[0]].shape.dims[2] = 0; });
  EXPECT_NE(s.message().find("dimension 2 must be > 0"), std::string::npos) << s.ToString();
  s = LoadEdited([](Graph* g) {
    g->tensors[g->inputs[0]].shape = Shape{1, 3, int64_t{1} << 40, int64_t{1} << 40};
  });
  EXPECT_NE(s.message().find("more than 2^32 elements"), std::string::npos) << s.ToString();
  // A product that overflows int64 is caught as "too many" too, not wrapped.
  s = LoadEdited([](Graph* g) {
    g->tensors[g->inputs[0]].shape = Shape{1, 3, int64_t{1} << 62, int64_t{1} << 62};
  });
  EXPECT_NE(s.message().find("more than 2^32 elements"), std::string::npos) << s.ToString();
}

class WireLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto b = testing::MakeSmallDag();
    std::vector<uint8_t> bytes;
    ASSERT_TRUE(b->Serialize(&bytes).ok());
    ASSERT_TRUE(Model::LoadFromBytes(bytes, &model_).ok());
  }
  const Graph& graph() const { return model_->graph(); }
  std::unique_ptr<Model> model_;
};

TEST_F(WireLimitsTest, HeaderLargerThanTheLimitIsRefusedBeforeItsChecksum) {
  std::vector<uint8_t> header(kWireMaxHeaderBytes + 1, 0);
  std::memcpy(header.data(), "SEAMWIRE", 8);
  const uint32_t fb_size = static_cast<uint32_t>(header.size() - kWirePrefixBytes);
  std::memcpy(header.data() + 8, &fb_size, 4);
  WireMessageView view;
  view.header = header.data();
  view.header_size = header.size();
  WireHeaderInfo info;
  const Status s = ReadWireHeader(view, &info);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("limit " + std::to_string(kWireMaxHeaderBytes)), std::string::npos)
      << s.ToString();
}

TEST_F(WireLimitsTest, MoreNodeIdsThanTheModelHasAreRefusedBeforeLookup) {
  // A million ids (4 MB, under the header limit) against a 12-node model:
  // refused on the count, not looked up one by one.
  WireHeaderInfo info;
  info.edge_node_ids.assign(1'000'000, graph().nodes[0].id);
  Cut cut;
  const Status s = CutFromWireHeader(graph(), info, &cut);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("names 1000000 edge nodes; the model has " +
                             std::to_string(graph().nodes.size())),
            std::string::npos)
      << s.ToString();
  // As many ids as nodes, but repeated: refused as an invalid cut.
  info.edge_node_ids.assign(graph().nodes.size(), graph().nodes[0].id);
  const Status twice = CutFromWireHeader(graph(), info, &cut);
  EXPECT_NE(twice.message().find("twice"), std::string::npos) << twice.ToString();
}

TEST_F(WireLimitsTest, TooManyTensorsAreRefused) {
  std::vector<BoundaryTensor> tensors(kWireMaxTensors + 1);
  WireMessage message;
  const Status s =
      EncodeMessage(graph(), model_->content_hash(), Cut{}, tensors, WireEncodeOptions{}, &message);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("too many tensors"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace seam
