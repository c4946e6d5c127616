// C ABI trampolines shared by every policy plugin (see plugin_glue.h).
#include "plugins/policies/common/plugin_glue.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

namespace seam_policy {
namespace {

void WriteError(char* error, size_t error_size, const std::string& message) {
  if (error == nullptr || error_size == 0) return;
  const size_t n = std::min(message.size(), error_size - 1);
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

// Runs `body`, turning every exception into a status and a message.
template <typename Body>
seam_status Guarded(char* error, size_t error_size, Body body) {
  try {
    std::string message;
    const seam_status status = body(&message);
    if (status != SEAM_STATUS_OK) {
      WriteError(error, error_size, message.empty() ? "policy failed" : message);
    }
    return status;
  } catch (const std::bad_alloc&) {
    WriteError(error, error_size, "out of memory");
    return SEAM_STATUS_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    WriteError(error, error_size, std::string("internal error: ") + e.what());
    return SEAM_STATUS_INTERNAL;
  } catch (...) {
    WriteError(error, error_size, "internal error: unknown exception");
    return SEAM_STATUS_INTERNAL;
  }
}

// A function, not an inline `<`, so minor 0 does not trip -Wtype-limits.
bool OlderThan(uint32_t minor, uint32_t built_minor) { return minor < built_minor; }

void CopyReason(const std::string& reason, char (&out)[128]) {
  const size_t n = std::min(reason.size(), sizeof(out) - 1);
  for (size_t i = 0; i < n; ++i)
    out[i] = (reason[i] == '\n' || reason[i] == '\r') ? ' ' : reason[i];
  out[n] = '\0';
}

}  // namespace

bool ConfigReader::Double(const std::string& key, double min, double max, double* out,
                          std::string* error) {
  const auto it = values_.find(key);
  if (it == values_.end()) return true;
  used_.insert(key);
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || errno != 0 || *end != '\0' || !std::isfinite(v) || v < min || v > max) {
    *error = "config " + key + "='" + it->second + "' must be a number in [" + std::to_string(min) +
             ", " + std::to_string(max) + "]";
    return false;
  }
  *out = v;
  return true;
}

bool ConfigReader::Int(const std::string& key, long long min, long long max, long long* out,
                       std::string* error) {
  const auto it = values_.find(key);
  if (it == values_.end()) return true;
  used_.insert(key);
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || errno != 0 || *end != '\0' || v < min || v > max) {
    *error = "config " + key + "='" + it->second + "' must be an integer in [" +
             std::to_string(min) + ", " + std::to_string(max) + "]";
    return false;
  }
  *out = v;
  return true;
}

bool ConfigReader::String(const std::string& key, std::string* out) {
  const auto it = values_.find(key);
  if (it == values_.end()) return false;
  used_.insert(key);
  *out = it->second;
  return true;
}

std::set<std::string> ConfigReader::Unused() const {
  std::set<std::string> unused;
  for (const auto& [key, value] : values_) {
    if (used_.count(key) == 0) unused.insert(key);
  }
  return unused;
}

void PolicyBase::Log(int32_t severity, const std::string& message) const {
  if (SEAM_HAS_FIELD(seam_host_api, host, log) && host->log != nullptr) {
    host->log(host->host_ctx, severity, message.c_str());
  }
}

seam_status CreatePolicy(PolicyFactory factory, const seam_host_api* host, const seam_kv* config,
                         uint32_t num_config, void** out_instance, char* error, size_t error_size) {
  return Guarded(error, error_size, [&](std::string* message) -> seam_status {
    if (out_instance == nullptr) {
      *message = "out_instance is null";
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    if (num_config > 0 && config == nullptr) {
      *message = "config is null but num_config is " + std::to_string(num_config);
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    std::map<std::string, std::string> values;
    for (uint32_t i = 0; i < num_config; ++i) {
      if (config[i].key == nullptr || config[i].value == nullptr) {
        *message = "config entry " + std::to_string(i) + " has a null key or value";
        return SEAM_STATUS_INVALID_ARGUMENT;
      }
      if (!values.emplace(config[i].key, config[i].value).second) {
        *message = std::string("config key '") + config[i].key + "' given twice";
        return SEAM_STATUS_INVALID_ARGUMENT;
      }
    }
    ConfigReader reader(std::move(values));
    std::unique_ptr<PolicyBase> policy(factory());
    policy->host = host;
    if (!reader.Double("frame_rate", 0, 1e6, &policy->frame_rate, message) ||
        !reader.Double("deadline_ms", 0, 1e9, &policy->deadline_ms, message) ||
        !reader.Double("server_budget_ms", 0, 1e9, &policy->server_budget_ms, message)) {
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    const seam_status status = policy->Configure(&reader, message);
    if (status != SEAM_STATUS_OK) return status;
    const std::set<std::string> unused = reader.Unused();
    if (!unused.empty()) {
      *message = "unknown config key '" + *unused.begin() + "'";
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    *out_instance = policy.release();
    return SEAM_STATUS_OK;
  });
}

void DestroyPolicy(void* instance) {
  // Destructors of the policies do not throw; nothing to guard.
  delete static_cast<PolicyBase*>(instance);
}

seam_status PlanPolicy(void* instance, const seam_policy_graph* graph,
                       const seam_policy_conditions* conditions, seam_policy_decision* out,
                       char* error, size_t error_size) {
  return Guarded(error, error_size, [&](std::string* message) -> seam_status {
    if (instance == nullptr) {
      *message = "instance is null";
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    if (out == nullptr || !SEAM_HAS_FIELD(seam_policy_decision, out, on_edge)) {
      *message = "decision is null or its struct_size does not cover on_edge";
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    PolicyBase* policy = static_cast<PolicyBase*>(instance);
    Problem problem;
    if (!BuildProblem(graph, conditions, &problem, message)) return SEAM_STATUS_INVALID_ARGUMENT;
    if (out->on_edge == nullptr) {  // checked after the graph: a 0-node graph is the better message
      *message = "decision on_edge is null";
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    if (problem.c.frame_rate == 0) problem.c.frame_rate = policy->frame_rate;
    if (problem.c.deadline_ms == 0) problem.c.deadline_ms = policy->deadline_ms;
    if (problem.c.server_budget_ms == 0) problem.c.server_budget_ms = policy->server_budget_ms;
    Plan plan;
    const seam_status status = policy->Decide(problem, &plan, message);
    if (status != SEAM_STATUS_OK) return status;
    const GraphView& g = problem.g;
    // Never hand the host a plan that breaks the contract.
    if (plan.on_edge.size() != static_cast<size_t>(g.num_nodes) || !IsClosed(g, plan.on_edge)) {
      *message = "internal error: the policy produced a plan that is not closed under predecessors";
      return SEAM_STATUS_INTERNAL;
    }
    if (plan.exit_index < -1 || plan.exit_index >= static_cast<int>(g.exits.size())) {
      *message = "internal error: the policy produced exit " + std::to_string(plan.exit_index);
      return SEAM_STATUS_INTERNAL;
    }
    if (!policy->SetsMode()) SetModeFromRate(problem, &plan);
    // Success: only now touch the host's decision.
    std::memcpy(out->on_edge, plan.on_edge.data(), plan.on_edge.size());
    if (SEAM_HAS_FIELD(seam_policy_decision, out, exit_index)) out->exit_index = plan.exit_index;
    if (SEAM_HAS_FIELD(seam_policy_decision, out, mode)) out->mode = plan.mode;
    const Costs& c = plan.costs;
    if (SEAM_HAS_FIELD(seam_policy_decision, out, predicted_edge_ms)) {
      out->predicted_edge_ms = c.edge_ms;
    }
    if (SEAM_HAS_FIELD(seam_policy_decision, out, predicted_transfer_ms)) {
      out->predicted_transfer_ms = c.transfer_ms;
    }
    if (SEAM_HAS_FIELD(seam_policy_decision, out, predicted_server_ms)) {
      out->predicted_server_ms = c.server_ms;
    }
    if (SEAM_HAS_FIELD(seam_policy_decision, out, predicted_total_ms)) {
      out->predicted_total_ms = c.total_ms;
    }
    if (SEAM_HAS_FIELD(seam_policy_decision, out, predicted_max_stage_ms)) {
      out->predicted_max_stage_ms = c.max_stage_ms;
    }
    if (SEAM_HAS_FIELD(seam_policy_decision, out, reason)) CopyReason(plan.reason, out->reason);
    return SEAM_STATUS_OK;
  });
}

seam_status QueryPlugin(uint32_t host_abi_major, uint32_t host_abi_minor, const seam_host_api* host,
                        const seam_plugin_info** out_info, const seam_plugin_info* info) noexcept {
  if (out_info == nullptr) return SEAM_STATUS_INVALID_ARGUMENT;
  // Same major required. A host older (smaller minor) than the headers this
  // plugin was built with may lack fields the plugin reads, so it is refused
  // too; the plugin still reads every optional field through SEAM_HAS_FIELD.
  if (host_abi_major != SEAM_PLUGIN_ABI_MAJOR || OlderThan(host_abi_minor, SEAM_PLUGIN_ABI_MINOR)) {
    if (SEAM_HAS_FIELD(seam_host_api, host, log) && host->log != nullptr) try {
        const std::string message = std::string("policy '") + info->name + "': refusing host ABI " +
                                    std::to_string(host_abi_major) + "." +
                                    std::to_string(host_abi_minor) + " (built for " +
                                    std::to_string(SEAM_PLUGIN_ABI_MAJOR) + "." +
                                    std::to_string(SEAM_PLUGIN_ABI_MINOR) + ")";
        host->log(host->host_ctx, SEAM_LOG_ERROR, message.c_str());
      } catch (...) {
        // Logging is best effort; the status says it all.
      }
    return SEAM_STATUS_VERSION_MISMATCH;
  }
  *out_info = info;
  return SEAM_STATUS_OK;
}

}  // namespace seam_policy
