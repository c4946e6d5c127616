// The .seam format: round trips, alignment, content hash, load paths.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "gtest/gtest.h"
#include "seam/model.h"
#include "seam_generated.h"
#include "tests/core/test_graphs.h"

namespace seam {
namespace {

std::vector<uint8_t> SerializeOrDie(GraphBuilder* b) {
  std::vector<uint8_t> bytes;
  Status s = b->Serialize(&bytes);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return bytes;
}

TEST(ModelFormat, RoundTripPreservesGraph) {
  auto b = testing::MakeSmallDag();
  std::vector<uint8_t> bytes = SerializeOrDie(b.get());
  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::LoadFromBytes(bytes, &model).ok());
  const Graph& a = b->graph();
  const Graph& g = model->graph();
  ASSERT_EQ(g.tensors.size(), a.tensors.size());
  ASSERT_EQ(g.nodes.size(), a.nodes.size());
  EXPECT_EQ(g.inputs, a.inputs);
  EXPECT_EQ(g.outputs, a.outputs);
  EXPECT_EQ(g.description, "small DAG for core tests");
  ASSERT_EQ(g.metadata.size(), 1u);
  EXPECT_EQ(g.metadata[0].second, "tests");
  ASSERT_EQ(g.exits.size(), 1u);
  EXPECT_FLOAT_EQ(g.exits[0].accuracy, 0.5f);
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    EXPECT_EQ(g.tensors[i].name, a.tensors[i].name);
    EXPECT_EQ(g.tensors[i].shape, a.tensors[i].shape) << g.tensors[i].name;
    ASSERT_EQ(g.tensors[i].data_bytes, a.tensors[i].data_bytes);
    if (a.tensors[i].is_constant()) {
      EXPECT_EQ(0, std::memcmp(g.tensors[i].data, a.tensors[i].data, a.tensors[i].data_bytes));
    }
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    EXPECT_EQ(g.nodes[i].id, a.nodes[i].id);
    EXPECT_EQ(g.nodes[i].name, a.nodes[i].name);
    EXPECT_EQ(g.nodes[i].op, a.nodes[i].op);
    EXPECT_EQ(g.nodes[i].inputs, a.nodes[i].inputs);
    EXPECT_EQ(g.nodes[i].outputs, a.nodes[i].outputs);
    EXPECT_EQ(g.nodes[i].attrs.index(), a.nodes[i].attrs.index()) << g.nodes[i].name;
  }
  const auto* conv = std::get_if<Conv2DAttrs>(&g.nodes[g.FindNode("conv2")].attrs);
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->group, 2);
  EXPECT_EQ(conv->pad_bottom, 1);
  EXPECT_EQ(conv->activation.kind, ActivationKind::kRelu);
  const auto* pool = std::get_if<PoolAttrs>(&g.nodes[g.FindNode("avgpool")].attrs);
  ASSERT_NE(pool, nullptr);
  EXPECT_FALSE(pool->ceil_mode);
  EXPECT_TRUE(pool->count_include_pad);
}

TEST(ModelFormat, EveryAttributeKindRoundTrips) {
  GraphBuilder b;
  int x = b.Input("x", Shape{1, 4, 4, 4});
  int t = b.AddNode(OpType::kTranspose, "transpose", {x}, TransposeAttrs{{0, 2, 3, 1}});
  int p =
      b.AddNode(OpType::kPad, "pad", {t}, PadAttrs{{0, 1, 1, 0, 0, 1, 1, 0}, PadMode::kReflect, 0});
  ResizeAttrs ra;
  ra.scales = {1, 2, 2, 1};
  ra.coordinate_mode = ResizeCoordinateMode::kAsymmetric;
  ra.nearest_mode = ResizeNearestMode::kFloor;
  int r = b.AddNode(OpType::kResize, "resize", {p}, ra);
  int c = b.AddNode(OpType::kClip, "clip", {r}, ClipAttrs{-1.0f, 2.0f});
  int l = b.LeakyRelu("leaky", c, 0.2f);
  int rs = b.Reshape("reshape", l, {1, 0, -1});
  int lstm = b.LSTM("lstm", rs, 5, LSTMDirection::kBidirectional);
  b.Output(lstm);
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(b.Serialize(&bytes).ok()) << b.status().ToString();
  std::unique_ptr<Model> model;
  Status s = Model::LoadFromBytes(bytes, &model);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const Graph& g = model->graph();
  EXPECT_EQ(std::get<TransposeAttrs>(g.nodes[0].attrs).perm, (std::vector<int32_t>{0, 2, 3, 1}));
  EXPECT_EQ(std::get<PadAttrs>(g.nodes[1].attrs).mode, PadMode::kReflect);
  EXPECT_EQ(std::get<ResizeAttrs>(g.nodes[2].attrs).nearest_mode, ResizeNearestMode::kFloor);
  EXPECT_EQ(std::get<ResizeAttrs>(g.nodes[2].attrs).scales, (std::vector<float>{1, 2, 2, 1}));
  EXPECT_FLOAT_EQ(std::get<ClipAttrs>(g.nodes[3].attrs).min, -1.0f);
  EXPECT_FLOAT_EQ(std::get<LeakyReluAttrs>(g.nodes[4].attrs).alpha, 0.2f);
  EXPECT_EQ(std::get<ReshapeAttrs>(g.nodes[5].attrs).shape, (std::vector<int64_t>{1, 0, -1}));
  EXPECT_EQ(std::get<LSTMAttrs>(g.nodes[6].attrs).direction, LSTMDirection::kBidirectional);
  EXPECT_EQ(g.tensors[g.outputs[0]].shape, (Shape{1, 2, 12, 5}));
}

TEST(ModelFormat, WeightsAre64ByteAlignedAndIdentifierIsSeam) {
  auto b = testing::MakeSmallDag();
  std::vector<uint8_t> bytes = SerializeOrDie(b.get());
  EXPECT_EQ(0, std::memcmp(bytes.data() + 4, "SEAM", 4));
  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::LoadFromBytes(bytes, &model).ok());
  for (const TensorInfo& t : model->graph().tensors) {
    if (t.is_constant()) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % 64, 0u) << t.name;
    }
  }
}

TEST(ModelFormat, ContentHashIsDeterministicAndSensitive) {
  std::vector<uint8_t> a = SerializeOrDie(testing::MakeSmallDag(1).get());
  std::vector<uint8_t> a2 = SerializeOrDie(testing::MakeSmallDag(1).get());
  std::vector<uint8_t> c = SerializeOrDie(testing::MakeSmallDag(2).get());
  EXPECT_EQ(a, a2);
  std::unique_ptr<Model> ma, mc;
  ASSERT_TRUE(Model::LoadFromBytes(a, &ma).ok());
  ASSERT_TRUE(Model::LoadFromBytes(c, &mc).ok());
  EXPECT_NE(ma->content_hash(), mc->content_hash());
  EXPECT_EQ(ContentHashHex(ma->content_hash()).size(), 32u);
}

TEST(ModelFormat, LoadsFromFileByMmapAndFromUnalignedBuffer) {
  std::vector<uint8_t> bytes = SerializeOrDie(testing::MakeSmallDag().get());
  const std::string path = ::testing::TempDir() + "/small_" + std::to_string(getpid()) + ".seam";
  ASSERT_TRUE(WriteFileAtomically(path, bytes.data(), bytes.size()).ok());
  std::unique_ptr<Model> from_file;
  Status s = Model::LoadFromFile(path, &from_file);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(from_file->file_bytes(), bytes.size());

  std::vector<uint8_t> shifted(bytes.size() + 3);
  std::memcpy(shifted.data() + 3, bytes.data(), bytes.size());
  std::unique_ptr<Model> from_unaligned;
  s = Model::LoadFromBuffer(shifted.data() + 3, bytes.size(), &from_unaligned);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(from_unaligned->content_hash(), from_file->content_hash());
  std::remove(path.c_str());
}

TEST(ModelFormat, EveryLoadPathLeavesAReadableZeroTail) {
  // Kernels may read a few bytes past the last weight tensor, which can end
  // exactly at the end of the file: the bytes after the model must be mapped.
  std::vector<uint8_t> bytes = SerializeOrDie(testing::MakeSmallDag().get());
  const std::string path = ::testing::TempDir() + "/tail_" + std::to_string(getpid()) + ".seam";
  ASSERT_TRUE(WriteFileAtomically(path, bytes.data(), bytes.size()).ok());
  std::unique_ptr<Model> from_file, from_bytes;
  ASSERT_TRUE(Model::LoadFromFile(path, &from_file).ok());
  ASSERT_TRUE(Model::LoadFromBytes(bytes, &from_bytes).ok());
  for (const Model* m : {from_file.get(), from_bytes.get()}) {
    const volatile uint8_t* tail = m->bytes() + m->file_bytes();
    unsigned sum = 0;
    for (size_t i = 0; i < kModelTailPadding; ++i) sum += tail[i];
    EXPECT_EQ(sum, 0u);
  }
  std::remove(path.c_str());
}

TEST(ShapeInference, FlattenNegativeAxisCountsFromTheEndLikeOnnx) {
  GraphBuilder b;
  int x = b.Input("x", Shape{2, 3, 4, 5});
  int f = b.Flatten("flatten", x, -1);
  EXPECT_EQ(b.shape(f), (Shape{24, 5}));
  int g = b.Flatten("flatten0", x, 0);
  EXPECT_EQ(b.shape(g), (Shape{1, 120}));
  int h = b.Flatten("flatten4", x, 4);
  EXPECT_EQ(b.shape(h), (Shape{120, 1}));
  b.Flatten("bad", x, -5);
  EXPECT_NE(b.status().message().find("axis -5 out of range"), std::string::npos);
}

TEST(ModelFormat, MissingFileIsAnIoError) {
  std::unique_ptr<Model> model;
  Status s = Model::LoadFromFile("/nonexistent/dir/model.seam", &model);
  EXPECT_EQ(s.code(), StatusCode::kIo);
  EXPECT_NE(s.message().find("/nonexistent/dir/model.seam"), std::string::npos);
}

TEST(ModelFormat, WriteFileAtomicallyLeavesNoTemporaryOnFailure) {
  const char data[] = "abc";
  Status s = WriteFileAtomically("/nonexistent/dir/out.seam", data, 3);
  EXPECT_EQ(s.code(), StatusCode::kIo);
}

}  // namespace
}  // namespace seam
