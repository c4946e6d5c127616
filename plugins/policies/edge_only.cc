// Policy plugin "edge-only": the whole model on the edge device, nothing sent.
#include "plugins/policies/common/plugin_glue.h"

namespace {

class EdgeOnlyPolicy : public seam_policy::PolicyBase {
 public:
  seam_status Decide(const seam_policy::Problem& p, seam_policy::Plan* plan,
                     std::string*) override {
    *plan = seam_policy::EdgeOnly(p);
    return SEAM_STATUS_OK;
  }
};

}  // namespace

SEAM_POLICY_PLUGIN(EdgeOnlyPolicy, "edge-only", "Run every node on the edge device; send nothing")
