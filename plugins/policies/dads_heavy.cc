// Policy plugin "dads-heavy": DADS' DSH, the alpha/gamma-scaled min-cut search
// for the smallest max stage (throughput), under Algorithm 3 when a frame rate
// is set (common/dads.h). Config: refine (K, default 4), max_rounds (6),
// epsilon_ms (1e-6).
#include "plugins/policies/common/dads.h"
#include "plugins/policies/common/plugin_glue.h"

namespace {

class DadsHeavyPolicy : public seam_policy::PolicyBase {
 public:
  seam_status Configure(seam_policy::ConfigReader* config, std::string* error) override {
    long long refine = options_.refine, rounds = options_.max_rounds;
    if (!config->Int("refine", 2, 64, &refine, error) ||
        !config->Int("max_rounds", 1, 64, &rounds, error) ||
        !config->Double("epsilon_ms", 0, 1e9, &options_.epsilon_ms, error)) {
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    options_.refine = static_cast<int>(refine);
    options_.max_rounds = static_cast<int>(rounds);
    return SEAM_STATUS_OK;
  }
  seam_status Decide(const seam_policy::Problem& p, seam_policy::Plan* plan,
                     std::string*) override {
    *plan = seam_policy::DadsSwitch(p, options_, /*heavy=*/true);
    return SEAM_STATUS_OK;
  }
  bool SetsMode() const override { return true; }

 private:
  seam_policy::DshOptions options_;
};

}  // namespace

SEAM_POLICY_PLUGIN(DadsHeavyPolicy, "dads-heavy",
                   "DADS DSH: smallest max stage (throughput) by alpha/gamma-scaled min cuts")
