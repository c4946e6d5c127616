// ContentHasher: four independent multiply-rotate lanes over 32-byte blocks
// (fast on large weight buffers), then a full avalanche of the lanes, the
// tail and the length into two 64-bit words.
#include "core/content_hash.h"

#include <cstring>

namespace seam {
namespace {

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ULL;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);  // little-endian hosts only: seam targets x86-64 and arm64
  return v;
}

inline uint64_t Mix(uint64_t lane, uint64_t word) {
  lane += word * kPrime2;
  return Rotl(lane, 31) * kPrime1;
}

inline uint64_t Avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  h ^= h >> 32;
  return h;
}

}  // namespace

ContentHasher::ContentHasher() : lanes_{kPrime1 + kPrime2, kPrime2, 0, 0 - kPrime1}, tail_{} {}

void ContentHasher::Block(const uint8_t* block) {
  for (int i = 0; i < 4; ++i) lanes_[i] = Mix(lanes_[i], Load64(block + 8 * i));
}

void ContentHasher::Update(const uint8_t* data, size_t size) {
  total_ += size;
  if (tail_size_ > 0) {
    const size_t take = size < 32 - tail_size_ ? size : 32 - tail_size_;
    std::memcpy(tail_ + tail_size_, data, take);
    tail_size_ += take;
    data += take;
    size -= take;
    if (tail_size_ < 32) return;
    Block(tail_);
    tail_size_ = 0;
  }
  while (size >= 32) {
    Block(data);
    data += 32;
    size -= 32;
  }
  std::memcpy(tail_, data, size);
  tail_size_ = size;
}

void ContentHasher::UpdateZeros(size_t size) {
  static const uint8_t kZeros[64] = {};
  while (size > 0) {
    const size_t n = size < sizeof(kZeros) ? size : sizeof(kZeros);
    Update(kZeros, n);
    size -= n;
  }
}

ContentHash ContentHasher::Finish() const {
  uint64_t h = Rotl(lanes_[0], 1) + Rotl(lanes_[1], 7) + Rotl(lanes_[2], 12) + Rotl(lanes_[3], 18);
  for (int i = 0; i < 4; ++i) h = (h ^ Mix(0, lanes_[i])) * kPrime1 + kPrime3;
  h += total_;
  size_t i = 0;
  for (; i + 8 <= tail_size_; i += 8)
    h = Rotl(h ^ Mix(0, Load64(tail_ + i)), 27) * kPrime1 + kPrime3;
  for (; i < tail_size_; ++i) h = Rotl(h ^ (tail_[i] * kPrime3), 11) * kPrime1;
  const uint64_t lo = Avalanche(h);
  const uint64_t hi = Avalanche(h ^ Rotl(lo, 29) ^ kPrime2);
  ContentHash out;
  std::memcpy(out.data(), &lo, 8);
  std::memcpy(out.data() + 8, &hi, 8);
  return out;
}

}  // namespace seam
