// Checks the firmware example's output against the C++ API: the wire message
// it wrote must verify for this model and cut, and its boundary tensors must
// equal, bit for bit, what Session::RunUntil gives for the same model, input,
// backend and threads. Then resuming from them must give the full run's
// outputs. Run by ctest after the example (tests/CMakeLists.txt).
//
//   firmware_boundary_check MODEL.seam MESSAGE.seamt BACKEND THREADS
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend_registry.h"
#include "examples/firmware/firmware_example.h"
#include "seam/cut.h"
#include "seam/model.h"
#include "seam/session.h"
#include "seam/wire.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "firmware_boundary_check: FAIL: %s\n", message.c_str());
  return 1;
}

// Index and values of the first difference, for the failure message.
std::string FirstDifference(const float* a, const float* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
      char text[96];
      std::snprintf(text, sizeof text, "element %zu: %.9g vs %.9g", i, a[i], b[i]);
      return text;
    }
  }
  return "none";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) return Fail("usage: firmware_boundary_check MODEL.seam MESSAGE BACKEND THREADS");
  const std::string model_path = argv[1], message_path = argv[2], backend = argv[3];
  const int threads = std::atoi(argv[4]);
  using namespace seam;

  std::unique_ptr<Model> model;
  Status s = Model::LoadFromFile(model_path, &model);
  if (!s.ok()) return Fail("loading " + model_path + ": " + s.ToString());
  const Graph& g = model->graph();
  Cut cut;
  s = CutAfterNode(g, SEAM_FIRMWARE_CUT_NODE, &cut);
  if (!s.ok()) return Fail(s.ToString());

  // The C++ path.
  SessionOptions options;
  options.num_threads = threads;
  BackendOptions backend_options;
  backend_options.num_threads = threads;
  s = CreateBackend(backend, g, backend_options, &options.backend);
  if (!s.ok()) return Fail("backend '" + backend + "': " + s.ToString());
  std::unique_ptr<Session> session;
  s = Session::Create(*model, options, &session);
  if (!s.ok()) return Fail("session: " + s.ToString());
  const TensorInfo& in_info = g.tensors[g.inputs[0]];
  std::vector<float> input(static_cast<size_t>(in_info.shape.NumElements()));
  for (size_t i = 0; i < input.size(); ++i) input[i] = seam_firmware_input(i);
  const std::vector<ConstTensorView> inputs = {{input.data(), in_info.shape}};
  std::vector<BoundaryTensor> expected;
  s = session->RunUntil(cut, inputs, &expected);
  if (!s.ok()) return Fail("RunUntil: " + s.ToString());
  // Copy: the views point into the arena, which the runs below reuse.
  std::vector<std::vector<float>> expected_data;
  for (const BoundaryTensor& b : expected) {
    expected_data.emplace_back(b.view.data, b.view.data + b.view.shape.NumElements());
  }

  // The firmware's message.
  std::ifstream file(message_path, std::ios::binary);
  if (!file) return Fail("cannot read " + message_path + " (did the firmware example run?)");
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                   std::istreambuf_iterator<char>());
  WireMessageView view;
  s = WireMessageFromBytes(bytes.data(), bytes.size(), &view);
  if (!s.ok()) return Fail(message_path + ": " + s.ToString());
  WireHeaderInfo header;
  s = ReadWireHeader(view, &header);
  if (!s.ok()) return Fail(message_path + ": " + s.ToString());
  if (header.cut_id != CutId(g, cut)) {
    return Fail("the message is for another cut (id " + std::to_string(header.cut_id) + ")");
  }
  DecodedMessage decoded;
  s = DecodeMessage(g, model->content_hash(), cut, WireKind::kBoundary, CutBoundary(g, cut), view,
                    &decoded);
  if (!s.ok()) return Fail("decoding " + message_path + ": " + s.ToString());
  if (decoded.views.size() != expected.size()) {
    return Fail("boundary tensor counts differ: " + std::to_string(decoded.views.size()) + " vs " +
                std::to_string(expected.size()));
  }
  size_t floats = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const size_t n = expected_data[i].size();
    if (decoded.views[i].shape != expected[i].view.shape ||
        std::memcmp(decoded.views[i].data, expected_data[i].data(), n * sizeof(float)) != 0) {
      return Fail("boundary tensor '" + g.tensors[expected[i].tensor].name +
                  "' differs from the C++ API's: first difference at " +
                  FirstDifference(decoded.views[i].data, expected_data[i].data(), n));
    }
    floats += n;
  }

  // Finish on the server side from the firmware's boundary: the full run's outputs.
  const TensorInfo& out_info = g.tensors[g.outputs[0]];
  std::vector<float> resumed(static_cast<size_t>(out_info.shape.NumElements()));
  std::vector<float> full(resumed.size());
  s = session->ResumeFrom(cut, decoded.views, {{resumed.data(), out_info.shape}});
  if (!s.ok()) return Fail("ResumeFrom: " + s.ToString());
  s = session->Run(inputs, {{full.data(), out_info.shape}});
  if (!s.ok()) return Fail("Run: " + s.ToString());
  if (std::memcmp(resumed.data(), full.data(), full.size() * sizeof(float)) != 0) {
    return Fail("resuming from the firmware's boundary differs from the full run at " +
                FirstDifference(resumed.data(), full.data(), full.size()));
  }
  std::printf(
      "firmware_boundary_check: %s, %d thread(s): %zu boundary tensor(s), %zu floats, "
      "identical to the C++ API; resumed outputs identical to the full run\n",
      session->backend_name(), threads, expected.size(), floats);
  return 0;
}
