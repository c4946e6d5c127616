// Policy plugin "edgent" (Li et al., MECOMM'18, Algorithm 1): the most
// accurate early exit whose best partition meets deadline_ms
// (common/edgent.h).
#include "plugins/policies/common/edgent.h"

#include "plugins/policies/common/plugin_glue.h"

namespace {

class EdgentPolicy : public seam_policy::PolicyBase {
 public:
  seam_status Decide(const seam_policy::Problem& p, seam_policy::Plan* plan,
                     std::string*) override {
    *plan = seam_policy::Edgent(p);
    return SEAM_STATUS_OK;
  }
};

}  // namespace

SEAM_POLICY_PLUGIN(EdgentPolicy, "edgent",
                   "Edgent: most accurate early exit and split point meeting the deadline")
