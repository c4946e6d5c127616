/* seam plugin ABI: what every plugin kind shares. C only, stable.
 *
 * A plugin is a shared library exporting exactly one symbol,
 * seam_plugin_query (a linker version script hides the rest). The host
 * passes its ABI version and services; the plugin answers with a static
 * descriptor whose vtable is kind-specific (seam/policy_plugin.h,
 * seam/monitor_plugin.h, seam/transport_plugin.h).
 *
 * Rules
 *  1. Growth: structs only grow at the end and start with struct_size, set
 *     by whoever fills the struct. A reader uses a field only when
 *     SEAM_HAS_FIELD says the writer knew it. Same major required; a plugin
 *     built for a newer minor than the host is refused.
 *  2. Types: fixed-width integers, double, const char* (UTF-8), pointer +
 *     count arrays. No bool, no enums in signatures, no C++ types.
 *  3. Ownership: inputs are borrowed for the duration of the call (copy what
 *     you keep). What a plugin creates, the plugin destroys (destroy()).
 *     Output arrays are allocated by the host and filled by the plugin.
 *  4. Errors: functions return seam_status; on failure they write a message
 *     into the caller's error buffer (always NUL-terminated) and leave
 *     outputs untouched. No exception may escape a plugin function.
 *  5. Logging: through host->log only (plugins never link the host's logger).
 *  6. Threads: the host calls one instance from one thread at a time unless
 *     a kind's header says otherwise.
 */
#ifndef SEAM_PLUGIN_H_
#define SEAM_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEAM_PLUGIN_ABI_MAJOR 1
#define SEAM_PLUGIN_ABI_MINOR 0

typedef int32_t seam_status;
#define SEAM_STATUS_OK 0
#define SEAM_STATUS_INVALID_ARGUMENT 1
#define SEAM_STATUS_UNSUPPORTED 3
#define SEAM_STATUS_OUT_OF_MEMORY 4
#define SEAM_STATUS_VERSION_MISMATCH 5
#define SEAM_STATUS_INTERNAL 6
#define SEAM_STATUS_IO 7
#define SEAM_STATUS_TIMEOUT 8
#define SEAM_STATUS_UNAVAILABLE 11 /* e.g. a monitor has no reading yet */

#define SEAM_PLUGIN_KIND_POLICY 1
#define SEAM_PLUGIN_KIND_MONITOR 2
#define SEAM_PLUGIN_KIND_TRANSPORT 3

#define SEAM_LOG_INFO 0
#define SEAM_LOG_WARNING 1
#define SEAM_LOG_ERROR 2

/* True when a struct filled by someone else carries `field`. */
#define SEAM_HAS_FIELD(type, ptr, field) \
  ((ptr) != NULL && offsetof(type, field) + sizeof(((type*)0)->field) <= (ptr)->struct_size)

/* A configuration entry, "key=value" from the command line or a file. */
typedef struct seam_kv {
  const char* key;
  const char* value;
} seam_kv;

typedef struct seam_host_api {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  void* host_ctx;
  /* Log a line through the host's logger. */
  void (*log)(void* host_ctx, int32_t severity, const char* message);
  /* Monotonic time in seconds. */
  double (*now_seconds)(void* host_ctx);
  /* Round trip of a probe of `payload_bytes` over the host's link to the
   * server (used by active bandwidth monitors). May be NULL when the host
   * has no link; returns SEAM_STATUS_UNAVAILABLE then. */
  seam_status (*probe_link)(void* host_ctx, uint64_t payload_bytes, double* round_trip_seconds);
  /* Loads another transport plugin by name (used by wrapping transports such
   * as link emulation). The caller destroys the instance through the vtable.
   * May be NULL in hosts that do not offer it. */
  seam_status (*open_transport)(void* host_ctx, const char* name, const seam_kv* config,
                                uint32_t num_config, const void** out_vtable, void** out_instance,
                                char* error, size_t error_size);
} seam_host_api;

typedef struct seam_plugin_info {
  uint32_t struct_size;
  uint32_t abi_major; /* what the plugin was built against */
  uint32_t abi_minor;
  uint32_t kind;       /* SEAM_PLUGIN_KIND_* */
  const char* name;    /* "dads-light" */
  const char* version; /* the plugin's own version, "1.0.0" */
  const char* description;
  const void* vtable; /* kind-specific, starts with struct_size */
} seam_plugin_info;

#if defined(_WIN32)
#define SEAM_PLUGIN_EXPORT __declspec(dllexport)
#else
#define SEAM_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#define SEAM_PLUGIN_ENTRY_SYMBOL "seam_plugin_query"

/* The one exported symbol. `host` outlives every instance the plugin makes.
 * Returns SEAM_STATUS_VERSION_MISMATCH when it cannot serve the host's ABI. */
typedef seam_status (*seam_plugin_query_fn)(uint32_t host_abi_major, uint32_t host_abi_minor,
                                            const seam_host_api* host,
                                            const seam_plugin_info** out_info);

#ifdef __cplusplus
}
#endif

#endif /* SEAM_PLUGIN_H_ */
