// Policy plugin "fixed": always the cut the user names, whatever the link.
// It is how `seam sweep` forces a partition point through a real `seam edge`
// run, and how anyone pins a deployment to a cut they measured themselves.
//
// Config: cut=POINT[,POINT...] (required). A POINT is a node name: that node
// and all its ancestors run on the edge (with a partition point: "everything
// up to and including the layer"); several names take the union. The
// keywords `input` (server only: nothing on the edge) and `all` (edge only)
// are the same as in the `measured` policy's table, and win over node names.
#include <string>
#include <vector>

#include "plugins/policies/common/plugin_glue.h"

namespace {

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    parts.push_back(
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

class FixedPolicy : public seam_policy::PolicyBase {
 public:
  seam_status Configure(seam_policy::ConfigReader* config, std::string* error) override {
    std::string cut;
    if (!config->String("cut", &cut) || cut.empty()) {
      *error =
          "fixed policy needs config cut=NODE[,NODE...] (or cut=input for server only, "
          "cut=all for edge only)";
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    points_ = SplitCommas(cut);
    for (const std::string& p : points_) {
      if (p.empty()) {
        *error = "fixed policy: cut='" + cut + "' has an empty node name";
        return SEAM_STATUS_INVALID_ARGUMENT;
      }
    }
    return SEAM_STATUS_OK;
  }

  seam_status Decide(const seam_policy::Problem& p, seam_policy::Plan* plan,
                     std::string* error) override {
    const seam_policy::GraphView& g = p.g;
    std::vector<uint8_t> on_edge(static_cast<size_t>(g.num_nodes), 0);
    std::vector<int> stack;
    bool all = false;
    for (const std::string& point : points_) {
      if (point == "all") {
        all = true;
        continue;
      }
      if (point == "input") continue;
      int node = -1;
      for (int v = 0; v < g.num_nodes && node < 0; ++v) {
        if (g.Name(v) == point) node = v;
      }
      if (node < 0) {
        *error = "fixed policy: the model has no node named '" + point + "'";
        return SEAM_STATUS_INVALID_ARGUMENT;
      }
      stack.push_back(node);
    }
    if (all) {
      *plan = seam_policy::EdgeOnly(p);
      plan->reason = "fixed: edge only";
      return SEAM_STATUS_OK;
    }
    // The named nodes and every ancestor: the smallest closed edge set.
    while (!stack.empty()) {
      const int v = stack.back();
      stack.pop_back();
      if (on_edge[static_cast<size_t>(v)]) continue;
      on_edge[static_cast<size_t>(v)] = 1;
      for (int u : g.preds[v]) {
        if (!on_edge[static_cast<size_t>(u)]) stack.push_back(u);
      }
    }
    *plan = seam_policy::MakePlan(p, std::move(on_edge));
    plan->reason = "fixed: " + seam_policy::DescribeCut(*plan);
    return SEAM_STATUS_OK;
  }

 private:
  std::vector<std::string> points_;
};

}  // namespace

SEAM_POLICY_PLUGIN(FixedPolicy, "fixed",
                   "The cut named in its config (cut=NODE,... | input | all), whatever the link")
