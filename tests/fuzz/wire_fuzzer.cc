// libFuzzer target: the tensor wire format (core/wire.cc) as a server and an
// edge decode it: split a buffer into header and payloads
// (WireMessageFromBytes) or take transport frames, read and verify the header,
// rebuild the cut it names, then verify and decode every tensor.
//
// Inputs are described in tests/fuzz/wire_fuzz_input.h. Before decoding, the
// target can recompute the checksums and the cut id the mutations broke
// (flag bits), then it runs the real decoder unchanged. Properties checked:
// a refusal has a message; a decoded message has the model's tensors with the
// model's shapes, every element readable; re-encoding the decoded tensors and
// decoding that gives the same values.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "seam/cut.h"
#include "seam/wire.h"
#include "seam_wire_generated.h"
#include "tests/fuzz/fuzz_models.h"
#include "tests/fuzz/wire_fuzz_input.h"

namespace seam::fuzz {
namespace {

namespace fbw = ::seam::wire;

// Address of a scalar field in a verified table, or null when it is absent
// (then it reads as its default and cannot be patched in place).
template <typename T>
uint8_t* FieldAddress(const T* table, flatbuffers::voffset_t field) {
  auto* t = reinterpret_cast<flatbuffers::Table*>(const_cast<T*>(table));
  return t->GetAddressOf(field);
}

void Patch64(uint8_t* at, uint64_t v) {
  if (at != nullptr) std::memcpy(at, &v, 8);
}

// One received message, in memory laid out as a transport would leave it:
// every frame in its own exactly-sized allocation (so ASan sees any read past
// a frame), or one contiguous buffer.
struct Received {
  bool framed = false;
  std::vector<std::unique_ptr<uint8_t[]>> storage;
  std::vector<const uint8_t*> frames;
  std::vector<size_t> sizes;
};

bool Split(const uint8_t* data, size_t size, uint8_t flags, Received* out) {
  out->framed = (flags & kWireFramed) != 0;
  auto add = [&](const uint8_t* p, size_t n, size_t shift) {
    out->storage.emplace_back(new uint8_t[n + shift]);
    uint8_t* dst = out->storage.back().get() + shift;
    if (n > 0) std::memcpy(dst, p, n);
    out->frames.push_back(dst);
    out->sizes.push_back(n);
  };
  if (!out->framed) {
    add(data, size, 0);
    return true;
  }
  while (size > 0) {
    if (size < 4) return false;
    uint32_t n;
    std::memcpy(&n, data, 4);
    data += 4;
    size -= 4;
    if (n > size) return false;
    const bool payload = !out->frames.empty();
    add(data, n, payload && (flags & kWireMisalign) ? 1 : 0);
    data += n;
    size -= n;
  }
  return !out->frames.empty();
}

// Recomputes what a mutation cannot: the cut id and the checksums. All
// values are computed first and written afterwards: in a hostile buffer a
// patched field may overlap an offset, so nothing is read after a write.
void Repair(const Graph& g, uint8_t flags, Received* r) {
  uint8_t* head = const_cast<uint8_t*>(r->frames[0]);
  const size_t head_size = r->sizes[0];
  if (head_size < kWirePrefixBytes || std::memcmp(head, "SEAMWIRE", 8) != 0) return;
  uint32_t fb_size;
  std::memcpy(&fb_size, head + 8, 4);
  if (fb_size > head_size - kWirePrefixBytes) return;
  uint8_t* fb = head + kWirePrefixBytes;
  std::vector<std::pair<uint8_t*, uint64_t>> patches;
  flatbuffers::Verifier verifier(fb, fb_size, 16, 100000);
  if (fb_size >= 8 && fbw::MessageBufferHasIdentifier(fb) && fbw::VerifyMessageBuffer(verifier)) {
    const fbw::Message* msg = fbw::GetMessage(fb);
    if ((flags & kWireFixCutId) && msg->edge_node_ids() != nullptr) {
      Cut cut;
      bool known = true;
      for (uint32_t id : *msg->edge_node_ids()) {
        const int n = g.FindNodeById(id);
        known = known && n >= 0;
        if (n >= 0) cut.edge_nodes.push_back(n);
      }
      if (known) patches.push_back({FieldAddress(msg, fbw::Message::VT_CUT_ID), CutId(g, cut)});
    }
    const size_t count = msg->tensors() ? msg->tensors()->size() : 0;
    const size_t area = (kWirePrefixBytes + fb_size + 63) / 64 * 64;
    for (size_t i = 0; (flags & kWireFixChecksums) && i < count; ++i) {
      const fbw::Tensor* t = msg->tensors()->Get(i);
      const uint64_t len = t->payload_bytes();
      const uint8_t* p = nullptr;
      if (r->framed) {
        if (i + 1 < r->frames.size() && len <= r->sizes[i + 1]) p = r->frames[i + 1];
      } else if (area <= head_size) {
        const uint64_t off = t->payload_offset(), room = head_size - area;
        if (off <= room && len <= room - off) p = head + area + off;
      }
      if (p != nullptr) {
        patches.push_back(
            {FieldAddress(t, fbw::Tensor::VT_PAYLOAD_CHECKSUM), WireChecksum64(p, len)});
      }
    }
  }
  for (const auto& [at, value] : patches) Patch64(at, value);
  if (flags & kWireFixChecksums) Patch64(head + 16, WireChecksum64(fb, fb_size));
}

void CheckRefusal(const Status& s) {
  if (s.ok()) return;
  if (s.message().empty()) Fail("a refused wire message has an empty error message");
}

// Decoded tensors re-encode (f32) and decode to the same values.
void CheckReencode(const Model& model, const Cut& cut, WireKind kind,
                   const std::vector<int>& expected, const DecodedMessage& decoded) {
  const Graph& g = model.graph();
  std::vector<BoundaryTensor> tensors;
  for (size_t i = 0; i < expected.size(); ++i) tensors.push_back({expected[i], decoded.views[i]});
  WireEncodeOptions options;
  options.kind = kind;
  WireMessage message;
  Status s = EncodeMessage(g, model.content_hash(), cut, tensors, options, &message);
  if (!s.ok()) Fail("decoded tensors do not re-encode: " + s.ToString());
  DecodedMessage again;
  s = DecodeMessage(g, model.content_hash(), cut, kind, expected, ViewOf(message), &again);
  if (!s.ok()) Fail("a re-encoded message does not decode: " + s.ToString());
  for (size_t i = 0; i < expected.size(); ++i) {
    const int64_t n = decoded.views[i].shape.NumElements();
    if (std::memcmp(again.views[i].data, decoded.views[i].data, static_cast<size_t>(n) * 4) != 0) {
      Fail("re-encoding changed tensor values");
    }
  }
}

}  // namespace
}  // namespace seam::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seam;
  using namespace seam::fuzz;
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  const Model& model =
      FuzzModel((flags & kWireModelBit) ? FuzzModelId::kBranchyLeNet : FuzzModelId::kSmallDag);
  const Graph& g = model.graph();
  Received r;
  if (!Split(data + 1, size - 1, flags, &r)) return 0;
  Repair(g, flags, &r);

  WireMessageView view;
  if (r.framed) {
    view.header = r.frames[0];
    view.header_size = r.sizes[0];
    view.payloads.assign(r.frames.begin() + 1, r.frames.end());
    view.payload_sizes.assign(r.sizes.begin() + 1, r.sizes.end());
  } else {
    const Status s = WireMessageFromBytes(r.frames[0], r.sizes[0], &view);
    CheckRefusal(s);
    if (!s.ok()) return 0;
  }
  WireHeaderInfo info;
  Status s = ReadWireHeader(view, &info);
  CheckRefusal(s);
  if (!s.ok()) return 0;
  Cut cut;
  s = CutFromWireHeader(g, info, &cut);
  CheckRefusal(s);
  if (!s.ok()) return 0;
  const std::vector<int> expected =
      info.kind == WireKind::kBoundary ? CutBoundary(g, cut) : g.outputs;
  DecodedMessage decoded;
  s = DecodeMessage(g, model.content_hash(), cut, info.kind, expected, view, &decoded);
  CheckRefusal(s);
  if (!s.ok()) return 0;
  if (decoded.views.size() != expected.size()) Fail("decoded the wrong number of tensors");
  float sum = 0.0f;
  for (size_t i = 0; i < expected.size(); ++i) {
    const ConstTensorView& v = decoded.views[i];
    if (v.data == nullptr || v.shape != g.tensors[expected[i]].shape) {
      Fail("a decoded tensor does not have the model's shape");
    }
    for (int64_t k = 0; k < v.shape.NumElements(); ++k) sum += v.data[k];
  }
  volatile float sink = sum;
  (void)sink;
  CheckReencode(model, cut, info.kind, expected, decoded);
  return 0;
}
