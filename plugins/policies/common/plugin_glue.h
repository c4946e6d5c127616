// The C ABI side of every policy plugin: seam_plugin_query, the vtable
// trampolines (create / destroy / plan), configuration parsing and copying a
// Plan into the host's seam_policy_decision.
//
// Every entry point:
//  * checks its pointers and struct sizes (SEAM_HAS_FIELD) before use,
//  * validates the graph and conditions (problem.h) and rejects bad input
//    with SEAM_STATUS_INVALID_ARGUMENT and a message,
//  * catches every exception (bad_alloc -> SEAM_STATUS_OUT_OF_MEMORY, the
//    rest -> SEAM_STATUS_INTERNAL with the exception's message),
//  * writes a NUL-terminated message into the error buffer on failure and
//    leaves the outputs untouched (the answer is built aside and copied last).
//
// Config keys every policy accepts (defaults for conditions the host leaves
// at 0 = not set): frame_rate, deadline_ms, server_budget_ms. A policy adds
// its own keys; any other key is rejected so typos do not pass silently.
#ifndef SEAM_POLICIES_COMMON_PLUGIN_GLUE_H_
#define SEAM_POLICIES_COMMON_PLUGIN_GLUE_H_

#include <map>
#include <set>
#include <string>

#include "plugins/policies/common/plan.h"
#include "plugins/policies/common/problem.h"
#include "seam/plugin.h"
#include "seam/policy_plugin.h"

namespace seam_policy {

// Typed access to "key=value" entries; remembers which keys were read.
class ConfigReader {
 public:
  explicit ConfigReader(std::map<std::string, std::string> values) : values_(std::move(values)) {}
  bool Has(const std::string& key) const { return values_.count(key) != 0; }
  // Absent keys keep *out and succeed; present ones must parse and be in range.
  bool Double(const std::string& key, double min, double max, double* out, std::string* error);
  bool Int(const std::string& key, long long min, long long max, long long* out,
           std::string* error);
  bool String(const std::string& key, std::string* out);
  // Keys present but never read.
  std::set<std::string> Unused() const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> used_;
};

class PolicyBase {
 public:
  virtual ~PolicyBase() = default;
  // Reads the policy's own keys. Returns a seam_status (IO for unreadable
  // files, INVALID_ARGUMENT for bad values).
  virtual seam_status Configure(ConfigReader* config, std::string* error) {
    (void)config;
    (void)error;
    return SEAM_STATUS_OK;
  }
  virtual seam_status Decide(const Problem& p, Plan* plan, std::string* error) = 0;
  // True when Decide sets plan->mode itself (DADS); otherwise the glue sets
  // LIGHT / INFEASIBLE from the frame rate (SetModeFromRate).
  virtual bool SetsMode() const { return false; }

  void Log(int32_t severity, const std::string& message) const;

  const seam_host_api* host = nullptr;
  // Config fallbacks for unset conditions.
  double frame_rate = 0, deadline_ms = 0, server_budget_ms = 0;
};

using PolicyFactory = PolicyBase* (*)();

// Shared implementations behind the trampolines.
seam_status CreatePolicy(PolicyFactory factory, const seam_host_api* host, const seam_kv* config,
                         uint32_t num_config, void** out_instance, char* error, size_t error_size);
void DestroyPolicy(void* instance);
seam_status PlanPolicy(void* instance, const seam_policy_graph* graph,
                       const seam_policy_conditions* conditions, seam_policy_decision* out,
                       char* error, size_t error_size);
// Never throws (a host may call it before anything else is set up).
seam_status QueryPlugin(uint32_t host_abi_major, uint32_t host_abi_minor, const seam_host_api* host,
                        const seam_plugin_info** out_info, const seam_plugin_info* info) noexcept;

template <typename T>
struct PolicyTrampolines {
  static PolicyBase* Make() { return new T(); }
  static seam_status Create(const seam_host_api* host, const seam_kv* config, uint32_t num_config,
                            void** out_instance, char* error, size_t error_size) {
    return CreatePolicy(&Make, host, config, num_config, out_instance, error, error_size);
  }
  static const seam_policy_vtable* Vtable() {
    static const seam_policy_vtable vtable = {sizeof(seam_policy_vtable), &Create, &DestroyPolicy,
                                              &PlanPolicy};
    return &vtable;
  }
};

}  // namespace seam_policy

// Defines the plugin's one exported symbol for policy class `Class`.
#define SEAM_POLICY_PLUGIN(Class, kName, kDescription)                                      \
  extern "C" SEAM_PLUGIN_EXPORT seam_status seam_plugin_query(                              \
      uint32_t host_abi_major, uint32_t host_abi_minor, const seam_host_api* host,          \
      const seam_plugin_info** out_info) {                                                  \
    static const seam_plugin_info info = {sizeof(seam_plugin_info),                         \
                                          SEAM_PLUGIN_ABI_MAJOR,                            \
                                          SEAM_PLUGIN_ABI_MINOR,                            \
                                          SEAM_PLUGIN_KIND_POLICY,                          \
                                          kName,                                            \
                                          "1.0.0",                                          \
                                          kDescription,                                     \
                                          seam_policy::PolicyTrampolines<Class>::Vtable()}; \
    return seam_policy::QueryPlugin(host_abi_major, host_abi_minor, host, out_info, &info); \
  }

#endif  // SEAM_POLICIES_COMMON_PLUGIN_GLUE_H_
