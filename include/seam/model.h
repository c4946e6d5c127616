// Model: a loaded, validated .seam file, and the functions that read and write one.
//
// Loading order: size and identifier check, FlatBuffers Verifier, schema
// version, content hash, then semantic validation and shape inference
// (ValidateAndInferShapes). A Model owns (or borrows) the bytes its Graph's
// weights point into.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "seam/graph.h"
#include "seam/status.h"

namespace seam {

// The schema version this build writes and reads.
constexpr uint32_t kSchemaVersion = 1;
// Files larger than this are refused before anything is read.
constexpr size_t kMaxModelBytes = size_t{4} << 30;
// Most tensors and nodes a model may have: far beyond any real network, and
// low enough that the loader's per-tensor and per-node bookkeeping stays
// bounded whatever a file claims. (Each tensor has at most kMaxRank
// dimensions, each > 0, at most 2^32 elements: include/seam/graph.h.)
constexpr size_t kMaxModelTensors = size_t{1} << 20;
constexpr size_t kMaxModelNodes = size_t{1} << 20;
// Readable bytes seam keeps after a model's last byte: vectorised kernels and
// XNNPACK may read slightly past the end of a weight tensor.
constexpr size_t kModelTailPadding = 4096;

using ContentHash = std::array<uint8_t, 16>;
std::string ContentHashHex(const ContentHash& hash);

struct LoadOptions {
  // Recompute the content hash over the whole file and reject a mismatch
  // (catches corrupted weights, which the Verifier does not look at).
  bool verify_content_hash = true;
};

class Model {
 public:
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Memory-maps the file (weights are used in place, not copied).
  static Status LoadFromFile(const std::string& path, std::unique_ptr<Model>* out,
                             const LoadOptions& options = {});
  // Uses the caller's bytes in place; they must stay alive and unchanged for
  // the Model's lifetime, be 64-byte aligned (else they are copied) and be
  // followed by kModelTailPadding readable bytes (kernels may over-read
  // weights slightly), as a file mapped by LoadFromFile is.
  static Status LoadFromBuffer(const void* data, size_t size, std::unique_ptr<Model>* out,
                               const LoadOptions& options = {});
  // Takes ownership of a copy of the bytes.
  static Status LoadFromBytes(std::vector<uint8_t> bytes, std::unique_ptr<Model>* out,
                              const LoadOptions& options = {});

  const Graph& graph() const { return graph_; }
  const ContentHash& content_hash() const { return hash_; }
  // The model bytes; kModelTailPadding readable bytes follow them.
  const uint8_t* bytes() const { return bytes_; }
  size_t file_bytes() const { return size_; }

 private:
  Model() = default;
  static Status Parse(std::unique_ptr<Model> model, const LoadOptions& options,
                      std::unique_ptr<Model>* out);

  Graph graph_;
  ContentHash hash_{};
  const uint8_t* bytes_ = nullptr;
  size_t size_ = 0;
  void* owned_ = nullptr;    // 64-byte aligned copy, when the bytes were copied
  void* mapping_ = nullptr;  // when memory-mapped
  size_t mapping_size_ = 0;
};

// Serialises a graph to .seam bytes (with content hash). The graph need not
// have activation shapes inferred; they are written as stored.
Status SerializeModel(const Graph& graph, std::vector<uint8_t>* out);

// Computes the content hash of serialized model bytes (the stored hash field
// read as zero). Fails if the bytes are not a verifiable model.
Status ComputeContentHash(const uint8_t* data, size_t size, ContentHash* out);

// Writes bytes to `path` atomically (temporary file in the same directory,
// then rename), so a failed write never leaves a half-written file.
Status WriteFileAtomically(const std::string& path, const void* data, size_t size);

}  // namespace seam
