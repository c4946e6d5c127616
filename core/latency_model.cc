// LatencyModel: per-op-type ordinary least squares over Edgent's variables,
// solved by normal equations (at most 3 unknowns), validated leave-one-out.
#include "seam/latency_model.h"

#include <cmath>

namespace seam {
namespace {

double Elements(const Graph& g, int32_t t) {
  return t >= 0 ? static_cast<double>(g.tensors[t].shape.NumElements()) : 0.0;
}

bool IsUnaryActivation(OpType op) {
  switch (op) {
    case OpType::kRelu:
    case OpType::kClip:
    case OpType::kLeakyRelu:
    case OpType::kSigmoid:
    case OpType::kTanh:
    case OpType::kHardSwish:
    case OpType::kLRN:
    case OpType::kIdentity:
      return true;
    default:
      return false;
  }
}

// Solves the k x k system A x = b by Gaussian elimination with partial
// pivoting; near-singular directions get a zero coefficient.
std::vector<double> Solve(std::vector<std::vector<double>> a, std::vector<double> b) {
  const size_t k = b.size();
  for (size_t col = 0; col < k; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < k; ++r) {
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    }
    std::swap(a[col], a[pivot]);
    std::swap(b[col], b[pivot]);
    if (std::fabs(a[col][col]) < 1e-12) continue;
    for (size_t r = 0; r < k; ++r) {
      if (r == col) continue;
      const double f = a[r][col] / a[col][col];
      for (size_t c = col; c < k; ++c) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  std::vector<double> x(k, 0.0);
  for (size_t i = 0; i < k; ++i) x[i] = std::fabs(a[i][i]) < 1e-12 ? 0.0 : b[i] / a[i][i];
  return x;
}

// Least squares with an intercept. Features are scaled to unit maximum first
// so the normal equations stay well conditioned.
std::vector<double> FitLeastSquares(const std::vector<std::vector<double>>& xs,
                                    const std::vector<double>& ys, size_t skip) {
  const size_t f = xs.empty() ? 0 : xs[0].size();
  std::vector<double> scale(f, 1.0);
  for (size_t j = 0; j < f; ++j) {
    double m = 0;
    for (const auto& x : xs) m = std::max(m, std::fabs(x[j]));
    scale[j] = m > 0 ? m : 1.0;
  }
  const size_t k = f + 1;
  std::vector<std::vector<double>> ata(k, std::vector<double>(k, 0.0));
  std::vector<double> aty(k, 0.0);
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i == skip) continue;
    std::vector<double> row(k, 1.0);
    for (size_t j = 0; j < f; ++j) row[j] = xs[i][j] / scale[j];
    for (size_t r = 0; r < k; ++r) {
      aty[r] += row[r] * ys[i];
      for (size_t c = 0; c < k; ++c) ata[r][c] += row[r] * row[c];
    }
  }
  std::vector<double> coef = Solve(ata, aty);
  for (size_t j = 0; j < f; ++j) coef[j] /= scale[j];
  return coef;
}

double Evaluate(const std::vector<double>& coef, const std::vector<double>& x) {
  double y = coef.back();
  for (size_t j = 0; j < x.size(); ++j) y += coef[j] * x[j];
  return std::max(0.0, y);
}

}  // namespace

std::vector<double> LatencyFeatures(const Graph& g, const Node& node) {
  const double in = node.inputs.empty() ? 0.0 : Elements(g, node.inputs[0]);
  const double out = node.outputs.empty() ? 0.0 : Elements(g, node.outputs[0]);
  if (node.op == OpType::kConv2D) {
    const auto* a = std::get_if<Conv2DAttrs>(&node.attrs);
    const double filters = node.inputs.size() > 1 && node.inputs[1] >= 0
                               ? static_cast<double>(g.tensors[node.inputs[1]].shape.dims[0])
                               : 0.0;
    double ratio = 0;
    if (a != nullptr) {
      ratio = (static_cast<double>(a->kernel_h) / a->stride_h) *
              (static_cast<double>(a->kernel_w) / a->stride_w);
    }
    return {in, ratio * filters};
  }
  if (IsUnaryActivation(node.op)) return {in};
  return {in, out};
}

std::vector<std::string> LatencyFeatureNames(OpType op) {
  if (op == OpType::kConv2D) return {"input_elements", "kernel_over_stride_sq_x_filters"};
  if (IsUnaryActivation(op)) return {"input_elements"};
  return {"input_elements", "output_elements"};
}

LatencyModel LatencyModel::Fit(const std::vector<const Graph*>& graphs,
                               const std::vector<const Profile*>& profiles) {
  std::map<OpType, std::vector<std::vector<double>>> xs;
  std::map<OpType, std::vector<double>> ys;
  for (size_t p = 0; p < profiles.size() && p < graphs.size(); ++p) {
    for (const NodeProfile& np : profiles[p]->nodes) {
      if (np.node < 0 || static_cast<size_t>(np.node) >= graphs[p]->nodes.size()) continue;
      const Node& node = graphs[p]->nodes[np.node];
      xs[node.op].push_back(LatencyFeatures(*graphs[p], node));
      ys[node.op].push_back(np.median_ms);
    }
  }
  LatencyModel model;
  for (auto& entry : xs) {
    const OpType op = entry.first;
    const auto& x = entry.second;
    const auto& y = ys[op];
    OpLatencyModel m;
    m.samples = static_cast<int>(x.size());
    m.coefficients = FitLeastSquares(x, y, static_cast<size_t>(-1));
    double abs_err = 0, pct_err = 0;
    int pct_n = 0;
    if (x.size() >= 3) {
      for (size_t i = 0; i < x.size(); ++i) {
        const double predicted = Evaluate(FitLeastSquares(x, y, i), x[i]);
        abs_err += std::fabs(predicted - y[i]);
        if (y[i] > 0.01) {
          pct_err += std::fabs(predicted - y[i]) / y[i];
          ++pct_n;
        }
      }
      m.mean_abs_error_ms = abs_err / static_cast<double>(x.size());
      m.mean_abs_percent_error = pct_n ? 100.0 * pct_err / pct_n : 0.0;
    }
    model.models_[op] = std::move(m);
  }
  return model;
}

double LatencyModel::Predict(const Graph& graph, const Node& node) const {
  auto it = models_.find(node.op);
  if (it == models_.end()) return 0.0;
  return Evaluate(it->second.coefficients, LatencyFeatures(graph, node));
}

}  // namespace seam
