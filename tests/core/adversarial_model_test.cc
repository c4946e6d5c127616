// Adversarial models found by fuzzing the loader (tests/fuzz/) or in review
// of what it reaches: each is refused with a clear error or handled without
// undefined behaviour. tools/sanitize.sh runs these under ASan + UBSan, where
// the old code failed; the raw crash inputs are replayed from
// tests/fuzz/regressions/model_loader/.
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "seam/graph_builder.h"
#include "seam/model.h"
#include "seam_generated.h"
#include "tests/core/test_graphs.h"

namespace seam {
namespace {

namespace fb = ::seam::fb;

Status Load(const std::vector<uint8_t>& bytes) {
  std::unique_ptr<Model> model;
  return Model::LoadFromBytes(bytes, &model);
}

TEST(AdversarialModel, EmptyInputIsRejected) {
  // Copying an empty vector used to memcpy from its null data().
  Status s = Load({});
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find("too small"), std::string::npos) << s.ToString();
  const uint8_t byte = 0;
  std::unique_ptr<Model> model;
  s = Model::LoadFromBuffer(&byte, 0, &model);
  EXPECT_NE(s.message().find("too small"), std::string::npos) << s.ToString();
}

// A model whose one tensor's shape vector starts `pad` bytes after where
// FlatBuffers would put it. The Verifier only checks a vector's 4-byte length
// field, so a [int64] can start 4 bytes off an 8-byte boundary.
std::vector<uint8_t> ModelWithShapeVectorPadding(bool pad) {
  flatbuffers::FlatBufferBuilder b(1024);
  // A [int64] {1, 4} laid out with 4-byte alignment only: two elements, each
  // pushed as two uint32 halves (back to front, as the builder writes).
  b.StartVector(2, sizeof(uint32_t));
  for (uint32_t half : {0u, 4u, 0u, 1u}) b.PushElement<uint32_t>(half);
  auto shape = flatbuffers::Offset<flatbuffers::Vector<int64_t>>(b.EndVector(2));
  // 4 bytes written after it (so placed before it) move it by 4 from the start.
  if (pad) b.PushElement<uint32_t>(0);
  auto tensor = fb::CreateTensor(b, b.CreateString("x"), shape);
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {tensor};
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(b)};
  std::vector<int32_t> io = {0};
  std::vector<uint8_t> hash(16, 0);
  auto model =
      fb::CreateModel(b, kSchemaVersion, 0, 0, b.CreateVector(tensors), 0, b.CreateVector(io),
                      b.CreateVector(io), 0, b.CreateVector(buffers), 0, b.CreateVector(hash));
  fb::FinishModelBuffer(b, model);
  std::vector<uint8_t> bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  ContentHash h;
  EXPECT_TRUE(ComputeContentHash(bytes.data(), bytes.size(), &h).ok());
  std::memcpy(const_cast<uint8_t*>(fb::GetModel(bytes.data())->content_hash()->data()), h.data(),
              h.size());
  return bytes;
}

TEST(AdversarialModel, MisalignedInt64VectorIsRejected) {
  // One of the two placements is 4 bytes off; reading it as int64 was
  // undefined behaviour (UBSan: misaligned load in flatbuffers::Vector::Get).
  int misaligned = 0;
  for (bool pad : {false, true}) {
    const std::vector<uint8_t> bytes = ModelWithShapeVectorPadding(pad);
    const auto* shape = fb::GetModel(bytes.data())->tensors()->Get(0)->shape();
    const bool aligned = (shape->Data() - bytes.data()) % 8 == 0;
    const Status s = Load(bytes);
    if (aligned) {
      // Whether this node-less graph loads or not, its shape reads fine.
      EXPECT_EQ(s.message().find("aligned"), std::string::npos) << s.ToString();
    } else {
      ++misaligned;
      EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
      EXPECT_NE(s.message().find("tensor #0: shape is not 8-byte aligned"), std::string::npos)
          << s.ToString();
    }
  }
  EXPECT_EQ(misaligned, 1);
}

TEST(AdversarialModel, EmptyShapeVectorsNeedNoAlignment) {
  // SerializeModel writes an empty [int64] (a shape left to inference) 4-byte
  // aligned; the alignment check must not refuse what seam itself writes.
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  Graph g = b->graph();
  int cleared = 0;
  for (TensorInfo& t : g.tensors) {
    if (!t.is_constant() && t.shape.rank > 0 && &t != &g.tensors[g.inputs[0]]) {
      t.shape = Shape();
      ++cleared;
    }
  }
  ASSERT_GT(cleared, 4);
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(SerializeModel(g, &bytes).ok());
  int misaligned = 0;
  for (const fb::Tensor* t : *fb::GetModel(bytes.data())->tensors()) {
    if (t->shape() != nullptr && t->shape()->size() == 0) {
      misaligned += (t->shape()->Data() - bytes.data()) % 8 != 0;
    }
  }
  EXPECT_GT(misaligned, 0) << "the test no longer covers a 4-aligned empty vector";
  const Status s = Load(bytes);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

// A one-node graph (input [1,2,4,4] -> `op` -> output) with `attrs`,
// serialised without validation, loaded.
Status LoadOneNode(OpType op, NodeAttrs attrs) {
  GraphBuilder b(1);
  const int x = b.Input("x", Shape{1, 2, 4, 4});
  const int y = b.Relu("relu", x);
  b.Output(y);
  EXPECT_TRUE(b.Finish().ok());
  Graph g = b.graph();
  g.nodes[0].op = op;
  g.nodes[0].attrs = std::move(attrs);
  g.tensors[g.nodes[0].outputs[0]].shape = Shape();  // inferred on load
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(SerializeModel(g, &bytes).ok());
  return Load(bytes);
}

TEST(AdversarialModel, ReshapeTargetWhoseProductOverflowsIsRejected) {
  // 2^20 * 2^50 overflowed int64 before the size check.
  const Status s =
      LoadOneNode(OpType::kReshape, ReshapeAttrs{{int64_t{1} << 20, int64_t{1} << 50}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find("target shape is too large"), std::string::npos) << s.ToString();
  // Still accepted: a target whose product is exact.
  EXPECT_TRUE(LoadOneNode(OpType::kReshape, ReshapeAttrs{{2, -1, 2}}).ok());
}

TEST(AdversarialModel, PadOfInt64MinIsRejected) {
  // std::abs(INT64_MIN) is undefined.
  const int64_t min = std::numeric_limits<int64_t>::min();
  Status s = LoadOneNode(OpType::kPad, PadAttrs{{0, 0, min, 0, 0, 0, 0, 0}, PadMode::kConstant, 0});
  EXPECT_NE(s.message().find("pad is too large"), std::string::npos) << s.ToString();
  s = LoadOneNode(OpType::kPad, PadAttrs{{0, 0, 0, 0, 0, 0, 0, min}, PadMode::kConstant, 0});
  EXPECT_NE(s.message().find("pad is too large"), std::string::npos) << s.ToString();
}

TEST(AdversarialModel, FlopCountsOfHugeWindowsSaturate) {
  // Valid graphs: a 1x1 input, pools whose (2^31-1)^2 windows sit in the
  // padding, one output each; and an LRN of size 2^31-1 (size + 3 overflowed int32).
  GraphBuilder b(1);
  const int x = b.Input("x", Shape{1, 2, 1, 1});
  PoolAttrs pool;
  pool.kernel_h = pool.kernel_w = std::numeric_limits<int32_t>::max();
  pool.stride_h = pool.stride_w = std::numeric_limits<int32_t>::max();
  pool.pad_top = pool.pad_left = pool.pad_bottom = pool.pad_right =
      std::numeric_limits<int32_t>::max() - 1;
  for (int i = 0; i < 4; ++i) {
    b.Output(b.AddNode(OpType::kMaxPool, "pool" + std::to_string(i), {x}, pool));
  }
  b.Output(b.AddNode(OpType::kLRN, "lrn", {x},
                     LRNAttrs{std::numeric_limits<int32_t>::max(), 1e-4f, 0.75f, 1.0f}));
  ASSERT_TRUE(b.Finish().ok()) << b.status().ToString();
  const Graph& g = b.graph();
  const int64_t window =
      int64_t{std::numeric_limits<int32_t>::max()} * std::numeric_limits<int32_t>::max();
  EXPECT_EQ(NodeFlops(g, g.nodes[0]), 2 * window);  // 2 output elements
  EXPECT_EQ(NodeFlops(g, g.nodes[4]), 2 * (int64_t{std::numeric_limits<int32_t>::max()} + 3));
  // Four pools of 2^63 - 2^33 + 2 FLOPs each do not fit: the total saturates.
  EXPECT_EQ(GraphFlops(g), std::numeric_limits<int64_t>::max());
}

}  // namespace
}  // namespace seam
