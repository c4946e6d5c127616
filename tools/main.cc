// `seam`: the command-line tool. Dispatches `seam [global options] SUBCOMMAND
// [args]` to one subcommand per file (zoo.cc, inspect.cc, run.cc, ...).
// Unknown subcommands are an error (exit 2); `seam --help` lists them.
#include <glog/logging.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/cli_common.h"

#ifndef SEAM_VERSION
#define SEAM_VERSION "unknown"
#endif

namespace seam::cli {

int ConvertMain(const std::vector<std::string>& args);  // tools/convert.cc

const std::vector<Subcommand>& Subcommands() {
  static const std::vector<Subcommand> kSubcommands = {
      {"zoo", "list the model zoo, or build a zoo model into a .seam file", &ZooMain},
      {"inspect", "summarise a .seam model: inputs, outputs, params, FLOPs, memory, layers",
       &InspectMain},
      {"run", "run a .seam model (whole, or one side of a cut) and time it", &RunMain},
      {"bench", "whole-model latency on a backend: median, p90, GFLOP/s", &BenchMain},
      {"profile", "per-layer latency, partition-point costs, latency predictor, thread scaling",
       &ProfileMain},
      {"plan", "ask a partition policy where to cut, from edge/server profiles and the link",
       &PlanMain},
      {"convert", "convert an ONNX model into a .seam model", &ConvertMain},
      {"serve", "serve the server half of split inference to many edges", &ServeMain},
      {"edge", "stream frames split with a server; the cut follows the link", &EdgeMain},
      {"broker", "put several `seam serve --connect` processes behind one endpoint", &BrokerMain},
      {"keygen", "make a CURVE key pair for encrypted, authenticated links", &KeygenMain},
      {"sweep", "measure split latency per cut or policy under CPU/memory stress and links",
       &SweepMain},
      {"report", "figures, gain tables and a summary from a seam sweep results file", &ReportMain},
  };
  return kSubcommands;
}

namespace {

std::string TopLevelHelp() {
  std::string out =
      "Usage: seam [-v] SUBCOMMAND [options] [args]\n"
      "\n"
      "seam runs one DNN split between an edge device and a server. This tool builds,\n"
      "inspects and runs .seam model files.\n"
      "\n"
      "Subcommands:\n";
  for (const Subcommand& c : Subcommands()) {
    std::string name = "  " + std::string(c.name);
    name.resize(12, ' ');
    out += name + c.summary + "\n";
  }
  out +=
      "\n"
      "Global options:\n"
      "  -v, --verbose   log at INFO level (default: warnings and errors only)\n"
      "  -h, --help      show this help; 'seam SUBCOMMAND --help' for a subcommand\n"
      "      --version   print the version\n"
      "\n"
      "Exit status: 0 success, 1 the work failed, 2 bad command line.\n";
  return out;
}

const Subcommand* FindSubcommand(const std::string& name) {
  for (const Subcommand& c : Subcommands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-v" || a == "--verbose") {
      SetVerbose(true);
    } else if (a == "-h" || a == "--help") {
      std::fputs(TopLevelHelp().c_str(), stdout);
      return kExitOk;
    } else if (a == "--version") {
      std::printf("seam %s\n", SEAM_VERSION);
      return kExitOk;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "seam: unknown flag '%s' (see 'seam --help')\n", a.c_str());
      return kExitUsage;
    } else {
      break;
    }
  }
  if (i == args.size()) {
    std::fprintf(stderr, "seam: missing subcommand\n\n%s", TopLevelHelp().c_str());
    return kExitUsage;
  }
  std::string name = args[i];
  std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
  // `seam help [SUBCOMMAND]` is `seam SUBCOMMAND --help`.
  if (name == "help") {
    if (rest.empty()) {
      std::fputs(TopLevelHelp().c_str(), stdout);
      return kExitOk;
    }
    name = rest[0];
    rest = {"--help"};
  }
  const Subcommand* command = FindSubcommand(name);
  if (command == nullptr) {
    std::string names;
    for (const Subcommand& c : Subcommands())
      names += std::string(names.empty() ? "" : ", ") + c.name;
    std::fprintf(stderr, "seam: unknown subcommand '%s' (valid: %s; see 'seam --help')\n",
                 name.c_str(), names.c_str());
    return kExitUsage;
  }
  return command->run(rest);
}

}  // namespace
}  // namespace seam::cli

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = google::GLOG_WARNING;
  google::InitGoogleLogging(argv[0]);
  google::InstallFailureSignalHandler();
  const int code = seam::cli::Main(argc, argv);
  std::fflush(stdout);
  return code;
}
