// SessionOptions::caller_arena: plans are made without memory, the need is
// known before binding, the caller's block is used as is (never grown), and
// misaligned or short blocks are refused. The C API tests (tests/capi/) cover
// the same through seam.h, with backends and cuts that outgrow the arena.
#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "seam/session.h"
#include "tests/core/test_graphs.h"

namespace seam {
namespace {

TEST(CallerArena, RunsInTheCallersBlockAndRefusesBadOnes) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  const Graph& g = b->graph();
  std::vector<float> in(3 * 16 * 16), expected(10), out(10);
  for (size_t i = 0; i < in.size(); ++i) in[i] = std::cos(0.11f * static_cast<float>(i));
  const std::vector<ConstTensorView> inputs = {{in.data(), Shape{1, 3, 16, 16}}};

  std::unique_ptr<Session> owned;
  ASSERT_TRUE(Session::Create(g, {}, &owned).ok());
  ASSERT_TRUE(owned->Run(inputs, {{expected.data(), Shape{1, 10}}}).ok());
  EXPECT_FALSE(owned->BindArena(nullptr, 0).ok());  // not a caller_arena session

  SessionOptions options;
  options.caller_arena = true;
  std::unique_ptr<Session> session;
  ASSERT_TRUE(Session::Create(g, options, &session).ok());
  const size_t need = session->ArenaBytesRequired();
  EXPECT_EQ(need, owned->ArenaBytesRequired());
  EXPECT_EQ(need, session->memory_plan().arena_bytes + session->memory_plan().scratch_bytes);

  Status s = session->Run(inputs, {{out.data(), Shape{1, 10}}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("no arena bound"), std::string::npos) << s.ToString();

  std::vector<uint8_t> storage(need + 2 * kArenaAlignment);
  uint8_t* block = storage.data();
  while (reinterpret_cast<uintptr_t>(block) % kArenaAlignment != 0) ++block;
  s = session->BindArena(block + 8, need);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  s = session->BindArena(block, need - 1);
  EXPECT_EQ(s.code(), StatusCode::kOutOfMemory) << s.ToString();
  ASSERT_TRUE(session->BindArena(block, need).ok());
  ASSERT_TRUE(session->Run(inputs, {{out.data(), Shape{1, 10}}}).ok());
  EXPECT_EQ(out, expected);
  // The graph output was computed in the caller's block.
  const auto* data = reinterpret_cast<const uint8_t*>(session->TensorData(g.outputs[0]).data);
  EXPECT_GE(data, block);
  EXPECT_LT(data, block + need);
}

}  // namespace
}  // namespace seam
