// Test support for the policy plugins (tests/plugins/policy_*_test.cc).
//
// Loads a real seam_policy_<name>.so with dlopen + dlsym("seam_plugin_query")
// exactly as a foreign host would (no linking against the plugin, and nothing
// from plugins/policies/common: the tests check the plugins against the C ABI
// and an independent implementation of the cost model). Provides:
//  * PolicyModule / PolicyInstance: open, query, create, plan;
//  * TestGraph: owns the arrays behind a seam_policy_graph;
//  * random DAG, chain, multi-exit and DenseNet-like generators;
//  * RefCosts: the cost model of plugins/policies/common/problem.h, written
//    again from its specification;
//  * brute force over every predecessor-closed edge set of a small graph.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "seam/policy_plugin.h"

namespace seam_policy_test {

using Config = std::vector<std::pair<std::string, std::string>>;

const char* const kAllPolicies[] = {"edge-only",  "server-only", "neurosurgeon", "dads-light",
                                    "dads-heavy", "dsccs",       "edgent",       "measured"};

// The first directory of $SEAM_PLUGIN_PATH (':'-separated) holding the
// policy's module; empty when none does.
inline std::string PolicyPluginPath(const std::string& name) {
  std::string file = "seam_policy_" + name + ".so";
  std::replace(file.begin(), file.end(), '-', '_');
  const char* env = std::getenv("SEAM_PLUGIN_PATH");
  if (env == nullptr) return "";
  const std::string dirs = env;
  size_t start = 0;
  for (;;) {
    const size_t colon = dirs.find(':', start);
    const std::string dir = dirs.substr(start, colon - start);
    if (!dir.empty() && std::filesystem::exists(dir + "/" + file)) return dir + "/" + file;
    if (colon == std::string::npos) return "";
    start = colon + 1;
  }
}

// Dynamic symbols a module defines, read from `nm -D --defined-only`.
inline bool DefinedDynamicSymbols(const std::string& path, std::vector<std::string>* symbols,
                                  std::string* error) {
  const std::string command = "nm -D --defined-only '" + path + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *error = "cannot run nm";
    return false;
  }
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int rc = pclose(pipe);
  if (rc != 0) {
    *error = "nm failed: " + output;
    return false;
  }
  symbols->clear();
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(start, end - start);
    start = end + 1;
    // "0000000000001234 T name" (the address is blank for some kinds).
    const size_t last_space = line.find_last_of(' ');
    if (last_space == std::string::npos || last_space + 1 >= line.size()) continue;
    symbols->push_back(line.substr(last_space + 1));
  }
  std::sort(symbols->begin(), symbols->end());
  return true;
}

// A host API with a log collector (no link, no transports).
class TestHost {
 public:
  TestHost() {
    api_.struct_size = sizeof(api_);
    api_.abi_major = SEAM_PLUGIN_ABI_MAJOR;
    api_.abi_minor = SEAM_PLUGIN_ABI_MINOR;
    api_.host_ctx = this;
    api_.log = [](void* ctx, int32_t, const char* message) {
      static_cast<TestHost*>(ctx)->logs_.push_back(message);
    };
    api_.now_seconds = [](void*) { return 0.0; };
  }
  const seam_host_api* api() const { return &api_; }
  const std::vector<std::string>& logs() const { return logs_; }

 private:
  seam_host_api api_{};
  std::vector<std::string> logs_;
};

class PolicyInstance;

// One dlopen'ed policy module.
class PolicyModule {
 public:
  explicit PolicyModule(const std::string& name) : name_(name) {
    path_ = PolicyPluginPath(name);
    if (path_.empty()) {
      error_ = "seam_policy_" + name + ".so not found on SEAM_PLUGIN_PATH";
      return;
    }
    handle_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
      error_ = std::string("dlopen: ") + dlerror();
      return;
    }
    query_ = reinterpret_cast<seam_plugin_query_fn>(dlsym(handle_, SEAM_PLUGIN_ENTRY_SYMBOL));
    if (query_ == nullptr) {
      error_ = "no seam_plugin_query";
      return;
    }
    const seam_status st =
        query_(SEAM_PLUGIN_ABI_MAJOR, SEAM_PLUGIN_ABI_MINOR, host_.api(), &info_);
    if (st != SEAM_STATUS_OK || info_ == nullptr) {
      error_ = "query failed: " + std::to_string(st);
      return;
    }
    vtable_ = static_cast<const seam_policy_vtable*>(info_->vtable);
  }
  ~PolicyModule() {
    if (handle_ != nullptr) dlclose(handle_);
  }
  PolicyModule(const PolicyModule&) = delete;
  PolicyModule& operator=(const PolicyModule&) = delete;

  bool ok() const { return vtable_ != nullptr; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }
  seam_plugin_query_fn query() const { return query_; }
  const seam_plugin_info* info() const { return info_; }
  const seam_policy_vtable* vtable() const { return vtable_; }
  TestHost& host() { return host_; }

  // Creates an instance; on failure returns null and sets *status / *message.
  std::unique_ptr<PolicyInstance> Create(const Config& config, seam_status* status = nullptr,
                                         std::string* message = nullptr);

 private:
  std::string name_, path_, error_;
  void* handle_ = nullptr;
  seam_plugin_query_fn query_ = nullptr;
  const seam_plugin_info* info_ = nullptr;
  const seam_policy_vtable* vtable_ = nullptr;
  TestHost host_;
};

// A decision with its own on_edge buffer.
struct Decision {
  std::vector<uint8_t> on_edge;
  seam_policy_decision d{};
  std::string error;
  seam_status status = SEAM_STATUS_OK;
};

class PolicyInstance {
 public:
  PolicyInstance(const seam_policy_vtable* vt, void* instance) : vt_(vt), instance_(instance) {}
  ~PolicyInstance() { vt_->destroy(instance_); }
  PolicyInstance(const PolicyInstance&) = delete;
  PolicyInstance& operator=(const PolicyInstance&) = delete;

  seam_status Plan(const seam_policy_graph& graph, const seam_policy_conditions& conditions,
                   Decision* out) {
    out->on_edge.assign(graph.num_nodes, 2);  // 2: "not written"
    out->d = seam_policy_decision{};
    out->d.struct_size = sizeof(seam_policy_decision);
    out->d.on_edge = out->on_edge.data();
    out->d.exit_index = -7;  // sentinel
    char error[512];
    std::fill(std::begin(error), std::end(error), 'x');
    out->status = vt_->plan(instance_, &graph, &conditions, &out->d, error, sizeof(error));
    out->error = out->status == SEAM_STATUS_OK ? "" : std::string(error);
    return out->status;
  }
  void* raw() const { return instance_; }

 private:
  const seam_policy_vtable* vt_;
  void* instance_;
};

inline std::unique_ptr<PolicyInstance> PolicyModule::Create(const Config& config,
                                                            seam_status* status,
                                                            std::string* message) {
  std::vector<seam_kv> kvs;
  for (const auto& kv : config) kvs.push_back({kv.first.c_str(), kv.second.c_str()});
  void* instance = nullptr;
  char error[512] = {};
  const seam_status st = vtable_->create(host_.api(), kvs.data(), static_cast<uint32_t>(kvs.size()),
                                         &instance, error, sizeof(error));
  if (status != nullptr) *status = st;
  if (message != nullptr) *message = error;
  if (st != SEAM_STATUS_OK) return nullptr;
  return std::make_unique<PolicyInstance>(vtable_, instance);
}

// ---------------------------------------------------------------------------
// Graphs

struct TestExit {
  double accuracy = 0;
  std::vector<uint32_t> nodes;
  int32_t output_tensor = -1;
};

// Owns everything a seam_policy_graph points at. c() rebuilds the struct.
struct TestGraph {
  std::vector<std::string> names;
  std::vector<double> edge_ms, server_ms;
  std::vector<int32_t> producer;
  std::vector<uint64_t> bytes;
  std::vector<std::vector<uint32_t>> consumers;  // per tensor
  std::vector<uint8_t> is_output;
  std::vector<uint32_t> topo;
  std::vector<TestExit> exits;

  int num_nodes() const { return static_cast<int>(edge_ms.size()); }
  int num_tensors() const { return static_cast<int>(producer.size()); }

  int AddNode(const std::string& name, double e, double s) {
    names.push_back(name);
    edge_ms.push_back(e);
    server_ms.push_back(s);
    return num_nodes() - 1;
  }
  int AddTensor(int32_t prod, uint64_t size, std::vector<uint32_t> readers, bool output = false) {
    producer.push_back(prod);
    bytes.push_back(size);
    consumers.push_back(std::move(readers));
    is_output.push_back(output ? 1 : 0);
    return num_tensors() - 1;
  }

  const seam_policy_graph& c() {
    name_ptrs_.clear();
    for (const std::string& n : names) name_ptrs_.push_back(n.c_str());
    ids_.resize(names.size());
    for (size_t i = 0; i < ids_.size(); ++i) ids_[i] = static_cast<uint32_t>(1000 + i);
    offsets_.assign(1, 0);
    flat_.clear();
    for (const auto& cs : consumers) {
      flat_.insert(flat_.end(), cs.begin(), cs.end());
      offsets_.push_back(static_cast<uint32_t>(flat_.size()));
    }
    exit_acc_.clear();
    exit_off_.assign(1, 0);
    exit_nodes_.clear();
    exit_out_.clear();
    for (const TestExit& e : exits) {
      exit_acc_.push_back(e.accuracy);
      exit_nodes_.insert(exit_nodes_.end(), e.nodes.begin(), e.nodes.end());
      exit_off_.push_back(static_cast<uint32_t>(exit_nodes_.size()));
      exit_out_.push_back(e.output_tensor);
    }
    c_ = seam_policy_graph{};
    c_.struct_size = sizeof(c_);
    c_.num_nodes = static_cast<uint32_t>(names.size());
    c_.node_names = name_ptrs_.data();
    c_.node_ids = ids_.data();
    c_.edge_ms = edge_ms.data();
    c_.server_ms = server_ms.data();
    c_.num_tensors = static_cast<uint32_t>(producer.size());
    c_.tensor_producer = producer.data();
    c_.tensor_bytes = bytes.data();
    c_.consumer_offsets = offsets_.data();
    c_.consumers = flat_.data();
    c_.tensor_is_output = is_output.data();
    c_.topo_order = topo.data();
    c_.num_partition_points = 0;
    c_.partition_points = nullptr;
    c_.num_exits = static_cast<uint32_t>(exits.size());
    c_.exit_accuracy = exit_acc_.data();
    c_.exit_node_offsets = exit_off_.data();
    c_.exit_nodes = exit_nodes_.data();
    c_.exit_output_tensor = exit_out_.data();
    return c_;
  }

  // Producer nodes of each node's inputs.
  std::vector<std::vector<int>> Preds() const {
    std::vector<std::vector<int>> preds(num_nodes());
    for (int t = 0; t < num_tensors(); ++t) {
      if (producer[t] < 0) continue;
      for (uint32_t c : consumers[t]) preds[c].push_back(producer[t]);
    }
    return preds;
  }

  // Ancestors of `node`, itself included (a sorted node list).
  std::vector<uint32_t> AncestorsOf(int node) const {
    const auto preds = Preds();
    std::vector<uint8_t> mark(num_nodes(), 0);
    std::vector<int> stack = {node};
    mark[node] = 1;
    while (!stack.empty()) {
      const int v = stack.back();
      stack.pop_back();
      for (int u : preds[v]) {
        if (!mark[u]) {
          mark[u] = 1;
          stack.push_back(u);
        }
      }
    }
    std::vector<uint32_t> out;
    for (int v = 0; v < num_nodes(); ++v) {
      if (mark[v]) out.push_back(static_cast<uint32_t>(v));
    }
    return out;
  }

 private:
  std::vector<const char*> name_ptrs_;
  std::vector<uint32_t> ids_, offsets_, flat_, exit_off_, exit_nodes_;
  std::vector<double> exit_acc_;
  std::vector<int32_t> exit_out_;
  seam_policy_graph c_{};
};

inline seam_policy_conditions MakeConditions(double bandwidth_bps, double rtt_ms = 0) {
  seam_policy_conditions c{};
  c.struct_size = sizeof(c);
  c.bandwidth_bps = bandwidth_bps;
  c.rtt_ms = rtt_ms;
  c.edge_cpu_load = -1;
  c.edge_mem_pressure = -1;
  return c;
}

inline double LogUniform(std::mt19937_64& rng, double lo, double hi) {
  std::uniform_real_distribution<double> u(std::log(lo), std::log(hi));
  return std::exp(u(rng));
}

// A random topological order of `g` (a random linear extension), so the
// plugins never rely on node index order.
inline void RandomTopoOrder(std::mt19937_64& rng, TestGraph* g) {
  const int n = g->num_nodes();
  const auto preds = g->Preds();
  std::vector<int> indegree(n, 0);
  std::vector<std::vector<int>> succs(n);
  for (int v = 0; v < n; ++v) {
    std::vector<int> p = preds[v];
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
    indegree[v] = static_cast<int>(p.size());
    for (int u : p) succs[u].push_back(v);
  }
  std::vector<int> ready;
  for (int v = 0; v < n; ++v) {
    if (indegree[v] == 0) ready.push_back(v);
  }
  g->topo.clear();
  while (!ready.empty()) {
    std::uniform_int_distribution<size_t> pick(0, ready.size() - 1);
    const size_t i = pick(rng);
    const int v = ready[i];
    ready.erase(ready.begin() + static_cast<long>(i));
    g->topo.push_back(static_cast<uint32_t>(v));
    for (int w : succs[v]) {
      if (--indegree[w] == 0) ready.push_back(w);
    }
  }
}

struct RandomDagOptions {
  int min_nodes = 2;
  int max_nodes = 12;
  bool chain = false;  // a plain chain: node i reads node i-1's output only
};

// A random DAG: 1-2 graph inputs; node i reads 1-3 tensors from the inputs
// and earlier nodes (mostly recent ones, plus long skip connections), so
// multi-consumer tensors and skips are common; some nodes have two outputs.
// Latencies span three orders of magnitude, some are 0; bytes too.
inline TestGraph RandomDag(std::mt19937_64& rng, const RandomDagOptions& options = {}) {
  TestGraph g;
  std::uniform_int_distribution<int> size(options.min_nodes, options.max_nodes);
  const int n = size(rng);
  std::uniform_real_distribution<double> u01(0, 1);
  const auto latency = [&]() { return u01(rng) < 0.05 ? 0.0 : LogUniform(rng, 0.05, 50); };
  const auto tensor_bytes = [&]() -> uint64_t {
    const double r = u01(rng);
    if (r < 0.05) return 0;
    return static_cast<uint64_t>(LogUniform(rng, 100, 4e6));
  };
  const int inputs = options.chain ? 1 : (u01(rng) < 0.3 ? 2 : 1);
  std::vector<int> available;  // tensors nodes may read
  for (int i = 0; i < inputs; ++i) available.push_back(g.AddTensor(-1, tensor_bytes(), {}));
  for (int v = 0; v < n; ++v) {
    const double e = latency();
    // Server usually faster, sometimes slower.
    const double s = u01(rng) < 0.05 ? 0.0 : e * LogUniform(rng, 0.02, 1.5);
    g.AddNode("n" + std::to_string(v), e, s);
    std::vector<int> reads;
    if (options.chain) {
      reads.push_back(available.back());
    } else {
      std::uniform_int_distribution<int> count(1, 3);
      const int k = count(rng);
      for (int j = 0; j < k; ++j) {
        int t;
        if (j == 0 || u01(rng) < 0.5) {
          // Mostly the latest tensors: chains with branches.
          const int back = std::min<int>(static_cast<int>(available.size()), 3);
          std::uniform_int_distribution<int> pick(0, back - 1);
          t = available[available.size() - 1 - pick(rng)];
        } else {
          std::uniform_int_distribution<size_t> pick(0, available.size() - 1);
          t = available[pick(rng)];  // long skip connection
        }
        if (std::find(reads.begin(), reads.end(), t) == reads.end()) reads.push_back(t);
      }
    }
    for (int t : reads) g.consumers[t].push_back(static_cast<uint32_t>(v));
    const int outputs = (!options.chain && u01(rng) < 0.15) ? 2 : 1;
    for (int o = 0; o < outputs; ++o) available.push_back(g.AddTensor(v, tensor_bytes(), {}));
  }
  // Tensors nobody reads are graph outputs.
  for (int t = 0; t < g.num_tensors(); ++t) {
    if (g.producer[t] >= 0 && g.consumers[t].empty()) g.is_output[t] = 1;
  }
  if (options.chain) {
    g.topo.clear();
    for (int v = 0; v < n; ++v) g.topo.push_back(static_cast<uint32_t>(v));
  } else {
    RandomTopoOrder(rng, &g);
  }
  return g;
}

inline seam_policy_conditions RandomConditions(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u01(0, 1);
  seam_policy_conditions c = MakeConditions(LogUniform(rng, 1e5, 1e9));
  c.rtt_ms = u01(rng) < 0.3 ? 0.0 : LogUniform(rng, 0.1, 80);
  return c;
}

// ---------------------------------------------------------------------------
// Reference cost model (independent of the plugins' code).

struct RefCost {
  double edge = 0, transfer = 0, server = 0, total = 0, max_stage = 0;
  int server_nodes = 0;
};

// `active`: nodes of the sub-model (an exit); null = every node.
inline RefCost RefCosts(const TestGraph& g, const seam_policy_conditions& c,
                        const std::vector<uint8_t>& on_edge,
                        const std::vector<uint8_t>* active = nullptr) {
  RefCost r;
  const auto in = [&](int v) { return active == nullptr || (*active)[v] != 0; };
  for (int v = 0; v < g.num_nodes(); ++v) {
    if (!in(v)) continue;
    if (on_edge[v]) {
      r.edge += g.edge_ms[v];
    } else {
      r.server += g.server_ms[v];
      ++r.server_nodes;
    }
  }
  for (int t = 0; t < g.num_tensors(); ++t) {
    const int p = g.producer[t];
    const bool edge_has_it = p < 0 || (in(p) && on_edge[p]);
    if (!edge_has_it) continue;
    bool server_reads = false;
    for (uint32_t v : g.consumers[t]) server_reads |= in(static_cast<int>(v)) && !on_edge[v];
    if (!server_reads || g.bytes[t] == 0) continue;
    r.transfer += c.bandwidth_bps > 0
                      ? static_cast<double>(g.bytes[t]) * 8.0 / c.bandwidth_bps * 1000.0
                      : std::numeric_limits<double>::infinity();
  }
  if (r.server_nodes > 0) r.transfer += c.rtt_ms;
  r.total = r.edge + r.transfer + r.server;
  r.max_stage = std::max({r.edge, r.transfer, r.server});
  return r;
}

inline bool IsClosed(const TestGraph& g, const std::vector<uint8_t>& on_edge) {
  const auto preds = g.Preds();
  for (int v = 0; v < g.num_nodes(); ++v) {
    if (!on_edge[v]) continue;
    for (int u : preds[v]) {
      if (!on_edge[u]) return false;
    }
  }
  return true;
}

// Every decision the tests see must be closed under predecessors.
#define EXPECT_CLOSED(graph, on_edge) \
  EXPECT_TRUE(::seam_policy_test::IsClosed(graph, on_edge)) << "plan is not predecessor-closed"

// Calls f(on_edge) for every predecessor-closed edge set (n <= ~20).
inline void ForEachClosedCut(const TestGraph& g,
                             const std::function<void(const std::vector<uint8_t>&)>& f) {
  const int n = g.num_nodes();
  const auto preds = g.Preds();
  std::vector<uint32_t> pred_mask(n, 0);
  for (int v = 0; v < n; ++v) {
    for (int u : preds[v]) pred_mask[v] |= 1u << u;
  }
  std::vector<uint8_t> on_edge(n);
  for (uint32_t mask = 0; mask < (1u << n); ++mask) {
    bool closed = true;
    for (int v = 0; v < n && closed; ++v) {
      if ((mask >> v & 1) && (pred_mask[v] & ~mask)) closed = false;
    }
    if (!closed) continue;
    for (int v = 0; v < n; ++v) on_edge[v] = mask >> v & 1;
    f(on_edge);
  }
}

// Relative comparison for latencies (1e-9 relative, or absolute near 0).
inline bool NearlyEqual(double a, double b, double rel = 1e-9) {
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::abs(a - b) <= rel * std::max({1.0, std::abs(a), std::abs(b)});
}

// A directory under the system temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "seam_policy_XXXXXX").string();
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace seam_policy_test
