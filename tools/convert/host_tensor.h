// HostTensor: a tensor whose value the converter knows at conversion time
// (initializers, Constant nodes, and everything folded from them, including
// the int64 shape arithmetic torch emits). seam itself only runs fp32, so the
// converter carries two element kinds: float (float, double, float16,
// bfloat16) and integer (every int/uint type and bool, held as int64).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "seam/shape.h"
#include "seam/status.h"

namespace onnx {
class TensorProto;
}

namespace seam::onnx_import {

// ONNX TensorProto.DataType values the converter names.
enum OnnxType : int32_t {
  kOnnxUndefined = 0,
  kOnnxFloat = 1,
  kOnnxUint8 = 2,
  kOnnxInt8 = 3,
  kOnnxUint16 = 4,
  kOnnxInt16 = 5,
  kOnnxInt32 = 6,
  kOnnxInt64 = 7,
  kOnnxString = 8,
  kOnnxBool = 9,
  kOnnxFloat16 = 10,
  kOnnxDouble = 11,
  kOnnxUint32 = 12,
  kOnnxUint64 = 13,
  kOnnxBfloat16 = 16,
};
const char* OnnxTypeName(int32_t type);
bool IsFloatType(int32_t type);
bool IsIntegerType(int32_t type);  // ints, uints and bool

struct HostTensor {
  int32_t type = kOnnxFloat;  // the ONNX element type it stands for
  std::vector<int64_t> dims;
  std::vector<float> f;    // when IsFloatType(type)
  std::vector<int64_t> i;  // otherwise

  bool is_float() const { return IsFloatType(type); }
  int64_t NumElements() const;
  int rank() const { return static_cast<int>(dims.size()); }
  // Element k as a double / int64, whichever kind it holds.
  double GetDouble(int64_t k) const;
  int64_t GetInt(int64_t k) const;
  // "[1,3,224,224] float"
  std::string Describe() const;
};

// Every dimension >= 0 and the product of the dimensions, zeros counted as 1,
// at most `limit`, so no element count or stride computed from `dims`
// overflows. Errors name `what`.
Status CheckHostDims(const std::vector<int64_t>& dims, int64_t limit, const std::string& what);
// A double as an int64, defined for every input (ONNX leaves out-of-range
// casts unspecified; a C++ cast would be undefined): NaN is 0, the rest
// saturates at the int64 range.
int64_t SaturatingToInt64(double v);

HostTensor MakeFloatTensor(std::vector<int64_t> dims, std::vector<float> values);
HostTensor MakeIntTensor(std::vector<int64_t> dims, std::vector<int64_t> values,
                         int32_t type = kOnnxInt64);

// Where external data files are looked up. `base_dir` empty: none allowed.
struct ExternalDataContext {
  std::string base_dir;
};

// Decodes an ONNX TensorProto (raw_data, typed fields or external data) into
// `out`. `what` names the tensor in errors ("initializer 'conv1.weight'").
Status DecodeTensorProto(const onnx::TensorProto& proto, const ExternalDataContext& ext,
                         const std::string& what, HostTensor* out);

// Resolves an external-data location against `base_dir`, refusing absolute
// paths and anything (including via symlinks) that leaves the directory.
Status ResolveExternalPath(const std::string& base_dir, const std::string& location,
                           const std::string& what, std::string* path);

// A seam Shape from dims (rank 1..kMaxRank, every dim > 0), or an error.
Status ToSeamShape(const std::vector<int64_t>& dims, const std::string& what, Shape* out);
std::vector<int64_t> ToDims(const Shape& shape);
std::string DimsToString(const std::vector<int64_t>& dims);

}  // namespace seam::onnx_import
