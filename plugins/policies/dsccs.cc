// Policy plugin "dsccs": DNN Surgery under a cost-constrained server: minimum
// total latency with server time <= server_budget_ms, exact branch and bound
// (common/dsccs.h). Config: constraint=server (default) | server+transfer
// (the paper's eq. 6), max_nodes (search limit).
#include "plugins/policies/common/dsccs.h"

#include "plugins/policies/common/plugin_glue.h"

namespace {

class DsccsPolicy : public seam_policy::PolicyBase {
 public:
  seam_status Configure(seam_policy::ConfigReader* config, std::string* error) override {
    std::string constraint;
    if (config->String("constraint", &constraint)) {
      if (constraint == "server") {
        options_.include_transfer = false;
      } else if (constraint == "server+transfer") {
        options_.include_transfer = true;
      } else {
        *error = "config constraint='" + constraint + "' must be server or server+transfer";
        return SEAM_STATUS_INVALID_ARGUMENT;
      }
    }
    long long max_nodes = static_cast<long long>(options_.max_nodes);
    if (!config->Int("max_nodes", 1, 1LL << 40, &max_nodes, error)) {
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    options_.max_nodes = static_cast<uint64_t>(max_nodes);
    return SEAM_STATUS_OK;
  }
  seam_status Decide(const seam_policy::Problem& p, seam_policy::Plan* plan,
                     std::string*) override {
    seam_policy::DsccsStats stats;
    *plan = seam_policy::Dsccs(p, p.c.server_budget_ms, options_, &stats);
    if (!stats.proven_optimal) {
      Log(SEAM_LOG_WARNING, "dsccs: search limit of " + std::to_string(options_.max_nodes) +
                                " nodes reached; returning the best plan found");
    }
    return SEAM_STATUS_OK;
  }

 private:
  seam_policy::DsccsOptions options_;
};

}  // namespace

SEAM_POLICY_PLUGIN(DsccsPolicy, "dsccs",
                   "DNN Surgery cost-constrained: minimum latency within a server time budget "
                   "(branch and bound)")
