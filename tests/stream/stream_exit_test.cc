// Early exits (Edgent) taken end to end, with real `seam serve` and `seam
// edge` processes over ZeroMQ on loopback and the branchy_lenet zoo model
// (three exits; the deepest is the graph output).
//
//   * The edgent policy under a deadline no candidate meets returns the
//     fastest one, exit1; with an edge profile that makes the edge slow, its
//     best partition is server-only, so every frame crosses the link as an
//     exit frame. Each frame's output must equal the exit head's output of a
//     local full-model run (read with an after-node hook: independent of the
//     exit sub-graph code under test), the JSON names the exit, and the
//     server counts the exit frames.
//   * A request naming an exit the model does not have, or a cut outside its
//     exit, is refused by the server; a valid split exit frame (conv1+relu1
//     on this side) is answered with the exit's output.
//   * The server SIGKILLed mid-stream: exit frames finish locally on the same
//     exit, and later frames run that exit edge-only.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "plugins/transport_host.h"
#include "seam/exit_graph.h"
#include "seam/model.h"
#include "seam/session.h"
#include "seam/wire.h"
#include "tests/stream/stream_test_util.h"

namespace seam::stream_test {
namespace {

constexpr int kExit1 = 0;  // Graph::exits index of exit1 (after conv1)

// The exit head's output for `input`: the whole model runs, and the exit's
// tensor is copied right after the node that computes it.
std::vector<float> ExitOracle(const Model& model, int exit_index, const std::vector<float>& input) {
  const Graph& g = model.graph();
  const int tensor = g.exits[static_cast<size_t>(exit_index)].output;
  const int producer = TensorProducers(g)[static_cast<size_t>(tensor)];
  std::unique_ptr<Session> session;
  Status s = Session::Create(model, SessionOptions{}, &session);  // reference kernels
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return {};
  std::vector<float> exit_output;
  session->SetAfterNodeHook([&](int node) {
    if (node == producer) {
      const ConstTensorView v = session->TensorData(tensor);
      if (v.data != nullptr) exit_output.assign(v.data, v.data + v.shape.NumElements());
    }
    return HookAction::kContinue;
  });
  std::vector<std::vector<float>> outputs(g.outputs.size());
  std::vector<TensorView> views;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const Shape& shape = g.tensors[g.outputs[i]].shape;
    outputs[i].resize(static_cast<size_t>(shape.NumElements()));
    views.push_back({outputs[i].data(), shape});
  }
  s = session->Run({{input.data(), g.tensors[g.inputs[0]].shape}}, views);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(exit_output.empty()) << "the hook never saw the exit's tensor";
  return exit_output;
}

// branchy_lenet inputs: digits-like pixels in [0, 1], one .npy per frame.
std::vector<std::vector<float>> WriteInputs(const Workspace& ws, int frames) {
  std::filesystem::create_directories(ws.path("in"));
  std::vector<std::vector<float>> inputs;
  for (int k = 0; k < frames; ++k) {
    std::vector<float> v = cli_test::TestValues(64, 500 + static_cast<uint32_t>(k));
    for (float& x : v) x = 0.5f * (x + 1.0f);
    char name[32];
    std::snprintf(name, sizeof(name), "in/input_%03d.npy", k);
    cli_test::WriteBytes(ws.path(name), cli_test::MakeNpy("<f4", false, "(1, 1, 8, 8)", v.data(),
                                                          v.size() * sizeof(float)));
    inputs.push_back(std::move(v));
  }
  return inputs;
}

// A measured edge profile with every layer set to 10 ms: the policy then
// sees an edge far slower than a loopback link plus the server, whatever
// the machine's load, while the edge really computes at full speed.
void WriteSlowEdgeProfile(const Workspace& ws) {
  const cli_test::CliResult r = cli_test::RunCli(
      {"profile", "b.seam", "-o", "measured.json", "--backend", "ref", "--runs", "3"},
      ws.dir().path(), 120);
  ASSERT_EQ(r.exit_code, 0) << cli_test::Describe(r);
  const std::string measured = ReadText(ws.path("measured.json"));
  const std::string slow =
      std::regex_replace(measured, std::regex(R"("median_ms": [-+0-9.eE]+)"), "\"median_ms\": 10");
  ASSERT_NE(slow, measured);
  std::ofstream(ws.path("slow_edge.json")) << slow;
}

std::vector<std::string> ExitEdgeArgs(const std::string& endpoint) {
  // A deadline nothing meets: Edgent returns the fastest candidate, exit1.
  return {"edge",           "b.seam",
          "--connect",      endpoint,
          "--policy",       "edgent",
          "--deadline",     "0.001ms",
          "--edge-profile", "slow_edge.json",
          "--replan-ms",    "600000",
          "--backend",      "ref",
          "--input",        "in",
          "--output",       "out",
          "--verify",       "--json",
          "--wait",         "20s"};
}

TEST(StreamExitTest, EdgentDeadlineTakesExit1OnBothSides) {
  constexpr int kFrames = 8;
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("branchy_lenet", "b.seam"));
  ASSERT_NO_FATAL_FAILURE(WriteSlowEdgeProfile(ws));
  const std::vector<std::vector<float>> inputs = WriteInputs(ws, kFrames);
  Server server(&ws, "b.seam", FreeTcpEndpoint(), {"--workers", "1", "--backend", "ref"});
  ASSERT_TRUE(server.Start());
  const auto edge = ws.Run("edge", ExitEdgeArgs(server.endpoint()));
  ASSERT_EQ(edge->exit_code(), 0) << edge->Describe();

  const std::vector<Json> events = ParseEvents(edge->Out());
  const Json summary = SummaryOf(events);
  EXPECT_EQ(summary["frames"].Int(), kFrames);
  EXPECT_EQ(summary["lost"].Int(), 0);
  EXPECT_EQ(summary["exit_frames"].Int(), kFrames);
  EXPECT_EQ(summary["verified"].Int(), kFrames);
  EXPECT_EQ(summary["mismatches"].Int(), 0);
  EXPECT_EQ(summary["fallbacks"].Int(), 0) << DescribeFrames(events);
  const std::vector<Json> frames = EventsOf(events, "frame");
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames)) << edge->Describe();
  for (const Json& f : frames) {
    EXPECT_EQ(f["exit"].Int(), kExit1) << DescribeFrames(events);
    EXPECT_EQ(f["exit_name"].string, "exit1");
    EXPECT_EQ(f["cut"].string, "server only, exit exit1");
    EXPECT_EQ(f["edge_nodes"].Int(), 0);
    EXPECT_GT(f["sent_bytes"].Int(), 0) << "exit frame did not reach the server";
    EXPECT_EQ(f["fallback"].Int(), 0);
  }
  const std::vector<Json> recuts = EventsOf(events, "recut");
  ASSERT_FALSE(recuts.empty());
  EXPECT_EQ(recuts.front()["to"].string, "server only, exit exit1");

  // Each output is the exit head's output, not the model's final output.
  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::LoadFromFile(ws.path("b.seam"), &model).ok());
  int differs_from_final = 0;
  for (int k = 0; k < kFrames; ++k) {
    char produced[40];
    std::snprintf(produced, sizeof(produced), "out/frame_%06d.npy", k);
    std::string header;
    std::vector<float> got;
    ASSERT_TRUE(cli_test::SplitNpy(cli_test::ReadBytes(ws.path(produced)), &header, &got))
        << produced;
    const std::vector<float> want = ExitOracle(*model, kExit1, inputs[static_cast<size_t>(k)]);
    ASSERT_EQ(got.size(), want.size()) << produced;
    EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
        << "frame " << k << " differs from exit1 run locally";
    const std::vector<float> final_output = ExitOracle(
        *model, static_cast<int>(model->graph().exits.size()) - 1, inputs[static_cast<size_t>(k)]);
    if (std::memcmp(got.data(), final_output.data(), got.size() * sizeof(float)) != 0) {
      ++differs_from_final;
    }
  }
  EXPECT_EQ(differs_from_final, kFrames) << "exit1's output equals the final output";

  const Json stopped = server.Stop();
  EXPECT_EQ(stopped["frames"].Int(), kFrames);
  EXPECT_EQ(stopped["exit_frames"].Int(), kFrames);
  EXPECT_EQ(stopped["refused"].Int(), 0);
}

// Raw requests from this process: what the server accepts and refuses.
class RawClient {
 public:
  explicit RawClient(const std::string& endpoint) {
    Status s = Transport::Load("zeromq", {}, &transport_);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return;
    client_ = std::make_unique<TransportClient>(transport_);
    s = client_->Connect(endpoint);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  // "SEAMEXIT" + int32 exit index, as the edge sends it.
  static std::vector<uint8_t> ExitPrefix(int32_t exit_index) {
    std::vector<uint8_t> out = {'S', 'E', 'A', 'M', 'E', 'X', 'I', 'T'};
    out.resize(12);
    std::memcpy(out.data() + 8, &exit_index, 4);
    return out;
  }

  // Sends [prefix][message...]; the reply's frames.
  std::vector<std::vector<uint8_t>> Send(const std::vector<uint8_t>& prefix,
                                         const WireMessage& message) {
    std::vector<std::pair<const uint8_t*, size_t>> frames = {
        {prefix.data(), prefix.size()}, {message.header.data(), message.header.size()}};
    for (size_t i = 0; i < message.num_payloads; ++i) {
      frames.push_back({message.payloads[i].data(), message.payloads[i].size()});
    }
    ReceivedMessage reply;
    Status s = client_->Request(frames, 10000, &reply);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<std::vector<uint8_t>> out;
    for (size_t i = 0; s.ok() && i < reply.num_frames(); ++i) {
      out.emplace_back(reply.frame_data(i), reply.frame_data(i) + reply.frame_size(i));
    }
    return out;
  }

  // The message of an error reply ("SEAMERR!" + int32 code + text), or "".
  static std::string ErrorText(const std::vector<std::vector<uint8_t>>& reply) {
    if (reply.size() != 1 || reply[0].size() < 12 ||
        std::memcmp(reply[0].data(), "SEAMERR!", 8) != 0) {
      return "";
    }
    return std::string(reply[0].begin() + 12, reply[0].end());
  }

 private:
  std::shared_ptr<Transport> transport_;
  std::unique_ptr<TransportClient> client_;
};

// The boundary message of `input` for `cut` of `graph` (a model or exit graph).
WireMessage Boundary(const Graph& graph, const ContentHash& hash, const Cut& cut,
                     const std::vector<float>& input, uint64_t frame_id) {
  WireMessage message;
  std::unique_ptr<Session> session;
  Status s = Session::Create(graph, SessionOptions{}, &session);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::vector<BoundaryTensor> boundary;
  if (s.ok())
    s = session->RunUntil(cut, {{input.data(), graph.tensors[graph.inputs[0]].shape}}, &boundary);
  EXPECT_TRUE(s.ok()) << s.ToString();
  WireEncodeOptions options;
  options.frame_id = frame_id;
  if (s.ok()) s = EncodeMessage(graph, hash, cut, boundary, options, &message);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return message;
}

TEST(StreamExitTest, ServerChecksTheExitOfEveryRequest) {
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("branchy_lenet", "b.seam"));
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("lenet5", "m.seam"));
  Server server(&ws, "b.seam", FreeTcpEndpoint(), {"--workers", "1", "--backend", "ref"});
  ASSERT_TRUE(server.Start());
  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::LoadFromFile(ws.path("b.seam"), &model).ok());
  const Graph& g = model->graph();
  ExitGraph exit1, exit2;
  ASSERT_TRUE(MakeExitGraph(g, kExit1, &exit1).ok());
  ASSERT_TRUE(MakeExitGraph(g, 1, &exit2).ok());
  ASSERT_EQ(exit1.graph.nodes.size(), 5u);  // conv1 relu1 exit1.flatten exit1.fc exit1.softmax

  std::vector<float> input = cli_test::TestValues(64, 42);
  for (float& x : input) x = 0.5f * (x + 1.0f);
  // A split inside exit1: conv1 and relu1 here, the exit head on the server.
  Cut split;
  ASSERT_TRUE(CutFromNodeNames(exit1.graph, {"conv1", "relu1"}, &split).ok());
  const WireMessage message = Boundary(exit1.graph, model->content_hash(), split, input, 7);

  RawClient client(server.endpoint());
  {
    const auto reply = client.Send(RawClient::ExitPrefix(kExit1), message);
    ASSERT_FALSE(reply.empty());
    ASSERT_EQ(RawClient::ErrorText(reply), "");
    WireMessageView view;
    view.header = reply[0].data();
    view.header_size = reply[0].size();
    for (size_t i = 1; i < reply.size(); ++i) {
      view.payloads.push_back(reply[i].data());
      view.payload_sizes.push_back(reply[i].size());
    }
    DecodedMessage decoded;
    // The reply carries exactly the exit head's tensor, for this frame.
    const Status s = DecodeMessage(exit1.graph, model->content_hash(), split, WireKind::kOutputs,
                                   {g.exits[kExit1].output}, view, &decoded);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(decoded.info.frame_id, 7u);
    const std::vector<float> want = ExitOracle(*model, kExit1, input);
    ASSERT_EQ(static_cast<size_t>(decoded.views[0].shape.NumElements()), want.size());
    EXPECT_EQ(std::memcmp(decoded.views[0].data, want.data(), want.size() * sizeof(float)), 0);
  }
  int refused = 0;
  // Exits this model does not have.
  for (int32_t bad : {3, -1, 1000}) {
    const std::string error =
        RawClient::ErrorText(client.Send(RawClient::ExitPrefix(bad), message));
    EXPECT_NE(error.find("exit " + std::to_string(bad)), std::string::npos) << error;
    EXPECT_NE(error.find("3 exit(s)"), std::string::npos) << error;
    ++refused;
  }
  // A prefix of the wrong size.
  {
    std::vector<uint8_t> prefix = RawClient::ExitPrefix(kExit1);
    prefix.push_back(0);
    const std::string error = RawClient::ErrorText(client.Send(prefix, message));
    EXPECT_NE(error.find("exit frame prefix"), std::string::npos) << error;
    ++refused;
  }
  // A cut with a node exit1 does not need (conv2): refused for exit1.
  {
    Cut deeper;
    ASSERT_TRUE(CutFromNodeNames(exit2.graph, {"conv1", "relu1", "conv2"}, &deeper).ok());
    const WireMessage wrong = Boundary(exit2.graph, model->content_hash(), deeper, input, 8);
    const std::string error =
        RawClient::ErrorText(client.Send(RawClient::ExitPrefix(kExit1), wrong));
    EXPECT_FALSE(error.empty()) << "a cut outside exit1 was served as exit1";
    ++refused;
  }
  const Json stopped = server.Stop();
  EXPECT_EQ(stopped["refused"].Int(), refused);
  EXPECT_EQ(stopped["frames"].Int(), 1);
  EXPECT_EQ(stopped["exit_frames"].Int(), 1);

  // A model without exits refuses every exit frame.
  Server plain(&ws, "m.seam", FreeTcpEndpoint(), {"--workers", "1", "--backend", "ref"});
  ASSERT_TRUE(plain.Start());
  RawClient plain_client(plain.endpoint());
  const std::string error =
      RawClient::ErrorText(plain_client.Send(RawClient::ExitPrefix(0), message));
  EXPECT_NE(error.find("this model has 0 exit(s)"), std::string::npos) << error;
  EXPECT_EQ(plain.Stop()["refused"].Int(), 1);
}

TEST(StreamExitTest, ServerKilledExitFramesFinishLocallyOnTheSameExit) {
  constexpr int kFrames = 40, kKillAfter = 10;
  Workspace ws;
  ASSERT_NO_FATAL_FAILURE(ws.BuildModel("branchy_lenet", "b.seam"));
  ASSERT_NO_FATAL_FAILURE(WriteSlowEdgeProfile(ws));
  const std::vector<std::vector<float>> inputs = WriteInputs(ws, kFrames);
  Server server(&ws, "b.seam", FreeTcpEndpoint(), {"--workers", "1", "--backend", "ref"});
  ASSERT_TRUE(server.Start());
  std::vector<std::string> args = ExitEdgeArgs(server.endpoint());
  args.insert(args.end(),
              {"--rate", "20", "--timeout-ms", "500", "--monitor", "bandwidth:mode=passive"});
  auto edge = ws.Start("edge", args);
  const std::string needle = "{\"event\":\"frame\",\"frame\":" + std::to_string(kKillAfter) + ",";
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (edge->Out().find(needle) == std::string::npos && !edge->exited() &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server.Kill();
  ASSERT_TRUE(edge->Wait(60)) << edge->Describe();
  ASSERT_EQ(edge->exit_code(), 0) << edge->Describe();

  const std::vector<Json> events = ParseEvents(edge->Out());
  const std::string digest = DescribeFrames(events);
  const Json summary = SummaryOf(events);
  EXPECT_EQ(summary["frames"].Int(), kFrames);
  EXPECT_EQ(summary["lost"].Int(), 0);
  EXPECT_EQ(summary["exit_frames"].Int(), kFrames);
  EXPECT_EQ(summary["mismatches"].Int(), 0);
  EXPECT_GE(summary["fallbacks"].Int(), 1) << digest;
  const std::vector<Json> frames = EventsOf(events, "frame");
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames)) << digest;
  int remote = 0, local_edge_only = 0;
  for (const Json& f : frames) {
    EXPECT_EQ(f["exit"].Int(), kExit1) << digest;
    EXPECT_EQ(f["verified"].Int(), 1) << digest;
    if (f["fallback"].Int() == 0 && f["sent_bytes"].Int() > 0) ++remote;
    if (f["cut"].string == "edge only, exit exit1") ++local_edge_only;
  }
  EXPECT_GE(remote, kKillAfter) << digest;
  EXPECT_GE(local_edge_only, 1) << "no frame ran exit1 edge-only after the kill\n" << digest;
  // Whichever way each frame finished, its output is exit1's.
  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::LoadFromFile(ws.path("b.seam"), &model).ok());
  for (int k = 0; k < kFrames; ++k) {
    char produced[40];
    std::snprintf(produced, sizeof(produced), "out/frame_%06d.npy", k);
    std::string header;
    std::vector<float> got;
    ASSERT_TRUE(cli_test::SplitNpy(cli_test::ReadBytes(ws.path(produced)), &header, &got));
    const std::vector<float> want = ExitOracle(*model, kExit1, inputs[static_cast<size_t>(k)]);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
        << "frame " << k << " (" << frames[static_cast<size_t>(k)]["cut"].string << ", fallback "
        << frames[static_cast<size_t>(k)]["fallback"].Int() << ")";
  }
}

}  // namespace
}  // namespace seam::stream_test
