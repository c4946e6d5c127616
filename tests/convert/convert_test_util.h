// Helpers for the `seam convert` tests: locate the test models, read .npy
// files (independently of the CLI's reader), convert a model, run it on the
// reference kernels and compare against the expected outputs.
//
// Tolerance, used everywhere unless a test says otherwise: for every output,
//   max |actual - expected| <= 1e-4 * max |expected| + 1e-5.
// That is float32 accumulation-order noise for networks of this depth (the
// measured errors are 10-100x smaller), while any real conversion mistake (a
// wrong pad, an unfolded BatchNorm, a transposed weight) is far larger.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "seam/model.h"
#include "seam/session.h"
#include "tools/convert/onnx_import.h"

namespace seam::convert_test {

constexpr double kRelTolerance = 1e-4;
constexpr double kAbsTolerance = 1e-5;

inline std::string DataDir() { return SEAM_CONVERT_DATA_DIR; }
inline std::string DataPath(const std::string& file) { return DataDir() + "/" + file; }

inline bool ReadFile(const std::string& path, std::vector<uint8_t>* bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  bytes->assign(std::istreambuf_iterator<char>(in), {});
  return true;
}

inline bool FileExists(const std::string& path) { return std::ifstream(path).good(); }

// Reads a little-endian float32, C-order .npy (what the export scripts write).
inline ::testing::AssertionResult ReadNpy(const std::string& path, std::vector<int64_t>* shape,
                                          std::vector<float>* values) {
  std::vector<uint8_t> b;
  if (!ReadFile(path, &b)) return ::testing::AssertionFailure() << "cannot read " << path;
  if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0) {
    return ::testing::AssertionFailure() << path << " is not a .npy file";
  }
  size_t header_len, start;
  if (b[6] == 1) {
    header_len = b[8] | b[9] << 8;
    start = 10;
  } else {
    header_len = b[8] | b[9] << 8 | b[10] << 16 | static_cast<size_t>(b[11]) << 24;
    start = 12;
  }
  const std::string header(b.begin() + static_cast<std::ptrdiff_t>(start),
                           b.begin() + static_cast<std::ptrdiff_t>(start + header_len));
  if (header.find("'<f4'") == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos) {
    return ::testing::AssertionFailure() << path << ": not float32 C-order: " << header;
  }
  shape->clear();
  const size_t open = header.find('(', header.find("'shape'"));
  const size_t close = header.find(')', open);
  std::string dims = header.substr(open + 1, close - open - 1);
  size_t pos = 0;
  while (pos < dims.size()) {
    const size_t comma = std::min(dims.find(',', pos), dims.size());
    const std::string part = dims.substr(pos, comma - pos);
    if (part.find_first_of("0123456789") != std::string::npos) shape->push_back(std::stoll(part));
    pos = comma + 1;
  }
  int64_t n = 1;
  for (int64_t d : *shape) n *= d;
  const size_t data = start + header_len;
  if (b.size() - data != static_cast<size_t>(n) * 4) {
    return ::testing::AssertionFailure() << path << ": data size does not match the shape";
  }
  values->resize(static_cast<size_t>(n));
  std::memcpy(values->data(), b.data() + data, values->size() * 4);
  return ::testing::AssertionSuccess();
}

// How one output compares with its expected values.
struct OutputError {
  double max_abs = 0;       // max |actual - expected|
  double max_expected = 0;  // max |expected|
  int64_t argmax_expected = -1, argmax_actual = -1;
  double Relative() const { return max_expected > 0 ? max_abs / max_expected : max_abs; }
  bool Within() const { return max_abs <= kRelTolerance * max_expected + kAbsTolerance; }
};

inline OutputError Compare(const std::vector<float>& expected, const std::vector<float>& actual) {
  OutputError e;
  float best_e = -INFINITY, best_a = -INFINITY;
  for (size_t k = 0; k < expected.size() && k < actual.size(); ++k) {
    const double d = std::fabs(static_cast<double>(actual[k]) - expected[k]);
    e.max_abs = std::isnan(d) ? INFINITY : std::max(e.max_abs, d);
    e.max_expected = std::max(e.max_expected, std::fabs(static_cast<double>(expected[k])));
    if (expected[k] > best_e) {
      best_e = expected[k];
      e.argmax_expected = static_cast<int64_t>(k);
    }
    if (actual[k] > best_a) {
      best_a = actual[k];
      e.argmax_actual = static_cast<int64_t>(k);
    }
  }
  return e;
}

// A converted model, serialised to .seam bytes and loaded back (the path
// `seam convert` + `seam run` take), ready to run on the reference kernels.
struct Converted {
  onnx_import::ImportResult result;
  std::unique_ptr<Model> model;
  std::unique_ptr<Session> session;
  const Graph& graph() const { return model->graph(); }
};

inline ::testing::AssertionResult Convert(const std::string& onnx_path,
                                          const onnx_import::ImportOptions& options, Converted* out,
                                          int threads = 1) {
  Status s = onnx_import::ImportOnnxFile(onnx_path, options, &out->result);
  if (!s.ok()) return ::testing::AssertionFailure() << "convert: " << s.ToString();
  std::vector<uint8_t> bytes;
  s = SerializeModel(out->result.graph, &bytes);
  if (!s.ok()) return ::testing::AssertionFailure() << "serialise: " << s.ToString();
  s = Model::LoadFromBytes(std::move(bytes), &out->model);
  if (!s.ok()) return ::testing::AssertionFailure() << "load: " << s.ToString();
  SessionOptions so;
  so.num_threads = threads;
  s = Session::Create(*out->model, so, &out->session);
  if (!s.ok()) return ::testing::AssertionFailure() << "session: " << s.ToString();
  return ::testing::AssertionSuccess();
}

// Runs `c` on dir/NAME.in<k>.npy and compares with dir/NAME.out<k>.npy;
// `errors` receives one entry per output.
inline ::testing::AssertionResult RunAndCompare(Converted* c, const std::string& dir,
                                                const std::string& name,
                                                std::vector<OutputError>* errors) {
  const Graph& g = c->graph();
  std::vector<std::vector<float>> in(g.inputs.size()), out(g.outputs.size());
  std::vector<ConstTensorView> in_views;
  std::vector<TensorView> out_views;
  for (size_t k = 0; k < g.inputs.size(); ++k) {
    std::vector<int64_t> shape;
    const std::string path = dir + "/" + name + ".in" + std::to_string(k) + ".npy";
    ::testing::AssertionResult r = ReadNpy(path, &shape, &in[k]);
    if (!r) return r;
    const Shape& want = g.tensors[g.inputs[k]].shape;
    if (static_cast<int64_t>(in[k].size()) != want.NumElements()) {
      return ::testing::AssertionFailure() << path << " does not fit input " << want.ToString();
    }
    in_views.push_back(ConstTensorView{in[k].data(), want});
  }
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    const Shape& s = g.tensors[g.outputs[k]].shape;
    out[k].assign(static_cast<size_t>(s.NumElements()), NAN);
    out_views.push_back(TensorView{out[k].data(), s});
  }
  Status s = c->session->Run(in_views, out_views);
  if (!s.ok()) return ::testing::AssertionFailure() << "run: " << s.ToString();
  errors->clear();
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    std::vector<int64_t> shape;
    std::vector<float> expected;
    const std::string path = dir + "/" + name + ".out" + std::to_string(k) + ".npy";
    ::testing::AssertionResult r = ReadNpy(path, &shape, &expected);
    if (!r) return r;
    const Shape& got = g.tensors[g.outputs[k]].shape;
    Shape want;
    want.rank = static_cast<int>(shape.size());
    for (size_t d = 0; d < shape.size(); ++d) want.dims[d] = shape[d];
    if (got != want) {
      return ::testing::AssertionFailure() << name << " output " << k << " has shape "
                                           << got.ToString() << ", expected " << want.ToString();
    }
    errors->push_back(Compare(expected, out[k]));
  }
  return ::testing::AssertionSuccess();
}

// Node ops in schedule order, e.g. "Conv2D,GlobalAveragePool,FullyConnected".
inline std::string OpSequence(const Graph& g) {
  std::string s;
  for (const Node& n : g.nodes) s += (s.empty() ? "" : ",") + std::string(OpTypeName(n.op));
  return s;
}

inline const Node* FindNodeNamed(const Graph& g, const std::string& name) {
  const int i = g.FindNode(name);
  return i < 0 ? nullptr : &g.nodes[i];
}

inline std::string Metadata(const Graph& g, const std::string& key) {
  for (const auto& kv : g.metadata) {
    if (kv.first == key) return kv.second;
  }
  return "";
}

}  // namespace seam::convert_test
