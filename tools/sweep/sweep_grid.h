// The grid of `seam sweep`: stress levels, link profiles and the cuts of a
// model, parsed from the command line into plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "seam/graph.h"
#include "seam/status.h"

namespace seam::sweep {

// One emulated link of the grid.
struct LinkSpec {
  std::string label;     // "10mbit", "cat1": the CSV's link column
  std::string edge_arg;  // what `seam edge --link` gets: a profile name, or "" for a trace
  double bandwidth_mbps = 0;
  double rtt_ms = 0;
};

// "0,22,45" -> {0, 22, 45}: percentages in [0, 100], no duplicates. `flag`
// names the option in errors.
Status ParsePercentList(const std::string& text, const std::string& flag, std::vector<double>* out);

// "10,25,37.5,50Mbit" or "cat1,3g,4g,wifi" (mixable). A bare number takes the
// unit of the next item that has one (Mbit when none does), so the brief's
// "10,25,37.5,50Mbit" means four Mbit/s rates. Named profiles (cat1, 3g, 4g,
// wifi, 10mbit, 25mbit, 37.5mbit, 50mbit) keep the shaped transport's RTT;
// other rates get a 1 ms RTT (a LAN shaped by rate only, as the
// adaptive-DNN study's `tc`).
Status ParseLinkList(const std::string& text, std::vector<LinkSpec>* out);

// A one-line constant trace for a rate the shaped transport has no profile
// for (`seam edge --link trace:FILE`).
std::string ConstantTraceText(const LinkSpec& link);

// One cut the sweep measures.
struct CutPoint {
  std::string name;  // node name, or "input" (server only), "all" (edge only)
  int index = 0;     // position in the model's cut list: 0 = input, last = all
  int edge_nodes = 0;
  int64_t boundary_bytes = 0;  // fp32 bytes sent (0 for all)
};

// "points": server only, every partition point (include/seam/cut.h), edge
// only. "all": server only, then the cut after every node in schedule order
// (its ancestors with it; duplicates dropped), then edge only. "none": no
// cuts. Otherwise a comma list of node names and the keywords input / all.
// `max_cuts` > 0 keeps that many, evenly spaced, always with input and all.
Status ListCuts(const Graph& graph, const std::string& mode, int max_cuts,
                std::vector<CutPoint>* out);

// "chain" when every node is a partition point, else "dag".
std::string Topology(const Graph& graph);

// Splits "a,b,c" (empty items are kept, so callers can reject them).
std::vector<std::string> SplitList(const std::string& text);

}  // namespace seam::sweep
