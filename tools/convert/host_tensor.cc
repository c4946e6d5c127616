// Decoding ONNX TensorProtos (inline or external data) into HostTensors.
#include "tools/convert/host_tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/shape_inference.h"
#include "onnx/onnx_pb.h"

namespace seam::onnx_import {

const char* OnnxTypeName(int32_t type) {
  switch (type) {
    case kOnnxFloat:
      return "float";
    case kOnnxUint8:
      return "uint8";
    case kOnnxInt8:
      return "int8";
    case kOnnxUint16:
      return "uint16";
    case kOnnxInt16:
      return "int16";
    case kOnnxInt32:
      return "int32";
    case kOnnxInt64:
      return "int64";
    case kOnnxString:
      return "string";
    case kOnnxBool:
      return "bool";
    case kOnnxFloat16:
      return "float16";
    case kOnnxDouble:
      return "double";
    case kOnnxUint32:
      return "uint32";
    case kOnnxUint64:
      return "uint64";
    case 14:
      return "complex64";
    case 15:
      return "complex128";
    case kOnnxBfloat16:
      return "bfloat16";
  }
  return "unknown";
}

bool IsFloatType(int32_t type) {
  return type == kOnnxFloat || type == kOnnxDouble || type == kOnnxFloat16 || type == kOnnxBfloat16;
}

bool IsIntegerType(int32_t type) {
  switch (type) {
    case kOnnxUint8:
    case kOnnxInt8:
    case kOnnxUint16:
    case kOnnxInt16:
    case kOnnxInt32:
    case kOnnxInt64:
    case kOnnxBool:
    case kOnnxUint32:
    case kOnnxUint64:
      return true;
  }
  return false;
}

int64_t HostTensor::NumElements() const {
  // Dims are checked (CheckHostDims) where tensors are made; saturate anyway.
  int64_t n = 1;
  for (int64_t d : dims) {
    if (__builtin_mul_overflow(n, d, &n)) return std::numeric_limits<int64_t>::max();
  }
  return n;
}

Status CheckHostDims(const std::vector<int64_t>& dims, int64_t limit, const std::string& what) {
  int64_t product = 1;
  for (int64_t d : dims) {
    if (d < 0) return InvalidModel(what + " has a negative dimension " + DimsToString(dims));
    if (d > 1 && product > limit / d) {
      return Unsupported(what + " would have shape " + DimsToString(dims) + ", more than " +
                         std::to_string(limit) + " elements");
    }
    product *= std::max<int64_t>(d, 1);
  }
  return Status::Ok();
}

int64_t SaturatingToInt64(double v) {
  if (std::isnan(v)) return 0;
  // 2^63 is exact as a double; anything at or above it does not fit.
  if (v >= 9223372036854775808.0) return std::numeric_limits<int64_t>::max();
  if (v < -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

double HostTensor::GetDouble(int64_t k) const {
  return is_float() ? static_cast<double>(f[k]) : static_cast<double>(i[k]);
}

int64_t HostTensor::GetInt(int64_t k) const { return is_float() ? SaturatingToInt64(f[k]) : i[k]; }

std::string HostTensor::Describe() const { return DimsToString(dims) + " " + OnnxTypeName(type); }

HostTensor MakeFloatTensor(std::vector<int64_t> dims, std::vector<float> values) {
  HostTensor t;
  t.type = kOnnxFloat;
  t.dims = std::move(dims);
  t.f = std::move(values);
  return t;
}

HostTensor MakeIntTensor(std::vector<int64_t> dims, std::vector<int64_t> values, int32_t type) {
  HostTensor t;
  t.type = type;
  t.dims = std::move(dims);
  t.i = std::move(values);
  return t;
}

std::string DimsToString(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t k = 0; k < dims.size(); ++k) s += (k ? "," : "") + std::to_string(dims[k]);
  return s + "]";
}

std::vector<int64_t> ToDims(const Shape& shape) {
  return std::vector<int64_t>(shape.dims, shape.dims + shape.rank);
}

Status ToSeamShape(const std::vector<int64_t>& dims, const std::string& what, Shape* out) {
  if (dims.empty() || dims.size() > static_cast<size_t>(kMaxRank)) {
    return Unsupported(what + " has shape " + DimsToString(dims) + "; seam tensors have rank 1.." +
                       std::to_string(kMaxRank));
  }
  Shape s;
  s.rank = static_cast<int>(dims.size());
  for (int k = 0; k < s.rank; ++k) {
    if (dims[k] <= 0) {
      return Unsupported(what + " has shape " + DimsToString(dims) +
                         "; seam tensors have no empty dimensions");
    }
    s.dims[k] = dims[k];
  }
  *out = s;
  return Status::Ok();
}

namespace {

// IEEE half and bfloat16 bit patterns to float.
float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1F;
  uint32_t mant = h & 0x3FF;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400) == 0);
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3FF) << 13;
    }
  } else if (exp == 0x1F) {
    bits = sign | 0x7F800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

float Bfloat16ToFloat(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

size_t ElementBytes(int32_t type) {
  switch (type) {
    case kOnnxFloat:
    case kOnnxInt32:
    case kOnnxUint32:
      return 4;
    case kOnnxDouble:
    case kOnnxInt64:
    case kOnnxUint64:
      return 8;
    case kOnnxFloat16:
    case kOnnxBfloat16:
    case kOnnxInt16:
    case kOnnxUint16:
      return 2;
    case kOnnxInt8:
    case kOnnxUint8:
    case kOnnxBool:
      return 1;
  }
  return 0;
}

template <typename T>
T ReadLe(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // ONNX raw data is little-endian, as is every host we build for
  return v;
}

// Decodes little-endian raw bytes of `n` elements into `out`.
void DecodeRaw(const uint8_t* p, int64_t n, HostTensor* out) {
  const int32_t type = out->type;
  if (out->is_float()) {
    out->f.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      switch (type) {
        case kOnnxFloat:
          out->f[k] = ReadLe<float>(p + 4 * k);
          break;
        case kOnnxDouble:
          out->f[k] = static_cast<float>(ReadLe<double>(p + 8 * k));
          break;
        case kOnnxFloat16:
          out->f[k] = HalfToFloat(ReadLe<uint16_t>(p + 2 * k));
          break;
        default:
          out->f[k] = Bfloat16ToFloat(ReadLe<uint16_t>(p + 2 * k));
          break;
      }
    }
    return;
  }
  out->i.resize(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    int64_t v = 0;
    switch (type) {
      case kOnnxInt64:
        v = ReadLe<int64_t>(p + 8 * k);
        break;
      case kOnnxUint64:
        v = static_cast<int64_t>(ReadLe<uint64_t>(p + 8 * k));
        break;
      case kOnnxInt32:
        v = ReadLe<int32_t>(p + 4 * k);
        break;
      case kOnnxUint32:
        v = ReadLe<uint32_t>(p + 4 * k);
        break;
      case kOnnxInt16:
        v = ReadLe<int16_t>(p + 2 * k);
        break;
      case kOnnxUint16:
        v = ReadLe<uint16_t>(p + 2 * k);
        break;
      case kOnnxInt8:
        v = ReadLe<int8_t>(p + k);
        break;
      case kOnnxUint8:
        v = p[k];
        break;
      case kOnnxBool:
        v = p[k] != 0;
        break;
    }
    out->i[k] = v;
  }
}

Status ReadExternal(const onnx::TensorProto& proto, const ExternalDataContext& ext,
                    const std::string& what, size_t expected, std::vector<uint8_t>* bytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : proto.external_data()) {
    try {
      if (kv.key() == "location") {
        location = kv.value();
      } else if (kv.key() == "offset") {
        offset = std::stoll(kv.value());
      } else if (kv.key() == "length") {
        length = std::stoll(kv.value());
      }
    } catch (const std::exception&) {
      return InvalidModel(what + ": external data " + kv.key() + " '" + kv.value() +
                          "' is not a number");
    }
  }
  if (location.empty()) return InvalidModel(what + ": external data has no location");
  if (ext.base_dir.empty()) {
    return InvalidArgument(what + ": weights are stored in external file '" + location +
                           "', but the model was not loaded from a file");
  }
  if (offset < 0) return InvalidModel(what + ": external data offset is negative");
  if (length >= 0 && static_cast<uint64_t>(length) != expected) {
    return InvalidModel(what + ": external data length " + std::to_string(length) +
                        " bytes, the shape needs " + std::to_string(expected));
  }
  std::string path;
  SEAM_RETURN_IF_ERROR(ResolveExternalPath(ext.base_dir, location, what, &path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(what + ": cannot open external data file '" + path + "'");
  in.seekg(0, std::ios::end);
  const int64_t file_size = static_cast<int64_t>(in.tellg());
  if (offset > file_size || file_size - offset < static_cast<int64_t>(expected)) {
    return InvalidModel(what + ": external data file '" + path + "' has " +
                        std::to_string(file_size) + " bytes, needs " + std::to_string(expected) +
                        " at offset " + std::to_string(offset));
  }
  bytes->resize(expected);
  in.seekg(offset);
  in.read(reinterpret_cast<char*>(bytes->data()), static_cast<std::streamsize>(expected));
  if (!in) return IoError(what + ": reading external data file '" + path + "' failed");
  return Status::Ok();
}

}  // namespace

Status ResolveExternalPath(const std::string& base_dir, const std::string& location,
                           const std::string& what, std::string* path) {
  namespace fs = std::filesystem;
  const fs::path loc(location);
  if (loc.is_absolute() || location.find('\0') != std::string::npos) {
    return InvalidModel(what + ": external data location '" + location +
                        "' must be a path relative to the model's directory");
  }
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(fs::path(base_dir), ec);
  if (ec) return IoError(what + ": cannot resolve the model directory '" + base_dir + "'");
  // weakly_canonical resolves symlinks of the existing part, so a link that
  // points outside is caught as well as "../" components.
  const fs::path full = fs::weakly_canonical(base / loc, ec);
  if (ec) return IoError(what + ": cannot resolve external data path '" + location + "'");
  const fs::path rel = full.lexically_relative(base);
  if (rel.empty() || *rel.begin() == ".." || rel == ".") {
    return InvalidModel(what + ": external data location '" + location +
                        "' escapes the model's directory '" + base.string() + "'");
  }
  *path = full.string();
  return Status::Ok();
}

Status DecodeTensorProto(const onnx::TensorProto& proto, const ExternalDataContext& ext,
                         const std::string& what, HostTensor* out) {
  HostTensor t;
  t.type = proto.data_type();
  if (!IsFloatType(t.type) && !IsIntegerType(t.type)) {
    return Unsupported(what + " has element type " + OnnxTypeName(t.type) +
                       "; seam converts numeric tensors only");
  }
  t.dims.assign(proto.dims().begin(), proto.dims().end());
  // Stored tensors are bounded by the file, but a zero-sized one can claim
  // any other dims: bound them like a seam tensor (2^32 elements).
  SEAM_RETURN_IF_ERROR(CheckHostDims(t.dims, kMaxTensorElements, what));
  const int64_t n = t.NumElements();
  if (proto.segment().begin() != 0 || proto.segment().end() != 0) {
    return Unsupported(what + " is a segment of a larger tensor");
  }
  const size_t esize = ElementBytes(t.type);
  const size_t expected = static_cast<size_t>(n) * esize;
  if (proto.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
    std::vector<uint8_t> bytes;
    SEAM_RETURN_IF_ERROR(ReadExternal(proto, ext, what, expected, &bytes));
    DecodeRaw(bytes.data(), n, &t);
    *out = std::move(t);
    return Status::Ok();
  }
  if (!proto.raw_data().empty()) {
    if (proto.raw_data().size() != expected) {
      return InvalidModel(what + " has " + std::to_string(proto.raw_data().size()) +
                          " bytes of data, shape " + DimsToString(t.dims) + " of " +
                          OnnxTypeName(t.type) + " needs " + std::to_string(expected));
    }
    DecodeRaw(reinterpret_cast<const uint8_t*>(proto.raw_data().data()), n, &t);
    *out = std::move(t);
    return Status::Ok();
  }
  int64_t count = 0;
  switch (t.type) {
    case kOnnxFloat:
      count = proto.float_data_size();
      t.f.assign(proto.float_data().begin(), proto.float_data().end());
      break;
    case kOnnxDouble:
      count = proto.double_data_size();
      for (double v : proto.double_data()) t.f.push_back(static_cast<float>(v));
      break;
    case kOnnxFloat16:
    case kOnnxBfloat16:
      count = proto.int32_data_size();
      for (int32_t v : proto.int32_data()) {
        const uint16_t bits = static_cast<uint16_t>(v);
        t.f.push_back(t.type == kOnnxFloat16 ? HalfToFloat(bits) : Bfloat16ToFloat(bits));
      }
      break;
    case kOnnxInt64:
      count = proto.int64_data_size();
      t.i.assign(proto.int64_data().begin(), proto.int64_data().end());
      break;
    case kOnnxUint32:
    case kOnnxUint64:
      count = proto.uint64_data_size();
      for (uint64_t v : proto.uint64_data()) t.i.push_back(static_cast<int64_t>(v));
      break;
    default:  // int32, int16, int8, uint16, uint8, bool live in int32_data
      count = proto.int32_data_size();
      for (int32_t v : proto.int32_data()) t.i.push_back(t.type == kOnnxBool ? (v != 0) : v);
      break;
  }
  if (count != n) {
    return InvalidModel(what + " has " + std::to_string(count) + " values for shape " +
                        DimsToString(t.dims) + " (" + std::to_string(n) + " elements)");
  }
  *out = std::move(t);
  return Status::Ok();
}

}  // namespace seam::onnx_import
