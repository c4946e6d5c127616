// Policy plugin "dads-light": DADS' DSL, the optimal total-latency cut of the
// DAG by min cut, with Algorithm 3's light/heavy switch when a frame rate is
// set (common/dads.h).
#include "plugins/policies/common/dads.h"
#include "plugins/policies/common/plugin_glue.h"

namespace {

class DadsLightPolicy : public seam_policy::PolicyBase {
 public:
  seam_status Decide(const seam_policy::Problem& p, seam_policy::Plan* plan,
                     std::string*) override {
    *plan = seam_policy::DadsSwitch(p, seam_policy::DshOptions{}, /*heavy=*/false);
    return SEAM_STATUS_OK;
  }
  bool SetsMode() const override { return true; }
};

}  // namespace

SEAM_POLICY_PLUGIN(DadsLightPolicy, "dads-light",
                   "DADS DSL: minimum total latency DAG cut by min cut; DSH when the frame rate "
                   "needs it (Algorithm 3)")
