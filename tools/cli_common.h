// Shared pieces of the `seam` subcommands: the subcommand table, exit codes,
// error reporting, number formatting and text tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "seam/model.h"
#include "seam/shape.h"
#include "seam/status.h"

namespace seam::cli {

// Exit codes of every subcommand.
constexpr int kExitOk = 0;
constexpr int kExitError = 1;  // the work failed (bad file, I/O error, failed run)
constexpr int kExitUsage = 2;  // the command line is wrong (unknown flag, missing value)

// One subcommand: `seam NAME args...` calls run(args) with the arguments after NAME.
struct Subcommand {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

int ZooMain(const std::vector<std::string>& args);
int InspectMain(const std::vector<std::string>& args);
int RunMain(const std::vector<std::string>& args);
int ProfileMain(const std::vector<std::string>& args);
int PlanMain(const std::vector<std::string>& args);
int BenchMain(const std::vector<std::string>& args);
int ServeMain(const std::vector<std::string>& args);
int EdgeMain(const std::vector<std::string>& args);
int KeygenMain(const std::vector<std::string>& args);
int SweepMain(const std::vector<std::string>& args);   // tools/sweep.cc
int ReportMain(const std::vector<std::string>& args);  // tools/report.cc
int BrokerMain(const std::vector<std::string>& args);

// Every subcommand, in the order `seam --help` lists them.
const std::vector<Subcommand>& Subcommands();

// Turns on INFO logging (-v / --verbose).
void SetVerbose(bool verbose);

// Prints "COMMAND: MESSAGE" to stderr and returns kExitError.
int ReportError(const std::string& command, const std::string& message);
int ReportError(const std::string& command, const Status& status);

// Loads a model, naming the file in the error.
Status LoadModel(const std::string& path, std::unique_ptr<Model>* model);

// "11,689,512"
std::string WithCommas(int64_t value);
// "11.69 M", "3.64 G", "512" (SI, for parameter and FLOP counts).
std::string HumanCount(double value);
// "44.6 MiB", "1.2 KiB", "512 B"
std::string HumanBytes(double bytes);
// "%.3f" of a millisecond value.
std::string FormatMs(double ms);

// A left/right-aligned text table.
class TextTable {
 public:
  enum Align { kLeft, kRight };
  explicit TextTable(std::vector<std::string> headers, std::vector<Align> align = {});
  void AddRow(std::vector<std::string> cells);
  // With a header row and a rule under it, or just the rows.
  std::string Render(bool with_header = true) const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

// The CPU's model name from /proc/cpuinfo ("unknown" when absent).
std::string CpuModelName();

// Median and nearest-rank percentile (p in [0, 100]) of a sample; 0 when empty.
double Median(std::vector<double> values);
double Percentile(std::vector<double> values, double p);

}  // namespace seam::cli
