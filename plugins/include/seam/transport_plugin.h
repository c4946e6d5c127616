/* seam transport plugins: carry multipart messages (a wire header frame
 * plus one frame per tensor, see include/seam/wire.h) between edge clients
 * and a server.
 *
 * Client role: connect() once, then request() sends one message and waits
 * for its reply (the edge runs requests on a sender thread, so compute of
 * the next frame overlaps the transfer and server work of this one).
 * Server role: bind() once, then every worker thread opens its own worker
 * (one socket per thread) and loops receive() -> reply().
 *
 * Frames handed to the host (replies, requests) stay valid until the
 * matching release call or the next call on the same client or worker; their
 * data is 16-byte aligned. Threads: a client is used by one thread at a time;
 * each worker by its own thread; bind/open_worker/close from the owner.
 */
#ifndef SEAM_TRANSPORT_PLUGIN_H_
#define SEAM_TRANSPORT_PLUGIN_H_

#include "seam/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct seam_frame {
  const uint8_t* data;
  uint64_t size;
} seam_frame;

typedef struct seam_received {
  uint32_t struct_size;
  uint32_t num_frames;
  const seam_frame* frames; /* owned by the transport */
  uint64_t token;           /* server: identifies the requester for reply() */
  char peer[64];            /* server: authenticated peer id (e.g. CURVE key, Z85), or "" */
} seam_received;

typedef struct seam_transport_vtable {
  uint32_t struct_size;
  seam_status (*create)(const seam_host_api* host, const seam_kv* config, uint32_t num_config,
                        void** out_instance, char* error, size_t error_size);
  void (*destroy)(void* instance);

  /* --- client ------------------------------------------------------------ */
  seam_status (*connect)(void* instance, const char* endpoint, char* error, size_t error_size);
  /* Sends `frames` and waits up to timeout_ms for the reply. SEAM_STATUS_TIMEOUT
   * on timeout (the client reconnects itself before the next request). */
  seam_status (*request)(void* instance, const seam_frame* frames, uint32_t num_frames,
                         uint32_t timeout_ms, seam_received* reply, char* error, size_t error_size);
  void (*release_reply)(void* instance, seam_received* reply);

  /* --- server ------------------------------------------------------------ */
  seam_status (*bind)(void* instance, const char* endpoint, char* error, size_t error_size);
  /* A per-thread worker endpoint. */
  seam_status (*open_worker)(void* instance, void** out_worker, char* error, size_t error_size);
  void (*close_worker)(void* instance, void* worker);
  /* Waits up to timeout_ms for a request: SEAM_STATUS_TIMEOUT when none came. */
  seam_status (*receive)(void* worker, uint32_t timeout_ms, seam_received* request, char* error,
                         size_t error_size);
  seam_status (*reply)(void* worker, uint64_t token, const seam_frame* frames, uint32_t num_frames,
                       char* error, size_t error_size);
  void (*release_request)(void* worker, seam_received* request);
} seam_transport_vtable;

#ifdef __cplusplus
}
#endif

#endif /* SEAM_TRANSPORT_PLUGIN_H_ */
