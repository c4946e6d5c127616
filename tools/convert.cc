// `seam convert IN.onnx -o OUT.seam [--input-shape NAME=D0,D1,...]... [--keep-names]`:
// imports an ONNX model (tools/convert/) and writes it as a .seam file,
// atomically; on any error nothing is written.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "seam/model.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"

#ifdef SEAM_HAVE_ONNX_IMPORT
#include "tools/convert/onnx_import.h"
#endif

namespace seam::cli {

namespace {
constexpr char kCommand[] = "seam convert";
}  // namespace

int ConvertMain(const std::vector<std::string>& args) {
  std::string input, output;
  std::vector<std::string> shape_flags;
  bool keep_names = false, verbose = false;
  ArgParser parser(kCommand,
                   "Convert an ONNX model (opset 7-18; torchvision and Keras exports) into a .seam "
                   "model that computes the same outputs. BatchNorm is folded into the preceding "
                   "convolution, activations are fused, Identity/Dropout are dropped and "
                   "everything computable from constants is folded. Node names are the ONNX node "
                   "names. Every unsupported operator is listed, and then nothing is written.");
  parser.AddPositional(
      "IN.onnx", "the ONNX model (external-data weights are read from its directory)", &input);
  parser.AddString("output", 'o', "FILE", "the .seam file to write (required)", &output);
  parser.AddRepeated("input-shape", 0, "NAME=D0,D1,...",
                     "static shape for a graph input with dynamic dimensions (repeatable)",
                     &shape_flags);
  parser.AddBool("keep-names", 0,
                 "name every tensor after its ONNX tensor (default: only inputs and outputs; "
                 "other tensors are named after their seam node)",
                 &keep_names);
  parser.AddBool("verbose", 'v', "log at INFO level", &verbose);
  parser.SetEpilog(
      "Examples:\n"
      "  seam convert resnet18.onnx -o resnet18.seam\n"
      "  seam convert model.onnx -o model.seam --input-shape input=1,3,224,224\n"
      "\n"
      "See docs/convert.md for the supported operators and rewrites.");
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (verbose) SetVerbose(true);
  if (output.empty()) {
    std::fprintf(stderr, "%s: missing flag '--output FILE' (see '%s --help')\n", kCommand,
                 kCommand);
    return kExitUsage;
  }
#ifndef SEAM_HAVE_ONNX_IMPORT
  (void)keep_names;
  return ReportError(kCommand,
                     "this seam was built without the ONNX importer (install libonnx-dev and "
                     "libprotobuf-dev and rebuild with -DSEAM_WITH_ONNX=ON)");
#else
  onnx_import::ImportOptions options;
  options.keep_names = keep_names;
  for (const std::string& flag : shape_flags) {
    Status s = onnx_import::ParseInputShapeFlag(flag, &options.input_shapes);
    if (!s.ok()) {
      std::fprintf(stderr, "%s: %s\n", kCommand, s.message().c_str());
      return kExitUsage;
    }
  }
  onnx_import::ImportResult result;
  Status status = onnx_import::ImportOnnxFile(input, options, &result);
  if (!status.ok()) return ReportError(kCommand, status);
  std::vector<uint8_t> bytes;
  status = SerializeModel(result.graph, &bytes);
  if (!status.ok()) return ReportError(kCommand, "serialising the model: " + status.ToString());
  status = WriteFileAtomically(output, bytes.data(), bytes.size());
  if (!status.ok()) return ReportError(kCommand, status);

  const onnx_import::ImportStats& st = result.stats;
  const Graph& g = result.graph;
  std::printf("converted %s (%s, opset %lld): %d ONNX nodes -> %d seam nodes\n", input.c_str(),
              st.producer.empty() ? "unknown producer" : st.producer.c_str(),
              static_cast<long long>(st.opset), st.onnx_nodes, st.seam_nodes);
  std::printf(
      "  folded %d BatchNorm, fused %d activations, %d bias adds, %d pads; dropped %d no-op "
      "nodes; evaluated %d nodes at conversion time\n",
      st.folded_batchnorms, st.fused_activations, st.fused_bias_adds, st.folded_pads,
      st.dropped_nodes, st.folded_constant_nodes);
  for (int t : g.inputs) {
    std::printf("  input  %s %s\n", g.tensors[t].name.c_str(),
                g.tensors[t].shape.ToString().c_str());
  }
  for (int t : g.outputs) {
    std::printf("  output %s %s\n", g.tensors[t].name.c_str(),
                g.tensors[t].shape.ToString().c_str());
  }
  std::printf("wrote %s: %s params, %s FLOPs, %s\n", output.c_str(),
              WithCommas(GraphParams(g)).c_str(),
              HumanCount(static_cast<double>(GraphFlops(g))).c_str(),
              HumanBytes(static_cast<double>(bytes.size())).c_str());
  return kExitOk;
#endif
}

}  // namespace seam::cli
