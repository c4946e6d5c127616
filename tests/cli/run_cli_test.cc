// `seam run`: .npy and .f32 input/output, determinism, --repeat, --layers,
// --json, checked against an in-process Session run of the same model.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "seam/model.h"
#include "seam/session.h"
#include "tests/cli/cli_test_util.h"

namespace seam::cli_test {
namespace {

class RunCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BuildWithCli(dir_, "lenet5", "lenet5.seam");
    input_ = TestValues(32 * 32);
    WriteBytes(dir_ / "in.npy",
               MakeNpy("<f4", false, "(1, 1, 32, 32)", input_.data(), input_.size() * 4));
    WriteBytes(dir_ / "in.f32", input_.data(), input_.size() * 4);
  }

  // The model's output for input_, computed in this process.
  std::vector<float> Reference() {
    std::unique_ptr<Model> model;
    EXPECT_TRUE(Model::LoadFromFile(dir_ / "lenet5.seam", &model).ok());
    std::unique_ptr<Session> session;
    EXPECT_TRUE(Session::Create(*model, SessionOptions{}, &session).ok());
    std::vector<float> out(10);
    const Status s = session->Run({ConstTensorView{input_.data(), Shape{1, 1, 32, 32}}},
                                  {TensorView{out.data(), Shape{1, 10}}});
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  // Same values as an in-process run (to rounding: the two builds may schedule
  // kernel work differently).
  static void ExpectClose(const std::vector<float>& a, const std::vector<float>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5f) << "element " << i;
  }

  std::vector<float> ReadF32(const std::string& name) {
    const std::vector<uint8_t> bytes = ReadBytes(dir_ / name);
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), v.size() * 4);
    return v;
  }

  TempDir dir_;
  std::vector<float> input_;
};

TEST_F(RunCliTest, NpyInputToNpyOutputMatchesInProcessRun) {
  const CliResult r =
      RunCli({"run", "lenet5.seam", "--input", "in.npy", "--output", "out.npy"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("latency:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" ms"), std::string::npos) << r.out;

  std::string header;
  std::vector<float> out;
  ASSERT_TRUE(SplitNpy(ReadBytes(dir_ / "out.npy"), &header, &out));
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos) << header;
  EXPECT_NE(header.find("'fortran_order': False"), std::string::npos) << header;
  EXPECT_NE(header.find("'shape': (1, 10)"), std::string::npos) << header;
  EXPECT_EQ(header.back(), '\n');
  ExpectClose(out, Reference());
  double sum = 0;
  for (float v : out) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-4);  // LeNet ends in a softmax
}

TEST_F(RunCliTest, F32InputAndOutputMatchNpyAndRepeatDeterministically) {
  ASSERT_EQ(RunCli({"run", "lenet5.seam", "-i", "in.npy", "-o", "a.npy"}, dir_.path()).exit_code,
            0);
  const CliResult r1 = RunCli({"run", "lenet5.seam", "-i", "in.f32", "-o", "b.f32"}, dir_.path());
  ASSERT_EQ(r1.exit_code, 0) << Describe(r1);
  const CliResult r2 = RunCli({"run", "lenet5.seam", "-i", "in.f32", "-o", "c.f32"}, dir_.path());
  ASSERT_EQ(r2.exit_code, 0) << Describe(r2);
  EXPECT_EQ(ReadBytes(dir_ / "b.f32"), ReadBytes(dir_ / "c.f32"));
  EXPECT_EQ(ReadBytes(dir_ / "b.f32").size(), 10u * 4);
  std::string header;
  std::vector<float> a;
  ASSERT_TRUE(SplitNpy(ReadBytes(dir_ / "a.npy"), &header, &a));
  EXPECT_EQ(a, ReadF32("b.f32"));
}

TEST_F(RunCliTest, NpyVersion2HeaderIsAccepted) {
  WriteBytes(dir_ / "v2.npy",
             MakeNpy("<f4", false, "(1, 1, 32, 32)", input_.data(), input_.size() * 4, 2));
  const CliResult r = RunCli({"run", "lenet5.seam", "-i", "v2.npy", "-o", "o.f32"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  ExpectClose(ReadF32("o.f32"), Reference());
}

TEST_F(RunCliTest, WithoutInputUsesADeterministicSyntheticInputAndSaysSo) {
  const CliResult r1 = RunCli({"run", "lenet5.seam", "-o", "s1.f32"}, dir_.path());
  ASSERT_EQ(r1.exit_code, 0) << Describe(r1);
  EXPECT_NE(r1.out.find("synthetic"), std::string::npos) << r1.out;
  const CliResult r2 = RunCli({"run", "lenet5.seam", "-o", "s2.f32"}, dir_.path());
  ASSERT_EQ(r2.exit_code, 0) << Describe(r2);
  EXPECT_EQ(ReadBytes(dir_ / "s1.f32"), ReadBytes(dir_ / "s2.f32"));
}

TEST_F(RunCliTest, RepeatReportsTheMedian) {
  const CliResult r = RunCli({"run", "lenet5.seam", "--repeat", "3", "--warmup=1"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("median"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("over 3 runs"), std::string::npos) << r.out;
}

TEST_F(RunCliTest, LayersPrintsATableOfEveryNode) {
  const CliResult r = RunCli({"run", "lenet5.seam", "--layers"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  for (const char* name : {"conv1", "pool1", "conv2", "fc1", "fc3", "output"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("Conv2D"), std::string::npos);
  EXPECT_NE(r.out.find("FullyConnected"), std::string::npos);
  EXPECT_NE(r.out.find("ms"), std::string::npos);
}

TEST_F(RunCliTest, JsonOutputHasLatencyOutputsAndLayers) {
  const CliResult r = RunCli(
      {"run", "lenet5.seam", "-i", "in.npy", "--json", "--repeat", "2", "--layers", "-o", "o.npy"},
      dir_.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const Json j = ParseJsonOrFail(r.out);
  EXPECT_EQ(j["model"].string, "lenet5.seam");
  EXPECT_FALSE(j["synthetic_input"].boolean);
  EXPECT_EQ(j["repeat"].Int(), 2);
  EXPECT_EQ(j["threads"].Int(), 1);
  ASSERT_EQ(j["latency_ms"].array.size(), 2u);
  EXPECT_GT(j["median_ms"].number, 0.0);
  EXPECT_LE(j["min_ms"].number, j["median_ms"].number);
  EXPECT_LE(j["median_ms"].number, j["max_ms"].number);
  EXPECT_GT(j["flops"].Int(), 0);
  EXPECT_EQ(j["inputs"][0]["file"].string, "in.npy");
  const Json& out = j["outputs"][0];
  EXPECT_EQ(out["file"].string, "o.npy");
  ASSERT_EQ(out["shape"].array.size(), 2u);
  EXPECT_EQ(out["shape"][1].Int(), 10);
  const std::vector<float> ref = Reference();
  int64_t argmax = 0;
  for (size_t i = 1; i < ref.size(); ++i) {
    if (ref[i] > ref[argmax]) argmax = static_cast<int64_t>(i);
  }
  EXPECT_EQ(out["argmax"].Int(), argmax);
  ASSERT_EQ(j["layers"].type, Json::kArray);
  EXPECT_EQ(j["layers"].array.size(), 13u);
  for (const Json& layer : j["layers"].array) {
    EXPECT_TRUE(layer.Has("name") && layer.Has("op") && layer.Has("median_ms"));
    EXPECT_GE(layer["median_ms"].number, 0.0);
  }
}

TEST_F(RunCliTest, TwoThreadsGiveTheSameResult) {
  ASSERT_EQ(RunCli({"run", "lenet5.seam", "-i", "in.f32", "-o", "t1.f32"}, dir_.path()).exit_code,
            0);
  const CliResult r =
      RunCli({"run", "lenet5.seam", "-i", "in.f32", "-o", "t2.f32", "--threads", "2"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("threads: 2"), std::string::npos) << r.out;
  const std::vector<float> a = ReadF32("t1.f32"), b = ReadF32("t2.f32");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6f) << i;
}

}  // namespace
}  // namespace seam::cli_test
