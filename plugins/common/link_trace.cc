// The link trace parser shared by the trace monitor and the shaped transport.
#include "plugins/common/link_trace.h"

#include <fstream>

#include "plugins/common/plugin_text.h"

namespace seam_plugin {
namespace {

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    fields.push_back(Trim(text.substr(start, comma == std::string::npos ? comma : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return fields;
}

// Checks one data line; "" when it is valid (or the header), else why not.
std::string ParseRow(const std::vector<std::string>& f, bool first,
                     const std::vector<TraceRow>& rows, TraceRow* r, bool* header) {
  *header = false;
  if (!ParseDouble(f[0], &r->time_s)) {
    if (first) {
      *header = true;
      return "";
    }
    return "time_s '" + f[0] + "' is not a number (only the first line may be a header)";
  }
  if (f.size() != 3) {
    return "expected 3 fields time_s,bandwidth_mbps,rtt_ms, got " + std::to_string(f.size());
  }
  if (!ParseDouble(f[1], &r->bandwidth_mbps))
    return "bandwidth_mbps '" + f[1] + "' is not a number";
  if (!ParseDouble(f[2], &r->rtt_ms)) return "rtt_ms '" + f[2] + "' is not a number";
  if (r->time_s < 0) return "time_s must be >= 0, got " + f[0];
  if (!rows.empty() && r->time_s <= rows.back().time_s) {
    return "time_s " + f[0] + " is not after the previous row's " +
           FormatDouble(rows.back().time_s) + " (times must strictly increase)";
  }
  if (r->bandwidth_mbps <= 0) return "bandwidth_mbps must be > 0, got " + f[1];
  if (r->rtt_ms < 0) return "rtt_ms must be >= 0, got " + f[2];
  return "";
}

}  // namespace

TraceError LoadLinkTrace(const std::string& path, std::vector<TraceRow>* rows,
                         std::string* message) {
  std::ifstream in(path);
  if (!in) {
    *message = "cannot open trace file " + path;
    return TraceError::kIo;
  }
  rows->clear();
  std::string line;
  int line_no = 0;
  bool seen_first = false;
  while (std::getline(in, line)) {
    ++line_no;
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    line = Trim(line);
    if (line.empty()) continue;
    const bool first = !seen_first;
    seen_first = true;
    TraceRow r;
    bool header = false;
    const std::string why = ParseRow(SplitCommas(line), first, *rows, &r, &header);
    if (!why.empty()) {
      *message = "trace file " + path + ", line " + std::to_string(line_no) + ": " + why;
      return TraceError::kInvalid;
    }
    if (!header) rows->push_back(r);
  }
  if (in.bad()) {
    *message = "error reading trace file " + path;
    return TraceError::kIo;
  }
  if (rows->empty()) {
    *message = "trace file " + path + " has no data rows";
    return TraceError::kInvalid;
  }
  return TraceError::kNone;
}

}  // namespace seam_plugin
