// Malformed and adversarial models are rejected with a message naming the
// problem, and never crash or read out of bounds (run under ASan in CI).
#include <cstring>
#include <functional>

#include "gtest/gtest.h"
#include "seam/model.h"
#include "seam_generated.h"
#include "tests/core/test_graphs.h"

namespace seam {
namespace {

std::vector<uint8_t> SmallModelBytes() {
  auto b = testing::MakeSmallDag();
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(b->Serialize(&bytes).ok());
  return bytes;
}

Status Load(const std::vector<uint8_t>& bytes) {
  std::unique_ptr<Model> model;
  return Model::LoadFromBuffer(bytes.data(), bytes.size(), &model);
}

TEST(MalformedModel, EveryTruncationIsRejected) {
  const std::vector<uint8_t> bytes = SmallModelBytes();
  for (size_t len = 1; len < bytes.size(); len += (len < 256 ? 1 : 61)) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + len);
    Status s = Load(cut);
    EXPECT_FALSE(s.ok()) << "truncated to " << len;
    EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
  }
}

TEST(MalformedModel, EverySingleBitFlipIsRejected) {
  // The Verifier alone misses flips in scalars and weights; the content hash
  // catches them, so every flip must be refused.
  const std::vector<uint8_t> bytes = SmallModelBytes();
  ASSERT_TRUE(Load(bytes).ok());
  for (size_t i = 0; i < bytes.size(); i += (i < 512 ? 1 : 7)) {
    std::vector<uint8_t> flipped = bytes;
    flipped[i] ^= static_cast<uint8_t>(1u << (i % 8));
    Status s = Load(flipped);
    EXPECT_FALSE(s.ok()) << "flip at byte " << i << " was accepted";
  }
}

TEST(MalformedModel, WrongIdentifierIsNamed) {
  std::vector<uint8_t> bytes = SmallModelBytes();
  std::memcpy(bytes.data() + 4, "TFL3", 4);
  Status s = Load(bytes);
  EXPECT_NE(s.message().find("'TFL3'"), std::string::npos) << s.ToString();
}

TEST(MalformedModel, GarbageIsRejected) {
  std::vector<uint8_t> junk(4096);
  uint32_t state = 12345;
  for (uint8_t& v : junk) v = static_cast<uint8_t>((state = state * 1664525u + 1013904223u) >> 24);
  std::memcpy(junk.data() + 4, "SEAM", 4);
  EXPECT_FALSE(Load(junk).ok());
}

// Serialises a hand-edited graph (SerializeModel does not validate), then
// expects loading to fail with `fragment` in the message.
void ExpectRejected(const std::function<void(Graph*)>& edit, const std::string& fragment,
                    StatusCode code = StatusCode::kInvalidModel) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  Graph g = b->graph();
  edit(&g);
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(SerializeModel(g, &bytes).ok());
  Status s = Load(bytes);
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_NE(s.message().find(fragment), std::string::npos)
      << "expected '" << fragment << "' in: " << s.message();
}

Node& NodeNamed(Graph* g, const std::string& name) { return g->nodes[g->FindNode(name)]; }

TEST(MalformedModel, SemanticErrorsNameTheNodeAndRule) {
  ExpectRejected([](Graph* g) { std::get<Conv2DAttrs>(NodeNamed(g, "conv1").attrs).stride_h = 0; },
                 "node 'conv1' (#0, Conv2D): stride h must be > 0");
  ExpectRejected([](Graph* g) { std::get<Conv2DAttrs>(NodeNamed(g, "conv2").attrs).group = 3; },
                 "node 'conv2' (#3, Conv2D): group 3 does not divide input channels 8");
  ExpectRejected(
      [](Graph* g) {
        auto& a = std::get<PoolAttrs>(NodeNamed(g, "maxpool").attrs);
        a.kernel_h = a.kernel_w = 40;
      },
      "does not fit the padded input");
  ExpectRejected([](Graph* g) { std::get<AxisAttrs>(NodeNamed(g, "concat").attrs).axis = 4; },
                 "node 'concat' (#7, Concat): axis 4 out of range");
  ExpectRejected([](Graph* g) { NodeNamed(g, "lrn").attrs = std::monostate{}; },
                 "attributes are of kind 'NONE', op needs 'LRNAttrs'");
  ExpectRejected([](Graph* g) { NodeNamed(g, "fc").op = static_cast<OpType>(999); },
                 "unknown op code 999", StatusCode::kUnsupported);
}

TEST(MalformedModel, StructuralErrorsAreNamed) {
  ExpectRejected(
      [](Graph* g) {
        // relu1 reads its own successor's output: a cycle.
        NodeNamed(g, "relu1").inputs[0] = NodeNamed(g, "add").outputs[0];
      },
      "cycle");
  ExpectRejected(
      [](Graph* g) { NodeNamed(g, "add").outputs[0] = NodeNamed(g, "relu1").outputs[0]; },
      "is produced more than once");
  ExpectRejected([](Graph* g) { NodeNamed(g, "fc").inputs[0] = 100000; }, "out of range");
  ExpectRejected(
      [](Graph* g) {
        TensorInfo orphan;
        orphan.name = "orphan";
        orphan.shape = Shape{1, 8, 16, 16};
        g->tensors.push_back(orphan);
        NodeNamed(g, "add").inputs[1] = static_cast<int32_t>(g->tensors.size() - 1);
      },
      "which nothing defines");
  ExpectRejected(
      [](Graph* g) {
        TensorInfo& w = g->tensors[NodeNamed(g, "conv1").inputs[1]];
        w.data_bytes -= 4;
      },
      "weight data has");
  ExpectRejected([](Graph* g) { g->tensors[g->inputs[0]].shape.dims[1] = -3; },
                 "dimension 1 must be > 0");
  ExpectRejected(
      [](Graph* g) {
        g->tensors[NodeNamed(g, "fc").outputs[0]].shape = Shape{1, 11};
      },
      "disagrees with inferred [1,10]");
  ExpectRejected([](Graph* g) { NodeNamed(g, "fc").id = NodeNamed(g, "conv1").id; },
                 "is used by another node");
  ExpectRejected([](Graph* g) { NodeNamed(g, "fc").name = "conv1"; },
                 "node 'conv1' (#11, FullyConnected): name is used by another node");
  ExpectRejected([](Graph* g) { g->outputs.clear(); }, "graph has no outputs");
  ExpectRejected([](Graph* g) { g->exits[0].accuracy = 3.0f; }, "accuracy must be in [0, 1]");
  ExpectRejected([](Graph* g) { g->tensors[g->inputs[0]].dtype = DataType::kF16; },
                 "dtype f16 is reserved", StatusCode::kUnsupported);
  ExpectRejected(
      [](Graph* g) {
        g->tensors[g->inputs[0]].shape = Shape{1, 3, 1 << 20, 1 << 20};
      },
      "more than 2^32 elements");
}

// Hand-built FlatBuffers for what SerializeModel cannot express.
std::vector<uint8_t> RawModel(uint32_t schema_version, uint32_t tensor_buffer, int rank) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<int64_t> dims(rank, 2);
  auto tensor = fb::CreateTensor(b, b.CreateString("x"), b.CreateVector(dims), fb::DataType::F32,
                                 tensor_buffer);
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {tensor};
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(b)};
  std::vector<int32_t> io = {0};
  const uint8_t zero[16] = {};
  auto model = fb::CreateModel(b, schema_version, b.CreateString("test"), 0,
                               b.CreateVector(tensors), 0, b.CreateVector(io), b.CreateVector(io),
                               0, b.CreateVector(buffers), 0, b.CreateVector(zero, 16));
  fb::FinishModelBuffer(b, model);
  std::vector<uint8_t> bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  ContentHash hash;
  EXPECT_TRUE(ComputeContentHash(bytes.data(), bytes.size(), &hash).ok());
  std::memcpy(const_cast<uint8_t*>(fb::GetModel(bytes.data())->content_hash()->data()), hash.data(),
              16);
  return bytes;
}

TEST(MalformedModel, RawFormatViolations) {
  EXPECT_EQ(Load(RawModel(1, 0, 2)).code(), StatusCode::kOk);
  Status s = Load(RawModel(0, 0, 2));
  EXPECT_EQ(s.code(), StatusCode::kVersionMismatch) << s.ToString();
  s = Load(RawModel(kSchemaVersion + 1, 0, 2));
  EXPECT_EQ(s.code(), StatusCode::kVersionMismatch) << s.ToString();
  s = Load(RawModel(1, 5, 2));
  EXPECT_NE(s.message().find("buffer 5 out of range"), std::string::npos) << s.ToString();
  s = Load(RawModel(1, 0, 9));
  EXPECT_NE(s.message().find("rank 9 exceeds 6"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace seam
