// Tensor files for the CLI: raw little-endian float32 (.f32) and NumPy (.npy).
//
// A .f32 file is just the values in C order; its shape comes from the model.
// A .npy file carries its shape, which must equal the model's: only format
// versions 1 and 2, dtype '<f4' and C order are accepted. Fortran order,
// other dtypes, truncated files and shape mismatches are rejected with a
// message naming the file and the problem. Writes go through
// seam::WriteFileAtomically, so a failed write leaves no partial file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "seam/shape.h"
#include "seam/status.h"

namespace seam::cli {

enum class TensorFileFormat { kF32, kNpy };

// Picks the format from the extension (".f32" or ".npy", case-sensitive).
Status TensorFormatFromPath(const std::string& path, TensorFileFormat* format);

// Parses .npy bytes. `what` names the source in error messages.
Status ParseNpy(const uint8_t* data, size_t size, const std::string& what, Shape* shape,
                std::vector<float>* values);
// Encodes a float32 tensor as .npy (version 1, or 2 when the header needs it).
std::vector<uint8_t> EncodeNpy(const Shape& shape, const float* values);

// Reads a tensor file and checks it against `expected` (the model input's
// shape). `tensor_name` is used in messages.
Status ReadTensorFile(const std::string& path, const Shape& expected,
                      const std::string& tensor_name, std::vector<float>* values);
// Writes `values` (expected.NumElements() floats) in the format of `path`.
Status WriteTensorFile(const std::string& path, const Shape& shape, const float* values);

}  // namespace seam::cli
