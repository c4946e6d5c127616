// Shared CLI helpers: logging level, error reporting, formatting, tables.
#include "tools/cli_common.h"

#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <utility>

namespace seam::cli {

void SetVerbose(bool verbose) {
  FLAGS_minloglevel = verbose ? google::GLOG_INFO : google::GLOG_WARNING;
}

int ReportError(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "%s: error: %s\n", command.c_str(), message.c_str());
  return kExitError;
}

int ReportError(const std::string& command, const Status& status) {
  return ReportError(command, status.ToString());
}

Status LoadModel(const std::string& path, std::unique_ptr<Model>* model) {
  const Status status = Model::LoadFromFile(path, model);
  if (status.ok()) return status;
  // The loader names the path for I/O errors; say which file for the rest.
  if (status.message().find(path) != std::string::npos) return status;
  return Status(status.code(), "cannot load '" + path + "': " + status.message());
}

std::string WithCommas(int64_t value) {
  const bool negative = value < 0;
  std::string digits =
      std::to_string(negative ? -static_cast<uint64_t>(value) : static_cast<uint64_t>(value));
  std::string out;
  const int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

std::string HumanCount(double value) {
  static const char* kUnits[] = {"", " K", " M", " G", " T", " P"};
  int unit = 0;
  while (std::fabs(value) >= 1000.0 && unit < 5) {
    value /= 1000.0;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof(buf), "%.0f", value);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f%s", value, kUnits[unit]);
  }
  return buf;
}

std::string HumanBytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 4) {
    bytes /= 1024.0;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof(buf), "%.0f B", bytes);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f %s", bytes, kUnits[unit]);
  }
  return buf;
}

std::string FormatMs(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", ms);
  return buf;
}

TextTable::TextTable(std::vector<std::string> headers, std::vector<Align> align)
    : headers_(std::move(headers)), align_(std::move(align)) {
  align_.resize(headers_.size(), kLeft);
}

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render(bool with_header) const {
  std::vector<size_t> width(headers_.size(), 0);
  if (with_header) {
    for (size_t c = 0; c < headers_.size(); ++c) width[c] = headers_[c].size();
  }
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  auto render_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      const size_t pad = width[c] - cells[c].size();
      const bool last = c + 1 == cells.size();
      if (align_[c] == kRight) {
        line += std::string(pad, ' ') + cells[c];
      } else {
        line += cells[c];
        if (!last) line += std::string(pad, ' ');
      }
      if (!last) line += "  ";
    }
    return line + "\n";
  };
  std::string out;
  if (with_header) {
    out += render_row(headers_);
    std::vector<std::string> rule;
    for (size_t w : width) rule.push_back(std::string(w, '-'));
    out += render_row(rule);
  }
  for (const auto& row : rows_) out += render_row(row);
  return out;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  // Nearest rank: the smallest value with at least p% of the sample at or below it.
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const size_t index = static_cast<size_t>(std::clamp(rank, 1.0, double(values.size()))) - 1;
  return values[index];
}

std::string CpuModelName() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        size_t start = line.find_first_not_of(' ', colon + 1);
        return start == std::string::npos ? "" : line.substr(start);
      }
    }
  }
  return "unknown";
}

}  // namespace seam::cli
