// An example partition policy plugin: cut at the partition point that sends
// the fewest bytes (ties: the earliest), ignoring compute time. Deliberately
// simple; it shows the ABI rules: struct sizes, borrowed inputs, errors in the
// caller's buffer, and no exception crossing the boundary.
#include <cstdio>
#include <cstring>
#include <vector>

#include "seam/policy_plugin.h"

namespace {

const seam_host_api* g_host = nullptr;

void SetError(char* error, size_t size, const char* message) {
  if (error != nullptr && size > 0) std::snprintf(error, size, "%s", message);
}

seam_status Create(const seam_host_api*, const seam_kv*, uint32_t num_config, void** out,
                   char* error, size_t error_size) {
  if (num_config != 0) {
    SetError(error, error_size, "min-transfer takes no options");
    return SEAM_STATUS_INVALID_ARGUMENT;
  }
  static int instance_tag = 0;  // stateless: every instance is the same
  *out = &instance_tag;
  return SEAM_STATUS_OK;
}

void Destroy(void*) {}

seam_status Plan(void*, const seam_policy_graph* g, const seam_policy_conditions* c,
                 seam_policy_decision* out, char* error, size_t error_size) {
  try {
    if (!SEAM_HAS_FIELD(seam_policy_graph, g, partition_points) || c == nullptr || out == nullptr ||
        out->on_edge == nullptr) {
      SetError(error, error_size, "graph or decision struct is too old or missing");
      return SEAM_STATUS_INVALID_ARGUMENT;
    }
    // Server only (send the input) is the baseline; then every partition point.
    uint64_t input_bytes = 0;
    for (uint32_t t = 0; t < g->num_tensors; ++t) {
      if (g->tensor_producer[t] < 0) input_bytes += g->tensor_bytes[t];
    }
    uint64_t best_bytes = input_bytes;
    int64_t best_point = -1;
    std::vector<uint32_t> position(g->num_nodes);
    for (uint32_t i = 0; i < g->num_nodes; ++i) position[g->topo_order[i]] = i;
    for (uint32_t p = 0; p < g->num_partition_points; ++p) {
      const uint32_t node = g->partition_points[p];
      uint64_t bytes = 0;
      for (uint32_t t = 0; t < g->num_tensors; ++t) {
        if (g->tensor_producer[t] == static_cast<int32_t>(node)) bytes += g->tensor_bytes[t];
      }
      if (bytes < best_bytes) {
        best_bytes = bytes;
        best_point = node;
      }
    }
    // A partition point dominates the outputs: everything before it in
    // topological order is its ancestor or unrelated-but-earlier, so the
    // prefix up to it is a valid edge set.
    for (uint32_t n = 0; n < g->num_nodes; ++n) {
      out->on_edge[n] = best_point >= 0 && position[n] <= position[best_point] ? 1 : 0;
    }
    double edge = 0, server = 0;
    for (uint32_t n = 0; n < g->num_nodes; ++n) {
      if (out->on_edge[n]) {
        edge += g->edge_ms[n];
      } else {
        server += g->server_ms[n];
      }
    }
    const bool all_edge = best_point >= 0 && position[best_point] + 1 == g->num_nodes;
    const double transfer =
        all_edge || c->bandwidth_bps <= 0
            ? 0.0
            : static_cast<double>(best_bytes) * 8.0 / c->bandwidth_bps * 1000.0 + c->rtt_ms;
    out->exit_index = -1;
    out->mode = SEAM_POLICY_MODE_LIGHT;
    out->predicted_edge_ms = edge;
    out->predicted_transfer_ms = transfer;
    out->predicted_server_ms = server;
    out->predicted_total_ms = edge + transfer + server;
    double max_stage = edge > transfer ? edge : transfer;
    if (server > max_stage) max_stage = server;
    out->predicted_max_stage_ms = max_stage;
    std::snprintf(out->reason, sizeof(out->reason), "fewest bytes: %llu at %s",
                  static_cast<unsigned long long>(best_bytes),
                  best_point >= 0 ? g->node_names[best_point] : "input");
    if (g_host != nullptr && g_host->log != nullptr)
      g_host->log(g_host->host_ctx, SEAM_LOG_INFO, out->reason);
    return SEAM_STATUS_OK;
  } catch (...) {
    SetError(error, error_size, "min-transfer: internal error");
    return SEAM_STATUS_INTERNAL;
  }
}

const seam_policy_vtable kVtable = {sizeof(seam_policy_vtable), &Create, &Destroy, &Plan};
const seam_plugin_info kInfo = {sizeof(seam_plugin_info),
                                SEAM_PLUGIN_ABI_MAJOR,
                                SEAM_PLUGIN_ABI_MINOR,
                                SEAM_PLUGIN_KIND_POLICY,
                                "min-transfer",
                                "1.0.0",
                                "example: cut where the fewest bytes cross",
                                &kVtable};

}  // namespace

extern "C" SEAM_PLUGIN_EXPORT seam_status seam_plugin_query(uint32_t host_abi_major, uint32_t,
                                                            const seam_host_api* host,
                                                            const seam_plugin_info** out_info) {
  if (host_abi_major != SEAM_PLUGIN_ABI_MAJOR || out_info == nullptr)
    return SEAM_STATUS_VERSION_MISMATCH;
  g_host = host;
  *out_info = &kInfo;
  return SEAM_STATUS_OK;
}
