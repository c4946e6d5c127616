// Policy plugin "measured" (McNamee et al., CLOUD'21): the cut point that was
// fastest in a table of measured end-to-end latencies under the conditions
// nearest to the current ones (common/measured.h). Config: table=PATH
// (required), bandwidth_weight, cpu_weight, mem_weight.
#include "plugins/policies/common/measured.h"

#include <vector>

#include "plugins/policies/common/plugin_glue.h"

namespace {

class MeasuredPolicy : public seam_policy::PolicyBase {
 public:
  seam_status Configure(seam_policy::ConfigReader* config, std::string* error) override {
    if (!config->Double("bandwidth_weight", 0, 1e6, &weights_.bandwidth, error) ||
        !config->Double("cpu_weight", 0, 1e6, &weights_.cpu, error) ||
        !config->Double("mem_weight", 0, 1e6, &weights_.mem, error)) {
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    if (!config->String("table", &path_) || path_.empty()) {
      *error =
          "measured policy needs config table=PATH (CSV: point,bandwidth_mbps,cpu_stress,"
          "mem_stress,latency_ms)";
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    // Read the file once, here: planning must not touch the disk.
    if (!seam_policy::LoadMeasuredTable(path_, &rows_, error)) {
      return error->rfind("cannot", 0) == 0 ? SEAM_STATUS_IO : SEAM_STATUS_INVALID_ARGUMENT;
    }
    return SEAM_STATUS_OK;
  }
  seam_status Decide(const seam_policy::Problem& p, seam_policy::Plan* plan,
                     std::string* error) override {
    return seam_policy::PlanMeasured(p, rows_, weights_, path_, plan, error)
               ? SEAM_STATUS_OK
               : SEAM_STATUS_INVALID_ARGUMENT;
  }

 private:
  std::string path_;
  std::vector<seam_policy::MeasuredRow> rows_;
  seam_policy::MeasuredWeights weights_;
};

}  // namespace

SEAM_POLICY_PLUGIN(MeasuredPolicy, "measured",
                   "Measured end-to-end latency table: fastest cut at the nearest conditions")
