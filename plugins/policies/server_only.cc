// Policy plugin "server-only": send the graph inputs, run everything on the server.
#include "plugins/policies/common/plugin_glue.h"

namespace {

class ServerOnlyPolicy : public seam_policy::PolicyBase {
 public:
  seam_status Decide(const seam_policy::Problem& p, seam_policy::Plan* plan,
                     std::string*) override {
    *plan = seam_policy::ServerOnly(p);
    return SEAM_STATUS_OK;
  }
};

}  // namespace

SEAM_POLICY_PLUGIN(ServerOnlyPolicy, "server-only",
                   "Send the inputs and run every node on the server")
