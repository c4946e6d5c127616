// Link trace files (time_s,bandwidth_mbps,rtt_ms rows): one parser for the
// `trace` monitor and the `shaped` transport, so one file drives both the
// emulated link and what a monitor reports, under exactly the same rules.
//
// '#' starts a comment (whole line or trailing); blank lines are skipped; the
// first data line may be a header (its time field is not a number). Times are
// >= 0 and strictly increasing, bandwidth > 0, rtt >= 0. Every violation is
// an error naming the file and the line.
#pragma once

#include <string>
#include <vector>

namespace seam_plugin {

struct TraceRow {
  double time_s = 0;
  double bandwidth_mbps = 0;
  double rtt_ms = 0;
};

enum class TraceError { kNone, kIo, kInvalid };

// Reads `path` into `rows` (at least one). On failure returns the kind of
// error and sets `message`.
TraceError LoadLinkTrace(const std::string& path, std::vector<TraceRow>* rows,
                         std::string* message);

}  // namespace seam_plugin
