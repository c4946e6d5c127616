// libFuzzer target: the host's check of a partition policy's answer
// (CheckPolicyDecision in plugins/policy_host.cc, what Policy::Plan runs on
// every seam_policy_decision a plugin returns). A plugin is third-party code:
// its answer may hold anything. The answer is checked against real graphs (a
// small DAG, the branchy LeNet with early exits, GoogLeNet), no dlopen needed.
//
// Input:
//   byte 0        bits 0-1: the model (tests/fuzz/fuzz_models.h);
//                 bit 7: the plugin filled all of `reason` (no terminator)
//   bytes 1-4     exit_index (int32), bytes 5-8 mode (uint32)
//   bytes 9-48    the five predicted times (double)
//   bytes 49-64   the start of `reason`
//   bytes 65..    on_edge, one byte per node; nodes past the input's end
//                 keep the host's "not written" marker
// Properties: an accepted answer is a valid cut matching on_edge, a known
// exit and mode, numbers >= 0, a reason that fits; a refused one has a message.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "plugins/policy_host.h"
#include "tests/fuzz/fuzz_models.h"

namespace seam::fuzz {
namespace {

constexpr size_t kFixedBytes = 65;

const PolicyGraph& FuzzPolicyGraph(FuzzModelId id) {
  static std::unique_ptr<PolicyGraph> graphs[kNumFuzzModels];
  std::unique_ptr<PolicyGraph>& p = graphs[static_cast<int>(id)];
  if (p == nullptr) {
    const Graph& g = FuzzModel(id).graph();
    p = std::make_unique<PolicyGraph>();
    const std::vector<double> ms(g.nodes.size(), 1.0);
    if (!PolicyGraph::Build(g, ms, ms, p.get()).ok()) Fail("cannot describe a fuzz model");
  }
  return *p;
}

}  // namespace
}  // namespace seam::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seam;
  using namespace seam::fuzz;
  if (size < kFixedBytes) return 0;
  const FuzzModelId id = static_cast<FuzzModelId>((data[0] & 3) % kNumFuzzModels);
  const PolicyGraph& graph = FuzzPolicyGraph(id);
  const Graph& g = graph.graph();

  seam_policy_decision d{};
  d.struct_size = sizeof(d);
  std::memcpy(&d.exit_index, data + 1, 4);
  std::memcpy(&d.mode, data + 5, 4);
  double times[5];
  std::memcpy(times, data + 9, sizeof(times));
  d.predicted_edge_ms = times[0];
  d.predicted_transfer_ms = times[1];
  d.predicted_server_ms = times[2];
  d.predicted_total_ms = times[3];
  d.predicted_max_stage_ms = times[4];
  if (data[0] & 0x80) std::memset(d.reason, 'r', sizeof(d.reason));
  std::memcpy(d.reason, data + 49, 16);
  // The host's buffer, exactly one byte per node, as Policy::Plan makes it.
  std::vector<uint8_t> on_edge(g.nodes.size(), 2);
  const size_t given = std::min(on_edge.size(), size - kFixedBytes);
  if (given > 0) std::memcpy(on_edge.data(), data + kFixedBytes, given);
  d.on_edge = on_edge.data();

  PlanDecision decision;
  decision.reason = "untouched";
  const Status s = CheckPolicyDecision(graph, "fuzz", on_edge.data(), d, &decision);
  if (!s.ok()) {
    if (s.message().empty()) Fail("a refused policy answer has no message");
    if (decision.reason != "untouched") Fail("a refused answer changed the output");
    return 0;
  }
  if (!ValidateCut(g, decision.cut).ok()) Fail("an accepted answer is not a valid cut");
  size_t on = 0;
  for (size_t n = 0; n < on_edge.size(); ++n) {
    if (on_edge[n] > 1) Fail("an accepted answer left a node unassigned");
    on += on_edge[n];
  }
  if (on != decision.cut.edge_nodes.size()) Fail("the accepted cut does not match on_edge");
  for (int n : decision.cut.edge_nodes) {
    if (on_edge[n] != 1) Fail("the accepted cut does not match on_edge");
  }
  if (decision.exit_index < -1 ||
      decision.exit_index >= static_cast<int>(graph.c_graph().num_exits)) {
    Fail("an accepted answer has an unknown exit");
  }
  if (decision.reason.size() >= sizeof(d.reason)) Fail("the reason overflows its buffer");
  if (!(decision.total_ms >= 0) || !(decision.edge_ms >= 0)) Fail("accepted a bad prediction");
  if (decision.boundary_bytes != CutBoundaryBytes(g, decision.cut)) {
    Fail("the accepted answer's boundary size is wrong");
  }
  return 0;
}
