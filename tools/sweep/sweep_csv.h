// The results file of `seam sweep`: one CSV row per measured cell, written
// and fsynced as soon as the cell is done, so an interrupted sweep leaves a
// valid file and a rerun skips what is already there.
//
// The columns point, bandwidth_mbps, cpu_stress, mem_stress and latency_ms
// are those of the `measured` policy's table (plugins/policies/common/
// measured.h), so the cut rows of one model are a table that policy reads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "seam/status.h"

namespace seam::sweep {

struct SweepRow {
  std::string kind;        // "cut" (a fixed cut) or "policy" (a policy's own choice)
  std::string model;       // the model file's stem ("resnet18")
  std::string model_hash;  // first 16 hex digits of the content hash
  std::string topology;    // "chain" or "dag"
  double cpu_stress = 0;   // percent
  double mem_stress = 0;   // percent
  std::string link;        // "10mbit", "cat1", ...
  double bandwidth_mbps = 0;
  double rtt_ms = 0;
  std::string policy;  // "fixed" for cut rows, else the policy's name
  std::string
      point;  // node name, "input" (server only), "all" (edge only); a policy's chosen point
  int cut_index = -1;  // position in the model's cut list (0 = input); -1 = not on the list
  int edge_nodes = 0;
  int64_t boundary_bytes = 0;  // fp32 bytes the cut sends (0 for all)
  int frames = 0;              // frames the statistics are over (warm-up excluded)
  double latency_ms = 0;       // median end-to-end latency: edge + link + server of a frame
  double latency_p90_ms = 0;
  double latency_mean_ms = 0;
  double pipelined_ms = 0;  // median release-to-output time with frames pipelined back to back
  double frames_per_s = 0;  // throughput of the pipelined stream (0 = unknown)
  double edge_ms = 0, link_ms = 0, server_ms = 0;  // medians of the parts
  int64_t sent_bytes = 0;                          // median bytes per request
  int fallbacks = 0;                               // frames finished locally after a failure
  int recuts = 0;
  int cuts_seen = 0;       // different cuts the frames used (policies converge)
  std::string chosen_cut;  // the edge's label of the cut ("after conv3 (7/24 on the edge)")
  double slowdown = 1;     // seam edge --edge-slowdown
  std::string edge_cpus, server_cpus;  // pinning ("0", "1", or "any")
  int64_t mem_stress_bytes = 0;
  std::string finished;  // UTC time the cell finished, ISO 8601

  // The identity of a cell: a rerun skips rows with the same key.
  std::string Key() const;
};

// The header row, in column order.
const std::vector<std::string>& SweepColumns();

// One row as a CSV line (with the trailing newline).
std::string FormatRow(const SweepRow& row);

// Parses a whole file's text. Rows must have every column of the header
// (extra columns are ignored, order is free); errors name the line. An
// unterminated last line (a write cut short) is dropped and reported in
// `*dropped_partial`.
Status ParseSweepCsv(const std::string& text, const std::string& source,
                     std::vector<SweepRow>* rows, bool* dropped_partial);
Status ReadSweepCsv(const std::string& path, std::vector<SweepRow>* rows);

// The results file, open for appending.
class SweepCsv {
 public:
  ~SweepCsv();
  // Creates the file with its header, or reads an existing one (its rows are
  // in rows()). A partial last line is cut off first.
  static Status Open(const std::string& path, std::unique_ptr<SweepCsv>* out);
  const std::vector<SweepRow>& rows() const { return rows_; }
  bool Has(const std::string& key) const { return keys_.count(key) != 0; }
  // Appends one row with a single write() and fsyncs it.
  Status Append(const SweepRow& row);

 private:
  SweepCsv() = default;
  std::string path_;
  int fd_ = -1;
  std::vector<SweepRow> rows_;
  std::map<std::string, size_t> keys_;
};

}  // namespace seam::sweep
