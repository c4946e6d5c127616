// Policy plugin "neurosurgeon" (Kang et al., ASPLOS'17): the best single split
// of the topologically sorted model by total latency (plan.h, BestPrefix).
#include "plugins/policies/common/plugin_glue.h"

namespace {

class NeurosurgeonPolicy : public seam_policy::PolicyBase {
 public:
  seam_status Decide(const seam_policy::Problem& p, seam_policy::Plan* plan,
                     std::string*) override {
    *plan = seam_policy::BestPrefix(p);
    return SEAM_STATUS_OK;
  }
};

}  // namespace

SEAM_POLICY_PLUGIN(NeurosurgeonPolicy, "neurosurgeon",
                   "Best single split point of the topological order by total latency")
