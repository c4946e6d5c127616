// `seam zoo list [--json]` lists the model zoo; `seam zoo build NAME -o FILE
// [--seed N]` builds a zoo model with seeded weights (GraphBuilder), serialises
// it and writes the .seam file atomically.
#include "models/zoo.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "seam/graph_builder.h"
#include "seam/model.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_writer.h"

namespace seam::cli {
namespace {

std::string ZooNames() {
  std::string names;
  for (const ZooModelInfo& m : ZooModels()) names += (names.empty() ? "" : ", ") + m.name;
  return names;
}

int ZooList(const std::vector<std::string>& args) {
  bool json = false;
  bool verbose = false;
  ArgParser parser("seam zoo list",
                   "List the models of the zoo: name, topology, parameter count, "
                   "input shape and a one-line description.");
  parser.AddBool("json", 0, "print JSON instead of a table", &json);
  parser.AddBool("verbose", 'v', "log at INFO level", &verbose);
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (verbose) SetVerbose(true);

  const auto& models = ZooModels();
  if (json) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Key("models");
    w.BeginArray();
    for (const ZooModelInfo& m : models) {
      w.BeginObject();
      w.Field("name", m.name);
      w.Field("topology", m.topology);
      w.Field("params", m.expected_params);
      w.Field("input_shape", m.input_shape);
      w.Field("description", m.description);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  }
  TextTable table(
      {"name", "topology", "params", "input", "description"},
      {TextTable::kLeft, TextTable::kLeft, TextTable::kRight, TextTable::kLeft, TextTable::kLeft});
  for (const ZooModelInfo& m : models) {
    table.AddRow({m.name, m.topology, WithCommas(m.expected_params), m.input_shape, m.description});
  }
  std::fputs(table.Render().c_str(), stdout);
  std::printf("\n%zu models. Build one with: seam zoo build NAME -o NAME.seam\n", models.size());
  return kExitOk;
}

int ZooBuild(const std::vector<std::string>& args) {
  std::string name;
  std::string output;
  int64_t seed = 1;
  bool verbose = false;
  ArgParser parser("seam zoo build",
                   "Build a zoo model with deterministic seeded weights and write it as a .seam "
                   "file. The same name and seed always give the same bytes.");
  parser.AddPositional("NAME", "zoo model name (see 'seam zoo list')", &name);
  parser.AddString("output", 'o', "FILE", "the .seam file to write (required)", &output);
  parser.AddInt("seed", 0, "N", "seed for the random weights", &seed, 0, INT64_MAX);
  parser.AddBool("verbose", 'v', "log at INFO level", &verbose);
  parser.SetEpilog("Example:\n  seam zoo build resnet18 -o resnet18.seam");
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (verbose) SetVerbose(true);
  if (output.empty()) {
    std::fprintf(stderr,
                 "seam zoo build: missing flag '--output FILE' (see 'seam zoo build --help')\n");
    return kExitUsage;
  }

  bool known = false;
  for (const ZooModelInfo& m : ZooModels()) known = known || m.name == name;
  if (!known) {
    return ReportError("seam zoo build",
                       "unknown zoo model '" + name + "'; valid names: " + ZooNames());
  }
  GraphBuilder builder(static_cast<uint64_t>(seed));
  Status status = BuildZooModel(name, static_cast<uint64_t>(seed), &builder);
  if (!status.ok()) {
    return ReportError("seam zoo build", "building '" + name + "': " + status.ToString());
  }
  std::vector<uint8_t> bytes;
  status = builder.Serialize(&bytes);
  if (!status.ok()) {
    return ReportError("seam zoo build", "serialising '" + name + "': " + status.ToString());
  }
  status = WriteFileAtomically(output, bytes.data(), bytes.size());
  if (!status.ok()) return ReportError("seam zoo build", status);

  const Graph& graph = builder.graph();
  std::printf("wrote %s: %s (seed %lld), %zu nodes, %s params, %s FLOPs, %s\n", output.c_str(),
              name.c_str(), static_cast<long long>(seed), graph.nodes.size(),
              WithCommas(GraphParams(graph)).c_str(),
              HumanCount(static_cast<double>(GraphFlops(graph))).c_str(),
              HumanBytes(static_cast<double>(bytes.size())).c_str());
  return kExitOk;
}

const char kZooHelp[] =
    "Usage: seam zoo list [--json]\n"
    "       seam zoo build NAME -o FILE.seam [--seed N]\n"
    "\n"
    "The model zoo: the seed papers' models, built in code with deterministic weights.\n"
    "\n"
    "Subcommands:\n"
    "  list        list the zoo models\n"
    "  build       build one zoo model into a .seam file\n"
    "\n"
    "'seam zoo list --help' and 'seam zoo build --help' show their options.\n";

}  // namespace

int ZooMain(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::fprintf(stderr, "seam zoo: missing subcommand (list or build)\n\n%s", kZooHelp);
    return kExitUsage;
  }
  const std::string& sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "-h" || sub == "--help" || sub == "help") {
    std::fputs(kZooHelp, stdout);
    return kExitOk;
  }
  if (sub == "list") return ZooList(rest);
  if (sub == "build") return ZooBuild(rest);
  std::fprintf(stderr,
               "seam zoo: unknown subcommand '%s' (valid: list, build; see 'seam zoo --help')\n",
               sub.c_str());
  return kExitUsage;
}

}  // namespace seam::cli
