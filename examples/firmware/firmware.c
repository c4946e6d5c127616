/* The firmware example: a plain C11 program that embeds seam the way a device
 * would. The model is a byte array compiled into the program (no filesystem),
 * activations live in a static arena (no heap for them), and the program runs
 * the model's edge half up to a cut and writes the boundary tensors, in seam's
 * wire format, to OUT (standing in for the radio; `seam run --resume-from
 * pool1 --boundary-in OUT` finishes the job on a server).
 *
 *   firmware OUT [BACKEND [THREADS]]      BACKEND: ref, xnnpack, ... (default xnnpack)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware_example.h"
#include "seam/seam.h"

/* Generated at build time by embed_model (see CMakeLists.txt). */
extern const unsigned char seam_firmware_model[];
extern const size_t seam_firmware_model_size;

/* The activation arena and the frame buffers: static, sized for this model.
 * The program checks the arena against what seam says it needs. */
#define ARENA_BYTES (256u * 1024u)
static _Alignas(SEAM_ARENA_ALIGNMENT) unsigned char arena[ARENA_BYTES];
#define MAX_INPUT_FLOATS 4096u
static float input[MAX_INPUT_FLOATS];
#define MAX_MESSAGE_BYTES (64u * 1024u)
static unsigned char message[MAX_MESSAGE_BYTES];

static void log_line(void* user, seam_log_severity severity, const char* file, int line,
                     const char* text) {
  static const char* const kNames[] = {"info", "warning", "error", "fatal"};
  (void)user;
  fprintf(stderr, "[seam %s] %s:%d: %s\n", kNames[severity & 3], file, line, text);
}

/* Prints the failed call and seam's message; returns nonzero on failure. */
static int failed(seam_status status, const char* what) {
  if (status == SEAM_OK) return 0;
  fprintf(stderr, "firmware: %s failed: %s (%s)\n", what, seam_last_error(),
          seam_status_name(status));
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    fprintf(stderr, "usage: firmware OUT [BACKEND [THREADS]]\n");
    return 2;
  }
  const char* out_path = argv[1];
  const char* backend = argc > 2 ? argv[2] : "xnnpack";
  const int threads = argc > 3 ? atoi(argv[3]) : 1;
  seam_set_log_callback(log_line, NULL);

  seam_model* model = NULL;
  seam_cut* cut = NULL;
  seam_session* session = NULL;
  int rc = 1;

  if (failed(seam_model_load_in_place(seam_firmware_model, seam_firmware_model_size, &model),
             "loading the model")) {
    goto done;
  }
  if (failed(seam_cut_after_node(model, SEAM_FIRMWARE_CUT_NODE, &cut), "making the cut")) goto done;

  seam_session_options options;
  seam_session_options_init(&options);
  options.backend = backend;
  options.num_threads = threads;
  options.caller_arena = 1;
  if (failed(seam_session_create(model, &options, &session), "creating the session")) goto done;
  /* Plan the cut before sizing the arena: its edge plan may need more. */
  if (failed(seam_session_prepare_cut(session, cut), "preparing the cut")) goto done;
  const size_t needed = seam_session_arena_bytes(session);
  if (needed > sizeof arena) {
    fprintf(stderr, "firmware: the model needs %zu arena bytes, the static arena has %zu\n", needed,
            sizeof arena);
    goto done;
  }
  if (failed(seam_session_set_arena(session, arena, sizeof arena), "binding the arena")) goto done;

  seam_tensor_info info;
  if (failed(seam_model_input_info(model, 0, &info), "reading the input shape")) goto done;
  if (info.elements > MAX_INPUT_FLOATS) {
    fprintf(stderr, "firmware: input '%s' has %zu floats, the buffer %u\n", info.name,
            info.elements, MAX_INPUT_FLOATS);
    goto done;
  }
  for (size_t i = 0; i < info.elements; ++i) input[i] = seam_firmware_input(i);
  const seam_input in = {input, info.elements};
  if (failed(seam_session_run_until(session, cut, &in, 1), "running to the cut")) goto done;

  size_t message_bytes = 0;
  if (failed(seam_session_encode_boundary(session, SEAM_WIRE_F32, 1, message, sizeof message,
                                          &message_bytes),
             "encoding the boundary")) {
    goto done;
  }
  FILE* out = fopen(out_path, "wb");
  if (out == NULL || fwrite(message, 1, message_bytes, out) != message_bytes || fclose(out) != 0) {
    fprintf(stderr, "firmware: cannot write %s\n", out_path);
    goto done;
  }

  printf("firmware: backend %s, %d thread(s), arena %zu of %zu bytes, cut after '%s': ",
         seam_session_backend(session), threads, needed, sizeof arena, SEAM_FIRMWARE_CUT_NODE);
  for (size_t b = 0; b < seam_cut_num_boundary(cut); ++b) {
    seam_tensor_info binfo;
    if (failed(seam_cut_boundary_info(cut, b, &binfo), "reading the boundary")) goto done;
    printf("%s'%s' (%zu floats)", b > 0 ? ", " : "", binfo.name, binfo.elements);
  }
  printf(" -> %zu wire bytes in %s\n", message_bytes, out_path);
  rc = 0;

done:
  seam_session_destroy(session);
  seam_cut_destroy(cut);
  seam_model_destroy(model);
  return rc;
}
