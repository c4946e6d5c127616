// Tensor files: .f32 and .npy reading, validation and atomic writing.
#include "tools/tensor_io.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>

#include "seam/model.h"

namespace seam::cli {
namespace {

constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr size_t kNpyMagicSize = 6;
constexpr size_t kNpyAlign = 64;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Copies little-endian float32 bytes into host floats.
void LittleEndianToFloats(const uint8_t* src, size_t count, float* dst) {
  std::memcpy(dst, src, count * sizeof(float));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  for (size_t i = 0; i < count; ++i) {
    uint32_t v;
    std::memcpy(&v, dst + i, 4);
    v = __builtin_bswap32(v);
    std::memcpy(dst + i, &v, 4);
  }
#endif
}

void FloatsToLittleEndian(const float* src, size_t count, uint8_t* dst) {
  std::memcpy(dst, src, count * sizeof(float));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  for (size_t i = 0; i < count; ++i) {
    uint32_t v;
    std::memcpy(&v, dst + 4 * i, 4);
    v = __builtin_bswap32(v);
    std::memcpy(dst + 4 * i, &v, 4);
  }
#endif
}

Status ReadWholeFile(const std::string& path, std::vector<uint8_t>* bytes) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return IoError("cannot open '" + path + "': " + std::strerror(errno));
  bytes->clear();
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) bytes->insert(bytes->end(), buf, buf + n);
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) return IoError("cannot read '" + path + "': " + std::strerror(err));
  return Status::Ok();
}

std::string NpyShapeTuple(const Shape& shape) {
  std::string s = "(";
  for (int i = 0; i < shape.rank; ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape.dims[i]);
  }
  if (shape.rank == 1) s += ",";
  return s + ")";
}

// Parser for the Python dict literal in an .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }
class NpyHeaderParser {
 public:
  NpyHeaderParser(std::string_view text, std::string what) : s_(text), what_(std::move(what)) {}

  Status Parse(std::string* descr, bool* fortran_order, Shape* shape) {
    bool have_descr = false, have_order = false, have_shape = false;
    SkipSpace();
    if (!Consume('{')) return Error("header does not start with '{'");
    while (true) {
      SkipSpace();
      if (Consume('}')) break;
      std::string key;
      SEAM_RETURN_IF_ERROR(ParseString(&key));
      SkipSpace();
      if (!Consume(':')) return Error("expected ':' after key '" + key + "'");
      SkipSpace();
      if (key == "descr") {
        SEAM_RETURN_IF_ERROR(ParseString(descr));
        have_descr = true;
      } else if (key == "fortran_order") {
        if (ConsumeWord("True")) {
          *fortran_order = true;
        } else if (ConsumeWord("False")) {
          *fortran_order = false;
        } else {
          return Error("fortran_order must be True or False");
        }
        have_order = true;
      } else if (key == "shape") {
        SEAM_RETURN_IF_ERROR(ParseShape(shape));
        have_shape = true;
      } else {
        return Error("unexpected header key '" + key + "'");
      }
      SkipSpace();
      if (Consume(',')) continue;
      SkipSpace();
      if (Consume('}')) break;
      return Error("expected ',' or '}' after the value of '" + key + "'");
    }
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the header dict");
    if (!have_descr) return Error("header has no 'descr'");
    if (!have_order) return Error("header has no 'fortran_order'");
    if (!have_shape) return Error("header has no 'shape'");
    return Status::Ok();
  }

 private:
  Status Error(const std::string& message) const {
    return InvalidArgument(what_ + ": malformed .npy header: " + message);
  }
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool ConsumeWord(std::string_view word) {
    if (s_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }
  Status ParseString(std::string* out) {
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) {
      return Error("expected a quoted string");
    }
    const char quote = s_[pos_++];
    const size_t end = s_.find(quote, pos_);
    if (end == std::string_view::npos) return Error("unterminated string");
    *out = std::string(s_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return Status::Ok();
  }
  Status ParseShape(Shape* shape) {
    if (!Consume('(')) return Error("shape must be a tuple");
    *shape = Shape();
    while (true) {
      SkipSpace();
      if (Consume(')')) return Status::Ok();
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') {
        return Error("shape entries must be non-negative integers");
      }
      int64_t v = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        if (v > (INT64_MAX - 9) / 10) return Error("shape entry is too large");
        v = v * 10 + (s_[pos_++] - '0');
      }
      // Python 2 era files may write "3L".
      Consume('L');
      if (shape->rank >= kMaxRank) {
        return Error("rank exceeds seam's maximum of " + std::to_string(kMaxRank));
      }
      shape->dims[shape->rank++] = v;
      SkipSpace();
      if (Consume(',')) continue;
      SkipSpace();
      if (Consume(')')) return Status::Ok();
      return Error("expected ',' or ')' in shape");
    }
  }

  std::string_view s_;
  std::string what_;
  size_t pos_ = 0;
};

std::string DescribeDtype(const std::string& descr) {
  if (descr.size() >= 2) {
    const char order = descr[0];
    const std::string kind = descr.substr(1);
    if (kind == "f4" && order == '>') return "big-endian float32";
    if (kind == "f8") return "float64";
    if (kind == "f2") return "float16";
    if (kind == "i1" || kind == "i2" || kind == "i4" || kind == "i8") {
      return "int" + std::to_string(8 * (kind[1] - '0'));
    }
    if (kind == "u1" || kind == "u2" || kind == "u4" || kind == "u8") {
      return "uint" + std::to_string(8 * (kind[1] - '0'));
    }
    if (kind == "b1") return "bool";
  }
  return "unsupported";
}

}  // namespace

Status TensorFormatFromPath(const std::string& path, TensorFileFormat* format) {
  if (EndsWith(path, ".f32")) {
    *format = TensorFileFormat::kF32;
  } else if (EndsWith(path, ".npy")) {
    *format = TensorFileFormat::kNpy;
  } else {
    return InvalidArgument("'" + path +
                           "': unknown tensor file type; use a .npy (NumPy float32) or .f32 "
                           "(raw little-endian float32) file name");
  }
  return Status::Ok();
}

Status ParseNpy(const uint8_t* data, size_t size, const std::string& what, Shape* shape,
                std::vector<float>* values) {
  if (size < kNpyMagicSize + 2 || std::memcmp(data, kNpyMagic, kNpyMagicSize) != 0) {
    return InvalidArgument(what + ": not a .npy file (missing the \\x93NUMPY magic)");
  }
  const int major = data[6];
  const int minor = data[7];
  size_t header_len = 0;
  size_t header_start = 0;
  if (major == 1) {
    if (size < 10) return InvalidArgument(what + ": truncated .npy header");
    header_len = size_t{data[8]} | size_t{data[9]} << 8;
    header_start = 10;
  } else if (major == 2) {
    if (size < 12) return InvalidArgument(what + ": truncated .npy header");
    header_len =
        size_t{data[8]} | size_t{data[9]} << 8 | size_t{data[10]} << 16 | size_t{data[11]} << 24;
    header_start = 12;
  } else {
    return InvalidArgument(what + ": unsupported .npy format version " + std::to_string(major) +
                           "." + std::to_string(minor) + " (only 1.x and 2.x)");
  }
  if (header_len > size - header_start) {
    return InvalidArgument(what + ": truncated .npy header (needs " + std::to_string(header_len) +
                           " bytes, file has " + std::to_string(size - header_start) + ")");
  }
  const std::string_view header(reinterpret_cast<const char*>(data) + header_start, header_len);
  std::string descr;
  bool fortran_order = false;
  Shape parsed;
  SEAM_RETURN_IF_ERROR(NpyHeaderParser(header, what).Parse(&descr, &fortran_order, &parsed));
  if (descr != "<f4") {
    return InvalidArgument(what + ": dtype '" + descr + "' (" + DescribeDtype(descr) +
                           ") is not supported; seam reads only little-endian float32 ('<f4'), "
                           "e.g. numpy.save(path, array.astype('<f4'))");
  }
  if (fortran_order) {
    return InvalidArgument(what +
                           ": Fortran-order arrays are not supported; save a C-order array "
                           "(numpy.ascontiguousarray)");
  }
  const int64_t count = parsed.NumElements();
  const size_t data_start = header_start + header_len;
  const size_t available = size - data_start;
  if (count < 0 || static_cast<uint64_t>(count) > available / sizeof(float)) {
    return InvalidArgument(what + ": truncated: shape " + parsed.ToString() + " needs " +
                           std::to_string(count) + " float32 values (" +
                           std::to_string(static_cast<uint64_t>(count) * 4) + " bytes) but only " +
                           std::to_string(available) + " bytes of data follow the header");
  }
  const size_t needed = static_cast<size_t>(count) * sizeof(float);
  if (available != needed) {
    return InvalidArgument(what + ": " + std::to_string(available - needed) +
                           " unexpected bytes after the data of shape " + parsed.ToString());
  }
  values->resize(static_cast<size_t>(count));
  LittleEndianToFloats(data + data_start, values->size(), values->data());
  *shape = parsed;
  return Status::Ok();
}

std::vector<uint8_t> EncodeNpy(const Shape& shape, const float* values) {
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + NpyShapeTuple(shape) + ", }";
  // Version 1 stores the header length in 2 bytes; fall back to version 2.
  const bool v2 = header.size() + 1 + 10 + kNpyAlign > 65535;
  const size_t prefix = v2 ? 12 : 10;
  const size_t total = prefix + header.size() + 1;
  header.append((kNpyAlign - total % kNpyAlign) % kNpyAlign, ' ');
  header += '\n';
  const size_t count = static_cast<size_t>(shape.NumElements());
  std::vector<uint8_t> out(prefix + header.size() + count * sizeof(float));
  std::memcpy(out.data(), kNpyMagic, kNpyMagicSize);
  out[6] = v2 ? 2 : 1;
  out[7] = 0;
  const size_t len = header.size();
  out[8] = static_cast<uint8_t>(len & 0xFF);
  out[9] = static_cast<uint8_t>((len >> 8) & 0xFF);
  if (v2) {
    out[10] = static_cast<uint8_t>((len >> 16) & 0xFF);
    out[11] = static_cast<uint8_t>((len >> 24) & 0xFF);
  }
  std::memcpy(out.data() + prefix, header.data(), header.size());
  FloatsToLittleEndian(values, count, out.data() + prefix + header.size());
  return out;
}

Status ReadTensorFile(const std::string& path, const Shape& expected,
                      const std::string& tensor_name, std::vector<float>* values) {
  TensorFileFormat format;
  SEAM_RETURN_IF_ERROR(TensorFormatFromPath(path, &format));
  std::vector<uint8_t> bytes;
  SEAM_RETURN_IF_ERROR(ReadWholeFile(path, &bytes));
  const std::string what = "'" + path + "'";
  const int64_t count = expected.NumElements();
  if (format == TensorFileFormat::kF32) {
    const uint64_t needed = static_cast<uint64_t>(count) * sizeof(float);
    if (bytes.size() != needed) {
      return InvalidArgument(what + " has " + std::to_string(bytes.size()) + " bytes but input '" +
                             tensor_name + "' " + expected.ToString() + " needs " +
                             std::to_string(needed) + " bytes (" + std::to_string(count) +
                             " float32 values)");
    }
    values->resize(static_cast<size_t>(count));
    LittleEndianToFloats(bytes.data(), values->size(), values->data());
    return Status::Ok();
  }
  Shape shape;
  SEAM_RETURN_IF_ERROR(ParseNpy(bytes.data(), bytes.size(), what, &shape, values));
  if (shape != expected) {
    return InvalidArgument(what + " has shape " + shape.ToString() + " but input '" + tensor_name +
                           "' expects " + expected.ToString());
  }
  return Status::Ok();
}

Status WriteTensorFile(const std::string& path, const Shape& shape, const float* values) {
  TensorFileFormat format;
  SEAM_RETURN_IF_ERROR(TensorFormatFromPath(path, &format));
  std::vector<uint8_t> bytes;
  if (format == TensorFileFormat::kNpy) {
    bytes = EncodeNpy(shape, values);
  } else {
    const size_t count = static_cast<size_t>(shape.NumElements());
    bytes.resize(count * sizeof(float));
    FloatsToLittleEndian(values, count, bytes.data());
  }
  return WriteFileAtomically(path, bytes.data(), bytes.size());
}

}  // namespace seam::cli
