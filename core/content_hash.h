// A fast, streaming 128-bit non-cryptographic hash used as a model's content
// hash (model identity between edge and server, and corruption detection).
// It is not a MAC: authenticity comes from the transport's authentication.
#pragma once

#include <cstddef>
#include <cstdint>

#include "seam/model.h"

namespace seam {

class ContentHasher {
 public:
  ContentHasher();
  void Update(const uint8_t* data, size_t size);
  void UpdateZeros(size_t size);
  ContentHash Finish() const;

 private:
  void Block(const uint8_t* block);  // consumes 32 bytes

  uint64_t lanes_[4];
  uint64_t total_ = 0;
  uint8_t tail_[32];
  size_t tail_size_ = 0;
};

}  // namespace seam
