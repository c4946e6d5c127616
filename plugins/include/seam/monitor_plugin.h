/* seam monitor plugins: measure the link and the edge device and publish
 * readings the policy sees on its next plan.
 *
 * The host calls sample() from its monitor thread only. observe_transfer()
 * is called from the streaming thread after each real boundary transfer,
 * and may run concurrently with sample(): guard shared state.
 */
#ifndef SEAM_MONITOR_PLUGIN_H_
#define SEAM_MONITOR_PLUGIN_H_

#include "seam/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SEAM_READING_BANDWIDTH (1u << 0)
#define SEAM_READING_RTT (1u << 1)
#define SEAM_READING_CPU_LOAD (1u << 2)
#define SEAM_READING_MEM_PRESSURE (1u << 3)

typedef struct seam_readings {
  uint32_t struct_size;
  uint32_t valid; /* SEAM_READING_* bits the monitor filled */
  double bandwidth_bps;
  double rtt_ms;
  double cpu_load;     /* 0..1 of all cores */
  double mem_pressure; /* 0..1: share of memory unavailable, or PSI some avg10 */
} seam_readings;

typedef struct seam_transfer_sample {
  uint32_t struct_size;
  uint64_t bytes; /* payload bytes sent */
  double seconds; /* wall time the send took, excluding server compute */
} seam_transfer_sample;

typedef struct seam_monitor_vtable {
  uint32_t struct_size;
  seam_status (*create)(const seam_host_api* host, const seam_kv* config, uint32_t num_config,
                        void** out_instance, char* error, size_t error_size);
  void (*destroy)(void* instance);
  /* Fill the fields the monitor measures (set their bits in `valid`). The
   * host zero-fills *out and sets struct_size first. */
  seam_status (*sample)(void* instance, seam_readings* out, char* error, size_t error_size);
  /* Optional (may be NULL): a passive observation of a real transfer. */
  void (*observe_transfer)(void* instance, const seam_transfer_sample* sample);
} seam_monitor_vtable;

#ifdef __cplusplus
}
#endif

#endif /* SEAM_MONITOR_PLUGIN_H_ */
