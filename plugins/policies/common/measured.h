// The measurement-based method of McNamee et al. ("The Case for Adaptive
// DNNs in Edge Computing", CLOUD'21): every partition point is benchmarked
// end to end under a grid of operating conditions (network rate, CPU stress
// and memory stress on the edge), and the planner picks the point that was
// fastest under the conditions closest to the current ones.
//
// Table: CSV with a header naming (in any order, extra columns ignored)
//   point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms
// point: the node after which the model is cut (that node and all its
//   ancestors on the edge), or `input` (server-only), or `all` (edge-only);
//   the keywords win over node names.
// bandwidth_mbps > 0; cpu_stress and mem_stress in percent, 0..100, as the
//   paper's stress levels; latency_ms >= 0, measured end to end.
// Blank lines and lines starting with '#' are skipped; fields are trimmed; no
// quoting (node names with commas are not supported). Errors name the line.
//
// Distance of a row to the current conditions (bandwidth B Mb/s, CPU load c,
// memory pressure m, both 0..1 or unknown):
//   d = w_bw * |log2(row.bandwidth / B)| + w_cpu * |row.cpu/100 - c|
//       + w_mem * |row.mem/100 - m|
// Bandwidth is compared on a log scale because transfer time is inversely
// proportional to it (10 -> 20 Mb/s matters as much as 25 -> 50); an unknown
// load (-1) drops its term. Weights default to 1 (config keys bandwidth_weight,
// cpu_weight, mem_weight).
// Selection: the rows at the minimum distance (within 1e-9) are the nearest
// measured conditions; their latencies are averaged per point (repeated runs,
// or every level of an unknown axis) and the point with the lowest mean wins
// (ties: first in the file). With no link (bandwidth 0) the plan is edge-only.
#ifndef SEAM_POLICIES_COMMON_MEASURED_H_
#define SEAM_POLICIES_COMMON_MEASURED_H_

#include <string>
#include <vector>

#include "plugins/policies/common/plan.h"
#include "plugins/policies/common/problem.h"

namespace seam_policy {

struct MeasuredRow {
  int line = 0;
  std::string point;
  double bandwidth_mbps = 0;
  double cpu_stress = 0;  // percent
  double mem_stress = 0;  // percent
  double latency_ms = 0;
};

struct MeasuredWeights {
  double bandwidth = 1, cpu = 1, mem = 1;
};

// Parses a table; `source` names it in errors ("table.csv:7: ...").
bool ParseMeasuredTable(const std::string& text, const std::string& source,
                        std::vector<MeasuredRow>* rows, std::string* error);
bool LoadMeasuredTable(const std::string& path, std::vector<MeasuredRow>* rows, std::string* error);

// Picks the plan. Fails when a row names a node the graph does not have.
// predicted_total_ms is the table's mean latency for the chosen point; the
// edge / transfer / server / max stage fields come from the shared cost model
// (the table has only end-to-end times).
bool PlanMeasured(const Problem& p, const std::vector<MeasuredRow>& rows,
                  const MeasuredWeights& weights, const std::string& source, Plan* plan,
                  std::string* error);

}  // namespace seam_policy

#endif  // SEAM_POLICIES_COMMON_MEASURED_H_
