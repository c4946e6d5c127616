// The executor: results, determinism, hooks, stop status, argument checks.
#include "seam/session.h"

#include <cmath>
#include <numeric>

#include "gtest/gtest.h"
#include "tests/core/test_graphs.h"

namespace seam {
namespace {

std::vector<float> Ramp(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = std::sin(0.37f * static_cast<float>(i));
  return v;
}

TEST(Session, ComputesASmallGraphExactly) {
  // y = relu(x + c) * 2 via Mul with a broadcast constant.
  GraphBuilder b;
  int x = b.Input("x", Shape{2, 3});
  int c = b.Constant("c", Shape{3}, {1.0f, -5.0f, 0.5f});
  int two = b.Constant("two", Shape{1}, {2.0f});
  int add = b.Add("add", x, c);
  int relu = b.Relu("relu", add);
  int mul = b.AddNode(OpType::kMul, "mul", {relu, two});
  b.Output(mul);
  ASSERT_TRUE(b.Finish().ok()) << b.status().ToString();
  std::unique_ptr<Session> session;
  ASSERT_TRUE(Session::Create(b.graph(), {}, &session).ok());
  std::vector<float> in = {1, 2, 3, -4, 5, -6}, out(6);
  ASSERT_TRUE(session->Run({{in.data(), Shape{2, 3}}}, {{out.data(), Shape{2, 3}}}).ok());
  const std::vector<float> expected = {4, 0, 7, 0, 0, 0};
  EXPECT_EQ(out, expected);
}

TEST(Session, DeterministicAcrossRunsAndSessions) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  const std::vector<float> in = Ramp(3 * 16 * 16);
  for (int threads : {1, 2}) {
    SessionOptions options;
    options.num_threads = threads;
    std::unique_ptr<Session> s1, s2;
    ASSERT_TRUE(Session::Create(b->graph(), options, &s1).ok());
    ASSERT_TRUE(Session::Create(b->graph(), options, &s2).ok());
    std::vector<float> a(10), a2(10), c(10);
    ASSERT_TRUE(s1->Run({{in.data(), Shape{1, 3, 16, 16}}}, {{a.data(), Shape{1, 10}}}).ok());
    ASSERT_TRUE(s1->Run({{in.data(), Shape{1, 3, 16, 16}}}, {{a2.data(), Shape{1, 10}}}).ok());
    ASSERT_TRUE(s2->Run({{in.data(), Shape{1, 3, 16, 16}}}, {{c.data(), Shape{1, 10}}}).ok());
    EXPECT_EQ(a, a2);
    EXPECT_EQ(a, c);
    EXPECT_NEAR(std::accumulate(a.begin(), a.end(), 0.0f), 1.0f, 1e-5f);  // softmax
  }
}

TEST(Session, ThreadCountsAgree) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  const std::vector<float> in = Ramp(3 * 16 * 16);
  std::vector<float> one(10), two(10);
  for (int threads : {1, 2}) {
    SessionOptions options;
    options.num_threads = threads;
    std::unique_ptr<Session> s;
    ASSERT_TRUE(Session::Create(b->graph(), options, &s).ok());
    ASSERT_TRUE(s->Run({{in.data(), Shape{1, 3, 16, 16}}},
                       {{(threads == 1 ? one : two).data(), Shape{1, 10}}})
                    .ok());
  }
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(one[i], two[i], 1e-6f);
}

TEST(Session, HooksRunInScheduleOrderAndStopIsNotAnError) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::Create(b->graph(), {}, &s).ok());
  std::vector<int> before, after;
  s->SetBeforeNodeHook([&](int n) {
    before.push_back(n);
    return HookAction::kContinue;
  });
  const int stop_at = b->graph().FindNode("concat");
  s->SetAfterNodeHook([&](int n) {
    after.push_back(n);
    return n == stop_at ? HookAction::kStop : HookAction::kContinue;
  });
  const std::vector<float> in = Ramp(3 * 16 * 16);
  std::vector<float> out(10);
  Status st = s->Run({{in.data(), Shape{1, 3, 16, 16}}}, {{out.data(), Shape{1, 10}}});
  EXPECT_EQ(st.code(), StatusCode::kStopped);
  EXPECT_NE(st.message().find("concat"), std::string::npos);
  EXPECT_EQ(before, after);
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.back(), stop_at);
  // Every node ran after all of its producers.
  const std::vector<int> producers = TensorProducers(b->graph());
  for (size_t k = 0; k < after.size(); ++k) {
    for (int32_t t : b->graph().nodes[after[k]].inputs) {
      if (t < 0 || producers[t] < 0) continue;
      auto pos = std::find(after.begin(), after.end(), producers[t]);
      EXPECT_LT(pos - after.begin(), static_cast<long>(k));
    }
  }
  // The stopped-at node's output is readable.
  ConstTensorView view = s->TensorData(b->graph().nodes[stop_at].outputs[0]);
  ASSERT_NE(view.data, nullptr);
  EXPECT_EQ(view.shape, (Shape{1, 16, 8, 8}));
}

TEST(Session, RejectsWrongInputShapeAndCount) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::Create(b->graph(), {}, &s).ok());
  std::vector<float> in(3 * 16 * 16), out(10);
  Status st = s->Run({{in.data(), Shape{1, 3, 16, 15}}}, {{out.data(), Shape{1, 10}}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("input 'input' needs shape [1,3,16,16]"), std::string::npos);
  st = s->Run({}, {{out.data(), Shape{1, 10}}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
}

TEST(Session, MemoryPlanReusesSpace) {
  auto b = testing::MakeSmallDag();
  ASSERT_TRUE(b->Finish().ok());
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::Create(b->graph(), {}, &s).ok());
  EXPECT_GT(s->memory_plan().arena_bytes, 0u);
  EXPECT_LT(s->memory_plan().arena_bytes, s->memory_plan().naive_bytes);
}

}  // namespace
}  // namespace seam
