// What `seam sweep` and `seam report` conclude from a results file:
//  * the best measured cut under every condition and how often each cut is
//    the best (adaptive-DNN study, Fig. 3);
//  * the gain of repartitioning when one condition moves away from the
//    baseline (least CPU and memory stress, fastest link) while the others
//    stay there (Tables IV-VI);
//  * each policy's latency and throughput against edge-only (DADS Figs.
//    12-16) and its regret: its latency over the best measured fixed cut
//    under the same condition.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "tools/sweep/sweep_csv.h"

namespace seam::sweep {

// A measurement condition: model, stress levels, link and edge slowdown.
std::string ConditionKey(const SweepRow& row);
// "cpu 45% mem 0% 10mbit"
std::string ConditionLabel(const SweepRow& row);

// The models in the rows, in first-appearance order.
std::vector<std::string> ModelsOf(const std::vector<SweepRow>& rows);

// The fastest cut row (kind "cut") of every condition, in first-appearance
// order of the conditions; only conditions with at least `min_cuts` cuts.
std::vector<const SweepRow*> BestCuts(const std::vector<SweepRow>& rows, int min_cuts = 2);

struct PointShare {
  std::string point;
  int cut_index = -1;
  int edge_nodes = 0;
  int64_t boundary_bytes = 0;
  int wins = 0;                    // conditions where this cut was the fastest
  double share_pct = 0;            // wins / conditions
  double median_latency_ms = NAN;  // over all conditions it was measured in
};

// Every cut measured for `model`, in cut order, with how often it was best.
// `conditions` receives the number of conditions counted.
std::vector<PointShare> BestPointDistribution(const std::vector<SweepRow>& rows,
                                              const std::string& model, int* conditions);

struct GainEntry {
  std::string model;
  std::string level;                        // "45%", "10mbit"
  const SweepRow* baseline_best = nullptr;  // the static cut, under the baseline
  const SweepRow* static_row = nullptr;     // that cut under this level (may be null)
  const SweepRow* best_row = nullptr;       // the best cut under this level
  double gain_pct = NAN;                    // (static - best) / static
};

struct GainTable {
  std::string axis;  // "cpu", "mem", "link"
  std::vector<GainEntry> entries;
};

// Repartitioning gains along one axis ("cpu", "mem" or "link"): the
// baseline is the lowest CPU and memory stress and the fastest link
// measured for each model (and slowdown); the other axes stay at it. A
// stress axis varied at several links gets one baseline per link (levels
// labelled "45% at 10mbit").
GainTable RepartitioningGain(const std::vector<SweepRow>& rows, const std::string& axis);

struct PolicyResult {
  const SweepRow* row = nullptr;
  const SweepRow* edge_only = nullptr;   // the edge-only reference under the same condition
  const SweepRow* best_fixed = nullptr;  // the fastest fixed cut under the same condition
  double latency_speedup = NAN;          // edge-only latency / policy latency
  double throughput_gain = NAN;          // policy frames/s / edge-only frames/s
  double regret_pct = NAN;               // (policy - best fixed) / best fixed
};

// Every policy row, with its references. The edge-only reference is the
// `edge-only` policy's row, else the fixed cut `all`, under the same condition.
std::vector<PolicyResult> ComparePolicies(const std::vector<SweepRow>& rows);

// "%.1f" with NaN as "-".
std::string Fixed(double v, int decimals = 1);
// A latency in ms with enough decimals for small values ("0.031", "4.12",
// "375.5"); NaN as "-".
std::string FormatLatency(double ms);

}  // namespace seam::sweep
