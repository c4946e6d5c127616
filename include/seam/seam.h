/* seam C API: embed the runtime in a C program or firmware.
 *
 * A thin layer over the C++ API (seam/session.h, seam/model.h, seam/cut.h,
 * seam/wire.h), which stays the primary API for C++ users. Only plain C
 * types cross it: opaque handles, fixed-layout structs and seam_status codes.
 * No C++ exception leaves a seam_* function (an allocation failure comes back
 * as SEAM_OUT_OF_MEMORY).
 *
 * Typical edge use (see examples/firmware/firmware.c):
 *   seam_model_load_in_place(bytes, size, &model);        // no filesystem
 *   seam_cut_after_node(model, "pool1", &cut);
 *   seam_session_options_init(&opts);  opts.backend = "xnnpack";  opts.caller_arena = 1;
 *   seam_session_create(model, &opts, &session);
 *   seam_session_prepare_cut(session, cut);
 *   need = seam_session_arena_bytes(session);              // then bind >= need bytes
 *   seam_session_set_arena(session, arena, sizeof arena);
 *   seam_session_run_until(session, cut, &input, 1);       // edge half
 *   seam_session_encode_boundary(session, SEAM_WIRE_F32, 0, buf, cap, &len);
 *
 * Errors: every function returning seam_status also sets a message for the
 * calling thread, read with seam_last_error() (empty after a success).
 * Threads: a session is used by one thread at a time; models and cuts are
 * read-only once made and may be shared. Handles must be destroyed in
 * reverse order of creation (sessions and cuts before their model). */
#ifndef SEAM_SEAM_H_
#define SEAM_SEAM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status and errors --------------------------------------------------- */

/* Same values as seam::StatusCode. */
typedef enum seam_status {
  SEAM_OK = 0,
  SEAM_INVALID_ARGUMENT = 1, /* the caller passed something wrong (NULL, sizes, names) */
  SEAM_INVALID_MODEL = 2,    /* the model bytes are malformed or inconsistent */
  SEAM_UNSUPPORTED = 3,      /* valid, but not built in or not implemented */
  SEAM_OUT_OF_MEMORY = 4,    /* allocation failed, or a caller arena/buffer is too small */
  SEAM_VERSION_MISMATCH = 5,
  SEAM_INTERNAL = 6, /* a bug in seam */
  SEAM_IO = 7,
  SEAM_TIMEOUT = 8,
  SEAM_UNAUTHENTICATED = 9,
  SEAM_NOT_FOUND = 10, /* unknown backend, node name, ... */
  SEAM_STOPPED = 100,
  SEAM_CANCELLED = 101
} seam_status;

/* "ok", "invalid_argument", ...; "unknown" for a value not listed above. */
const char* seam_status_name(seam_status status);

/* The message of the calling thread's last seam_status-returning call: empty
 * after a success, else what went wrong. Valid until the thread's next such
 * call; long messages are truncated. Never NULL. */
const char* seam_last_error(void);

/* The library version, "MAJOR.MINOR.PATCH". */
const char* seam_version(void);

/* ---- logging ------------------------------------------------------------- */

typedef enum seam_log_severity {
  SEAM_LOG_INFO = 0,
  SEAM_LOG_WARNING = 1,
  SEAM_LOG_ERROR = 2,
  SEAM_LOG_FATAL = 3
} seam_log_severity;

/* `message` has no trailing newline and lives only during the call. The
 * callback must not call back into seam. */
typedef void (*seam_log_fn)(void* user, seam_log_severity severity, const char* file, int line,
                            const char* message);

/* Sends seam's log messages to `fn` (NULL restores the default). Without a
 * callback the firmware build (SEAM_EDGE_MINIMAL) writes warnings and errors
 * to stderr; the full build logs through glog, and its callback also receives
 * whatever else the process logs through glog. */
void seam_set_log_callback(seam_log_fn fn, void* user);

/* ---- models -------------------------------------------------------------- */

typedef struct seam_model seam_model;

/* A model used in place must start on this boundary and be followed by this
 * many readable bytes (kernels read slightly past a weight tensor's end). */
#define SEAM_MODEL_ALIGNMENT 64
#define SEAM_MODEL_TAIL_PADDING 4096
#define SEAM_MAX_RANK 6

/* Loads a .seam model from memory, copying the bytes (the caller may free
 * them afterwards). Verifies structure, version and content hash. */
seam_status seam_model_load_copy(const void* data, size_t size, seam_model** out);

/* Loads a .seam model from memory without copying it: weights are used where
 * they are (e.g. a const array in flash). `data` must be SEAM_MODEL_ALIGNMENT
 * aligned (checked), followed by SEAM_MODEL_TAIL_PADDING readable bytes (not
 * checkable: the caller's promise), and outlive the model unchanged. */
seam_status seam_model_load_in_place(const void* data, size_t size, seam_model** out);

/* NULL is allowed. */
void seam_model_destroy(seam_model* model);

/* A graph input, output or cut boundary tensor: dense NCHW fp32. `name`
 * lives as long as the model. */
typedef struct seam_tensor_info {
  const char* name;
  int rank;
  int64_t dims[SEAM_MAX_RANK];
  size_t elements; /* product of dims; the tensor holds this many floats */
} seam_tensor_info;

size_t seam_model_num_inputs(const seam_model* model);  /* 0 for NULL */
size_t seam_model_num_outputs(const seam_model* model); /* 0 for NULL */
seam_status seam_model_input_info(const seam_model* model, size_t index, seam_tensor_info* out);
seam_status seam_model_output_info(const seam_model* model, size_t index, seam_tensor_info* out);

/* ---- cuts ---------------------------------------------------------------- */

/* Where a model is split: the nodes that run on the edge. */
typedef struct seam_cut seam_cut;

/* The cut running `node_name` and all its ancestors on the edge ("up to and
 * including this layer"). SEAM_NOT_FOUND names an unknown node. */
seam_status seam_cut_after_node(const seam_model* model, const char* node_name, seam_cut** out);

/* The cut running exactly the named nodes on the edge; they must include
 * every ancestor of each (the error names one that is missing). */
seam_status seam_cut_from_nodes(const seam_model* model, const char* const* node_names,
                                size_t count, seam_cut** out);

/* NULL is allowed. */
void seam_cut_destroy(seam_cut* cut);

/* The tensors crossing from edge to server, in the order run_until returns
 * and resume_from takes them. */
size_t seam_cut_num_boundary(const seam_cut* cut); /* 0 for NULL */
seam_status seam_cut_boundary_info(const seam_cut* cut, size_t index, seam_tensor_info* out);

/* The cut's stable id, as the wire format carries it (0 for NULL). */
uint64_t seam_cut_id(const seam_cut* cut);

/* ---- sessions ------------------------------------------------------------ */

typedef struct seam_session seam_session;

typedef struct seam_session_options {
  size_t struct_size;  /* sizeof(seam_session_options); set by seam_session_options_init */
  int num_threads;     /* threads for kernels and the backend; 0 = one per CPU; default 1 */
  const char* backend; /* "ref", "xnnpack", "onednn" or "auto"; NULL = "ref" */
  /* Nonzero: the session allocates no activation arena; bind one with
   * seam_session_set_arena before running. */
  int caller_arena;
} seam_session_options;

/* Fills the defaults: 1 thread, "ref" backend, session-owned arena. */
void seam_session_options_init(seam_session_options* options);

/* Plans the whole model (and compiles backend segments). `options` may be
 * NULL for the defaults. The model must outlive the session. */
seam_status seam_session_create(const seam_model* model, const seam_session_options* options,
                                seam_session** out);

/* NULL is allowed. */
void seam_session_destroy(seam_session* session);

/* "ref", "xnnpack" or "onednn": what the session actually runs on. */
const char* seam_session_backend(const seam_session* session);

/* Makes the edge and server plans of `cut` now rather than on first use.
 * With a caller arena, do this for every cut you will run before asking for
 * seam_session_arena_bytes. With an arena already bound that is too small,
 * fails with SEAM_OUT_OF_MEMORY (and seam_session_arena_bytes grows). */
seam_status seam_session_prepare_cut(seam_session* session, const seam_cut* cut);

/* Arena bytes the plans made so far need (the whole model and every cut
 * prepared or run). 0 for NULL. */
size_t seam_session_arena_bytes(const seam_session* session);

/* Alignment a caller arena must have. */
#define SEAM_ARENA_ALIGNMENT 64

/* Binds caller memory as the arena (caller_arena sessions only). `memory`
 * must be SEAM_ARENA_ALIGNMENT aligned, hold at least
 * seam_session_arena_bytes() bytes and outlive the session; otherwise the
 * call fails and nothing changes. May be called again with a larger block. */
seam_status seam_session_set_arena(seam_session* session, void* memory, size_t bytes);

/* A tensor the caller passes in or receives: `elements` must equal the
 * model's element count for that tensor (seam_tensor_info.elements). */
typedef struct seam_input {
  const float* data;
  size_t elements;
} seam_input;
typedef struct seam_output {
  float* data;
  size_t elements;
} seam_output;

/* Runs the whole model: inputs[i] feeds model input i, outputs[i] receives
 * model output i. */
seam_status seam_session_run(seam_session* session, const seam_input* inputs, size_t num_inputs,
                             const seam_output* outputs, size_t num_outputs);

/* Runs the edge half of `cut`. Its boundary tensors stay in the session's
 * arena: read them with seam_session_boundary or encode them with
 * seam_session_encode_boundary, before the next run on this session. `cut`
 * must stay alive until then. */
seam_status seam_session_run_until(seam_session* session, const seam_cut* cut,
                                   const seam_input* inputs, size_t num_inputs);

/* Boundary tensor `index` of the last seam_session_run_until: `*data` points
 * into the arena (no copy), valid until the next run. `info` may be NULL. */
seam_status seam_session_boundary(const seam_session* session, size_t index, const float** data,
                                  seam_tensor_info* info);

/* Runs the server half of `cut` from its boundary tensors (boundary[i] holds
 * boundary tensor i of the cut) and writes the model outputs. */
seam_status seam_session_resume_from(seam_session* session, const seam_cut* cut,
                                     const seam_input* boundary, size_t num_boundary,
                                     const seam_output* outputs, size_t num_outputs);

/* ---- wire format ---------------------------------------------------------- */

typedef enum seam_wire_encoding {
  SEAM_WIRE_F32 = 0, /* exact */
  SEAM_WIRE_F16 = 1,
  SEAM_WIRE_INT8 = 2 /* per-tensor scale and zero point */
} seam_wire_encoding;

/* Encodes the last seam_session_run_until's boundary as one contiguous wire
 * message (the .seamt layout `seam run --boundary-in` reads). `*size` always
 * receives the message's length. With out == NULL and capacity == 0 this is
 * a size query (SEAM_OK); a smaller `capacity` gives SEAM_OUT_OF_MEMORY. */
seam_status seam_session_encode_boundary(seam_session* session, seam_wire_encoding encoding,
                                         uint64_t frame_id, uint8_t* out, size_t capacity,
                                         size_t* size);

/* The server side: verifies a wire message (checksums, model hash, cut,
 * shapes), finds its cut and runs the rest of the model into `outputs`. */
seam_status seam_session_resume_from_wire(seam_session* session, const uint8_t* message,
                                          size_t size, const seam_output* outputs,
                                          size_t num_outputs);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SEAM_SEAM_H_ */
