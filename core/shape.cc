// Shape arithmetic and data type sizes.
#include "seam/shape.h"

#include <cstdint>
#include <limits>

namespace seam {

const char* DataTypeName(DataType type) {
  switch (type) {
    case DataType::kF32:
      return "f32";
    case DataType::kF16:
      return "f16";
    case DataType::kI8:
      return "i8";
  }
  return "unknown";
}

size_t DataTypeSize(DataType type) {
  switch (type) {
    case DataType::kF32:
      return 4;
    case DataType::kF16:
      return 2;
    case DataType::kI8:
      return 1;
  }
  return 0;
}

Shape::Shape(std::initializer_list<int64_t> list) {
  for (int64_t d : list) {
    if (rank == kMaxRank) break;
    dims[rank++] = d;
  }
}

int64_t Shape::NumElements() const {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] < 0) return -1;
    if (dims[i] != 0 && n > std::numeric_limits<int64_t>::max() / dims[i]) {
      return std::numeric_limits<int64_t>::max();
    }
    n *= dims[i];
  }
  return n;
}

bool Shape::operator==(const Shape& other) const {
  if (rank != other.rank) return false;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] != other.dims[i]) return false;
  }
  return true;
}

std::string Shape::ToString() const {
  std::string s = "[";
  for (int i = 0; i < rank; ++i) {
    if (i) s += ",";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

}  // namespace seam
