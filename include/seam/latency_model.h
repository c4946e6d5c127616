// Latency prediction per op type, after Edgent (Li et al., Table I): a linear
// regression of layer latency on a few size variables, fitted from profiles.
// Planners use it to estimate nodes that were not measured on a device.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "seam/graph.h"
#include "seam/profiler.h"
#include "seam/status.h"

namespace seam {

// The independent variables of one node, per Edgent Table I:
//  Conv2D:          x1 = input elements, x2 = (kernel/stride)^2 * filters
//  Relu/activation: x1 = input elements
//  Pooling:         x1 = input elements, x2 = output elements
//  LRN, Dropout:    x1 = input elements
//  FullyConnected:  x1 = input elements, x2 = output elements
//  other ops (not in the paper): x1 = input elements, x2 = output elements
std::vector<double> LatencyFeatures(const Graph& graph, const Node& node);

// The feature names used for `op` ("input_elements", ...).
std::vector<std::string> LatencyFeatureNames(OpType op);

struct OpLatencyModel {
  std::vector<double> coefficients;  // one per feature, then the intercept
  int samples = 0;
  double mean_abs_error_ms = 0;       // leave-one-out cross-validated
  double mean_abs_percent_error = 0;  // leave-one-out, over samples > 0.01 ms
};

class LatencyModel {
 public:
  // Fits one least-squares model per op type from measured profiles.
  // `graphs[i]` is the graph `profiles[i]` was measured on.
  static LatencyModel Fit(const std::vector<const Graph*>& graphs,
                          const std::vector<const Profile*>& profiles);

  // Predicted milliseconds for a node (never negative); 0 for unknown op types.
  double Predict(const Graph& graph, const Node& node) const;
  bool Has(OpType op) const { return models_.count(op) != 0; }

  const std::map<OpType, OpLatencyModel>& models() const { return models_; }
  std::map<OpType, OpLatencyModel>& mutable_models() { return models_; }

 private:
  std::map<OpType, OpLatencyModel> models_;
};

}  // namespace seam
