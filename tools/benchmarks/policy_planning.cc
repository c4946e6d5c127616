// seam_policy_planning_benchmark: how long each partition-policy plugin takes
// to plan on DenseNet-121-sized graphs.
//
// Graphs:
//  * zoo:<name> - a zoo model (default densenet121, googlenet, resnet50)
//    described to the policy by the host's own PolicyGraph, with per-node
//    latencies from NodeFlops at 20 GFLOP/s (edge) and 400 GFLOP/s (server)
//    plus a small per-node overhead;
//  * densenet121-tv - a synthetic DenseNet-121 with torchvision's layout:
//    every dense layer concatenates ALL earlier feature maps of its block, so
//    each feature map has up to 24 readers (the zoo model chains the
//    concatenations instead). ~430 nodes; the hard case for the min cut.
// Each policy is dlopen'ed (like a foreign host), created once, and its plan()
// timed through the C ABI: warm-up, then runs until --min-time-ms has passed
// (at least 5). Reported: min, median and p90 wall time per plan, for a few
// link speeds (min is the figure to trust on a busy machine). This is a program for people, not a
// test.
#include <dlfcn.h>
#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/zoo.h"
#include "plugins/policy_host.h"
#include "seam/graph.h"
#include "seam/graph_builder.h"
#include "seam/policy_plugin.h"

namespace {

using Clock = std::chrono::steady_clock;

// The arrays behind a synthetic seam_policy_graph.
struct SyntheticGraph {
  std::vector<std::string> names;
  std::vector<const char*> name_ptrs;
  std::vector<uint32_t> ids, offsets, flat, topo;
  std::vector<double> edge_ms, server_ms;
  std::vector<int32_t> producer;
  std::vector<uint64_t> bytes;
  std::vector<std::vector<uint32_t>> consumers;
  std::vector<uint8_t> is_output;
  seam_policy_graph c{};

  int Node(const std::string& name, double flops) {
    names.push_back(name);
    edge_ms.push_back(0.01 + flops / 20e9 * 1e3);
    server_ms.push_back(0.002 + flops / 400e9 * 1e3);
    return static_cast<int>(names.size()) - 1;
  }
  int Tensor(int prod, uint64_t elements) {
    producer.push_back(prod);
    bytes.push_back(elements * 4);
    consumers.emplace_back();
    is_output.push_back(0);
    return static_cast<int>(producer.size()) - 1;
  }
  void Read(int node, int tensor) { consumers[tensor].push_back(static_cast<uint32_t>(node)); }

  const seam_policy_graph& Finish() {
    for (const std::string& n : names) name_ptrs.push_back(n.c_str());
    for (size_t i = 0; i < names.size(); ++i) {
      ids.push_back(static_cast<uint32_t>(i));
      topo.push_back(static_cast<uint32_t>(i));  // built in topological order
    }
    offsets.assign(1, 0);
    for (const auto& cs : consumers) {
      flat.insert(flat.end(), cs.begin(), cs.end());
      offsets.push_back(static_cast<uint32_t>(flat.size()));
    }
    c.struct_size = sizeof(c);
    c.num_nodes = static_cast<uint32_t>(names.size());
    c.node_names = name_ptrs.data();
    c.node_ids = ids.data();
    c.edge_ms = edge_ms.data();
    c.server_ms = server_ms.data();
    c.num_tensors = static_cast<uint32_t>(producer.size());
    c.tensor_producer = producer.data();
    c.tensor_bytes = bytes.data();
    c.consumer_offsets = offsets.data();
    c.consumers = flat.data();
    c.tensor_is_output = is_output.data();
    c.topo_order = topo.data();
    return c;
  }
};

// DenseNet-121, torchvision layout (growth 32, bottleneck 128, blocks
// 6/12/24/16): one node per op, each dense layer reading every earlier
// feature map of its block through a concat.
std::unique_ptr<SyntheticGraph> TorchvisionDenseNet121() {
  auto g = std::make_unique<SyntheticGraph>();
  const auto unary = [&](const std::string& name, int in, uint64_t elements, double flops_per) {
    const int n = g->Node(name, static_cast<double>(elements) * flops_per);
    g->Read(n, in);
    return g->Tensor(n, elements);
  };
  const auto conv = [&](const std::string& name, int in, int cin, int cout, int k, int s) {
    const uint64_t out = static_cast<uint64_t>(cout) * s * s;
    const int n = g->Node(name, 2.0 * static_cast<double>(out) * cin * k * k);
    g->Read(n, in);
    return g->Tensor(n, out);
  };
  int x = g->Tensor(-1, 3 * 224 * 224);
  x = conv("conv0", x, 3, 64, 7, 112);
  x = unary("norm0", x, 64 * 112 * 112, 2);
  x = unary("relu0", x, 64 * 112 * 112, 1);
  x = unary("pool0", x, 64 * 56 * 56, 9);
  int channels = 64, size = 56;
  const int layers[] = {6, 12, 24, 16};
  for (int b = 0; b < 4; ++b) {
    std::vector<std::pair<int, int>> features = {{x, channels}};  // tensor, channels
    const std::string p = "block" + std::to_string(b + 1) + ".";
    const uint64_t plane = static_cast<uint64_t>(size) * size;
    for (int l = 0; l < layers[b]; ++l) {
      const std::string q = p + "layer" + std::to_string(l + 1) + ".";
      int in = features[0].first, cin = 0;
      for (const auto& f : features) cin += f.second;
      if (features.size() > 1) {
        const int n = g->Node(q + "concat", static_cast<double>(cin * plane));
        for (const auto& f : features) g->Read(n, f.first);
        in = g->Tensor(n, cin * plane);
      }
      int y = unary(q + "norm1", in, cin * plane, 2);
      y = unary(q + "relu1", y, cin * plane, 1);
      y = conv(q + "conv1", y, cin, 128, 1, size);
      y = unary(q + "norm2", y, 128 * plane, 2);
      y = unary(q + "relu2", y, 128 * plane, 1);
      y = conv(q + "conv2", y, 128, 32, 3, size);
      features.push_back({y, 32});
    }
    channels = 0;
    for (const auto& f : features) channels += f.second;
    const int n = g->Node(p + "concat", static_cast<double>(channels * plane));
    for (const auto& f : features) g->Read(n, f.first);
    x = g->Tensor(n, channels * plane);
    if (b < 3) {
      const std::string t = "transition" + std::to_string(b + 1) + ".";
      x = unary(t + "norm", x, channels * plane, 2);
      x = unary(t + "relu", x, channels * plane, 1);
      x = conv(t + "conv", x, channels, channels / 2, 1, size);
      channels /= 2;
      size /= 2;
      x = unary(t + "pool", x, static_cast<uint64_t>(channels) * size * size, 4);
    }
  }
  x = unary("norm5", x, static_cast<uint64_t>(channels) * size * size, 2);
  x = unary("relu5", x, static_cast<uint64_t>(channels) * size * size, 1);
  x = unary("gap", x, channels, static_cast<double>(size * size));
  x = conv("fc", x, channels, 1000, 1, 1);
  g->is_output[x] = 1;
  g->Finish();
  return g;
}

struct PolicyPlugin {
  std::string name;
  void* handle = nullptr;
  const seam_policy_vtable* vt = nullptr;
  void* instance = nullptr;
};

seam_host_api* BenchHost() {
  static seam_host_api api = [] {
    seam_host_api a{};
    a.struct_size = sizeof(a);
    a.abi_major = SEAM_PLUGIN_ABI_MAJOR;
    a.abi_minor = SEAM_PLUGIN_ABI_MINOR;
    a.log = [](void*, int32_t, const char* message) {
      std::fprintf(stderr, "  [plugin] %s\n", message);
    };
    a.now_seconds = [](void*) {
      return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
    };
    return a;
  }();
  return &api;
}

bool OpenPolicy(const std::string& dir, const std::string& name,
                const std::vector<std::pair<std::string, std::string>>& config, PolicyPlugin* out) {
  std::string file = name;
  std::replace(file.begin(), file.end(), '-', '_');
  const std::string path = dir + "/seam_policy_" + file + ".so";
  out->name = name;
  out->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (out->handle == nullptr) {
    std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), dlerror());
    return false;
  }
  auto query = reinterpret_cast<seam_plugin_query_fn>(dlsym(out->handle, SEAM_PLUGIN_ENTRY_SYMBOL));
  const seam_plugin_info* info = nullptr;
  if (query == nullptr ||
      query(SEAM_PLUGIN_ABI_MAJOR, SEAM_PLUGIN_ABI_MINOR, BenchHost(), &info) != SEAM_STATUS_OK) {
    std::fprintf(stderr, "%s: query failed\n", path.c_str());
    return false;
  }
  out->vt = static_cast<const seam_policy_vtable*>(info->vtable);
  std::vector<seam_kv> kvs;
  for (const auto& kv : config) kvs.push_back({kv.first.c_str(), kv.second.c_str()});
  char error[512] = {};
  if (out->vt->create(BenchHost(), kvs.data(), static_cast<uint32_t>(kvs.size()), &out->instance,
                      error, sizeof(error)) != SEAM_STATUS_OK) {
    std::fprintf(stderr, "%s: create failed: %s\n", name.c_str(), error);
    return false;
  }
  return true;
}

struct Timing {
  double min_us = 0, median_us = 0, p90_us = 0;
  int runs = 0;
  seam_policy_decision decision{};
  std::string error;
};

Timing TimePlan(const PolicyPlugin& policy, const seam_policy_graph& graph,
                const seam_policy_conditions& conditions, double min_time_ms) {
  Timing t;
  std::vector<uint8_t> on_edge(graph.num_nodes);
  std::vector<double> samples;
  const auto start = Clock::now();
  for (int run = -2; run < 10000; ++run) {  // two warm-up runs
    seam_policy_decision d{};
    d.struct_size = sizeof(d);
    d.on_edge = on_edge.data();
    char error[512] = {};
    const auto t0 = Clock::now();
    const seam_status st =
        policy.vt->plan(policy.instance, &graph, &conditions, &d, error, sizeof(error));
    const auto t1 = Clock::now();
    if (st != SEAM_STATUS_OK) {
      t.error = error;
      return t;
    }
    t.decision = d;
    if (run < 0) continue;
    samples.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (samples.size() >= 5 &&
        std::chrono::duration<double, std::milli>(Clock::now() - start).count() > min_time_ms) {
      break;
    }
  }
  std::sort(samples.begin(), samples.end());
  t.runs = static_cast<int>(samples.size());
  t.min_us = samples.front();
  t.median_us = samples[samples.size() / 2];
  t.p90_us = samples[std::min(samples.size() - 1, samples.size() * 9 / 10)];
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  std::string plugin_dir = SEAM_BENCH_PLUGIN_DIR;
  if (const char* env = std::getenv("SEAM_PLUGIN_PATH")) plugin_dir = env;
  std::vector<std::string> models = {"densenet121", "googlenet", "resnet50"};
  double min_time_ms = 300;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--plugins" && i + 1 < argc) {
      plugin_dir = argv[++i];
    } else if (arg == "--min-time-ms" && i + 1 < argc) {
      min_time_ms = std::atof(argv[++i]);
    } else if (arg == "--models" && i + 1 < argc) {
      models.clear();
      std::string list = argv[++i];
      for (size_t start = 0; start <= list.size();) {
        const size_t comma = std::min(list.find(',', start), list.size());
        if (comma > start) models.push_back(list.substr(start, comma - start));
        start = comma + 1;
      }
    } else {
      const bool help = arg == "-h" || arg == "--help";
      std::fprintf(help ? stdout : stderr,
                   "usage: %s [--plugins DIR] [--models densenet121,googlenet,...] "
                   "[--min-time-ms 300]\n"
                   "Times every bundled partition-policy plugin's planning on zoo graphs and a\n"
                   "synthetic DAG: min, median and p90 microseconds per plan.\n",
                   argv[0]);
      return help ? 0 : 2;
    }
  }

  // The graphs: zoo models through the host's PolicyGraph, and the synthetic one.
  struct Bench {
    std::string name;
    const seam_policy_graph* graph;
  };
  std::vector<Bench> benches;
  std::vector<std::unique_ptr<seam::GraphBuilder>> builders;
  std::vector<std::unique_ptr<seam::PolicyGraph>> policy_graphs;
  for (const std::string& model : models) {
    auto builder = std::make_unique<seam::GraphBuilder>(1);
    seam::Status st = seam::BuildZooModel(model, 1, builder.get());
    if (st.ok()) st = builder->Finish();
    if (!st.ok()) {
      std::fprintf(stderr, "zoo model %s: %s\n", model.c_str(), st.message().c_str());
      return 1;
    }
    const seam::Graph& g = builder->graph();
    std::vector<double> edge_ms, server_ms;
    for (const seam::Node& node : g.nodes) {
      const double flops = static_cast<double>(seam::NodeFlops(g, node));
      edge_ms.push_back(0.01 + flops / 20e9 * 1e3);
      server_ms.push_back(0.002 + flops / 400e9 * 1e3);
    }
    auto pg = std::make_unique<seam::PolicyGraph>();
    st = seam::PolicyGraph::Build(g, edge_ms, server_ms, pg.get());
    if (!st.ok()) {
      std::fprintf(stderr, "policy graph %s: %s\n", model.c_str(), st.message().c_str());
      return 1;
    }
    benches.push_back({"zoo:" + model, &pg->c_graph()});
    builders.push_back(std::move(builder));
    policy_graphs.push_back(std::move(pg));
  }
  const std::unique_ptr<SyntheticGraph> tv = TorchvisionDenseNet121();
  benches.push_back({"densenet121-tv", &tv->c});

  // measured needs a table: every 40th node of the synthetic graph plus the
  // two ends, at three link speeds (node names must exist in each graph, so
  // it is only run on the synthetic one).
  const std::string table_path = "/tmp/seam_policy_planning_table.csv";
  {
    std::ofstream table(table_path);
    table << "point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms\n";
    for (double mbps : {5.0, 50.0, 500.0}) {
      table << "input," << mbps << ",0,0," << 100 + 1000 / mbps << "\n";
      table << "all," << mbps << ",0,0,400\n";
      for (size_t i = 40; i < tv->names.size(); i += 40) {
        table << tv->names[i] << "," << mbps << ",0,0," << 50 + i * 0.5 + 300 / mbps << "\n";
      }
    }
  }

  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
      policies = {{"edge-only", {}},    {"server-only", {}},
                  {"neurosurgeon", {}}, {"dads-light", {}},
                  {"dads-heavy", {}},   {"dsccs", {}},
                  {"edgent", {}},       {"measured", {{"table", table_path}}}};
  std::vector<PolicyPlugin> plugins;
  for (const auto& [name, config] : policies) {
    PolicyPlugin p;
    if (!OpenPolicy(plugin_dir, name, config, &p)) return 1;
    plugins.push_back(p);
  }

  std::printf("plugins from %s\n", plugin_dir.c_str());
  std::printf("%-16s %5s %6s %-13s %9s %10s %10s %6s  %s\n", "graph", "nodes", "Mb/s", "policy",
              "min_us", "median_us", "p90_us", "runs", "decision");
  for (const Bench& bench : benches) {
    for (double mbps : {5.0, 50.0, 500.0}) {
      seam_policy_conditions c{};
      c.struct_size = sizeof(c);
      c.bandwidth_bps = mbps * 1e6;
      c.rtt_ms = 5;
      c.edge_cpu_load = -1;
      c.edge_mem_pressure = -1;
      for (const PolicyPlugin& p : plugins) {
        if (p.name == "measured" && bench.name != "densenet121-tv") continue;
        seam_policy_conditions pc = c;
        if (p.name == "dsccs") {
          // A budget of 40% of the all-server compute time binds for these models.
          double all_server = 0;
          for (uint32_t v = 0; v < bench.graph->num_nodes; ++v)
            all_server += bench.graph->server_ms[v];
          pc.server_budget_ms = 0.4 * all_server;
        }
        if (p.name == "edgent") pc.deadline_ms = 50;
        const Timing t = TimePlan(p, *bench.graph, pc, min_time_ms);
        if (!t.error.empty()) {
          std::printf("%-16s %5u %6.0f %-13s  error: %s\n", bench.name.c_str(),
                      bench.graph->num_nodes, mbps, p.name.c_str(), t.error.c_str());
          continue;
        }
        std::printf(
            "%-16s %5u %6.0f %-13s %9.1f %10.1f %10.1f %6d  total %.2f ms, stage %.2f ms: %s\n",
            bench.name.c_str(), bench.graph->num_nodes, mbps, p.name.c_str(), t.min_us, t.median_us,
            t.p90_us, t.runs, t.decision.predicted_total_ms, t.decision.predicted_max_stage_ms,
            t.decision.reason);
      }
    }
    // The heavy path of Algorithm 3 (dads-light falls through to DSH) at a
    // rate DSL cannot sustain.
    seam_policy_conditions c{};
    c.struct_size = sizeof(c);
    c.bandwidth_bps = 50e6;
    c.rtt_ms = 5;
    c.frame_rate = 1000;
    c.edge_cpu_load = -1;
    c.edge_mem_pressure = -1;
    const Timing t = TimePlan(plugins[3], *bench.graph, c, min_time_ms);
    std::printf("%-16s %5u %6.0f %-13s %9.1f %10.1f %10.1f %6d  (rate 1000 fps) %s\n",
                bench.name.c_str(), bench.graph->num_nodes, 50.0, "dads-light", t.min_us,
                t.median_us, t.p90_us, t.runs,
                t.error.empty() ? t.decision.reason : t.error.c_str());
  }
  for (PolicyPlugin& p : plugins) p.vt->destroy(p.instance);
  return 0;
}
