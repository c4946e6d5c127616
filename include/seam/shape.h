// Shape and DataType: the fixed-capacity tensor shape used everywhere in seam.
//
// Shapes live inline (no heap) so the executor can pass them around during
// inference without allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace seam {

enum class DataType : int32_t { kF32 = 0, kF16 = 1, kI8 = 2 };

const char* DataTypeName(DataType type);
size_t DataTypeSize(DataType type);

constexpr int kMaxRank = 6;

struct Shape {
  int rank = 0;
  int64_t dims[kMaxRank] = {};

  Shape() = default;
  Shape(std::initializer_list<int64_t> list);

  int64_t operator[](int i) const { return dims[i]; }
  int64_t& operator[](int i) { return dims[i]; }
  // Product of all dimensions (1 for a scalar). Saturates at INT64_MAX on overflow.
  int64_t NumElements() const;
  bool operator==(const Shape& other) const;
  bool operator!=(const Shape& other) const { return !(*this == other); }
  // "[1,3,224,224]"
  std::string ToString() const;
};

}  // namespace seam
