// Where an edge stream's frames come from: tensor files in a directory
// (sorted by name, .npy or .f32) or N synthetic frames, each different and
// reproducible from its index (so a test can recompute any frame).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "seam/shape.h"
#include "seam/status.h"

namespace seam::stream {

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  virtual int64_t size() const = 0;
  virtual Status Load(int64_t index, std::vector<float>* values) = 0;
};

// Frame k of a synthetic stream, deterministic in (k, i).
void SyntheticFrame(int64_t index, const Shape& shape, std::vector<float>* values);

std::unique_ptr<FrameSource> MakeSyntheticSource(int64_t frames, const Shape& shape);
Status MakeDirectorySource(const std::string& dir, const Shape& shape,
                           const std::string& input_name, std::unique_ptr<FrameSource>* out);

}  // namespace seam::stream
