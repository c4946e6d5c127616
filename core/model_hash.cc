// ComputeContentHash and ContentHashHex: a model's content hash over its
// serialized bytes. Apart from the writer (SerializeModel), because loading
// needs it and firmware builds leave the writer out.
#include <string>

#include "core/content_hash.h"
#include "seam/model.h"
#include "seam_generated.h"

namespace seam {

Status ComputeContentHash(const uint8_t* data, size_t size, ContentHash* out) {
  if (data == nullptr || size < 16 || size > kMaxModelBytes) {
    return InvalidModel("not a .seam model: size " + std::to_string(size) + " bytes");
  }
  // The loader's Verifier limits (model_loader.cc), so a model with up to
  // kMaxModelTensors tensors and kMaxModelNodes nodes gets past this check
  // and is refused by the loader's count limits with a clear message.
  flatbuffers::Verifier verifier(data, size, /*max_depth=*/64, /*max_tables=*/10'000'000);
  if (!fb::ModelBufferHasIdentifier(data) || !fb::VerifyModelBuffer(verifier)) {
    return InvalidModel("not a verifiable .seam model");
  }
  const auto* stored = fb::GetModel(data)->content_hash();
  if (stored == nullptr || stored->size() != 16) {
    return InvalidModel("model has no 16-byte content hash");
  }
  const size_t offset = static_cast<size_t>(stored->data() - data);
  ContentHasher hasher;
  hasher.Update(data, offset);
  hasher.UpdateZeros(16);
  hasher.Update(data + offset + 16, size - offset - 16);
  *out = hasher.Finish();
  return Status::Ok();
}

std::string ContentHashHex(const ContentHash& hash) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (uint8_t byte : hash) {
    s += kHex[byte >> 4];
    s += kHex[byte & 15];
  }
  return s;
}

}  // namespace seam
