/* seam partition-policy plugins: given the model graph, per-node latencies
 * and the link, decide which nodes run on the edge.
 *
 * The host describes the graph as nodes and tensors. A tensor has one
 * producer node (or none: a graph input) and any number of consumers; when
 * the cut separates a producer from a consumer the tensor's bytes cross
 * once, however many server nodes read it.
 */
#ifndef SEAM_POLICY_PLUGIN_H_
#define SEAM_POLICY_PLUGIN_H_

#include "seam/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct seam_policy_graph {
  uint32_t struct_size;
  uint32_t num_nodes;
  const char* const* node_names;    /* [num_nodes] */
  const uint32_t* node_ids;         /* [num_nodes] stable ids */
  const double* edge_ms;            /* [num_nodes] latency of the node on the edge */
  const double* server_ms;          /* [num_nodes] latency of the node on the server */
  uint32_t num_tensors;             /* activation tensors only (no weights) */
  const int32_t* tensor_producer;   /* [num_tensors] node index, -1 = graph input */
  const uint64_t* tensor_bytes;     /* [num_tensors] bytes when sent uncompressed */
  const uint32_t* consumer_offsets; /* [num_tensors + 1] CSR into consumers */
  const uint32_t* consumers;        /* node indices reading each tensor */
  const uint8_t*
      tensor_is_output; /* [num_tensors] 1 for graph outputs (must reach the server's reply) */
  const uint32_t* topo_order; /* [num_nodes] a topological order of the nodes */
  uint32_t num_partition_points;
  const uint32_t* partition_points; /* node indices, in topological order */
  /* Early exits (Edgent). Exit i needs the nodes in its CSR slice; exits
   * are sorted by increasing accuracy. num_exits == 0: no early exits. */
  uint32_t num_exits;
  const double* exit_accuracy;       /* [num_exits] 0..1 */
  const uint32_t* exit_node_offsets; /* [num_exits + 1] */
  const uint32_t* exit_nodes;        /* node indices */
  const int32_t* exit_output_tensor; /* [num_exits] tensor index */
} seam_policy_graph;

typedef struct seam_policy_conditions {
  uint32_t struct_size;
  double bandwidth_bps;     /* edge -> server, bits per second */
  double rtt_ms;            /* round trip, milliseconds */
  double frame_rate;        /* frames per second the stream needs; 0 = not set */
  double deadline_ms;       /* latency requirement; 0 = not set */
  double server_budget_ms;  /* server time per frame allowed (DSCCS); 0 = not set */
  double edge_cpu_load;     /* 0..1, -1 = unknown */
  double edge_mem_pressure; /* 0..1, -1 = unknown */
} seam_policy_conditions;

#define SEAM_POLICY_MODE_LIGHT 0
#define SEAM_POLICY_MODE_HEAVY 1
#define SEAM_POLICY_MODE_INFEASIBLE 2 /* rate too high: best effort returned */

typedef struct seam_policy_decision {
  uint32_t struct_size;
  uint8_t* on_edge;   /* [num_nodes], host-allocated: 1 = edge, 0 = server */
  int32_t exit_index; /* -1 = the model's main output; else an exit */
  uint32_t mode;      /* SEAM_POLICY_MODE_* */
  double predicted_edge_ms;
  double predicted_transfer_ms;
  double predicted_server_ms;
  double predicted_total_ms;     /* edge + transfer + server (+ rtt); a policy that measures
                                    end to end ("measured") reports its measured latency here,
                                    while the stage fields stay profile-based */
  double predicted_max_stage_ms; /* max(edge, transfer, server): the pipeline's period */
  char reason[128];              /* one line for logs: why this cut */
} seam_policy_decision;

typedef struct seam_policy_vtable {
  uint32_t struct_size;
  seam_status (*create)(const seam_host_api* host, const seam_kv* config, uint32_t num_config,
                        void** out_instance, char* error, size_t error_size);
  void (*destroy)(void* instance);
  /* Decide a cut. All inputs are borrowed for the call. */
  seam_status (*plan)(void* instance, const seam_policy_graph* graph,
                      const seam_policy_conditions* conditions, seam_policy_decision* out,
                      char* error, size_t error_size);
} seam_policy_vtable;

#ifdef __cplusplus
}
#endif

#endif /* SEAM_POLICY_PLUGIN_H_ */
