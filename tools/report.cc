// `seam report RESULTS.csv -o DIR`: turns a `seam sweep` results file into
// DIR/summary.md with SVG figures: how often each partition point is the
// best one (adaptive-DNN study, Fig. 3), repartitioning gains when CPU
// stress, memory stress or the link move (its Tables IV-VI), policies
// against edge-only (DADS Figs. 12-16) and each policy's regret against the
// best measured cut. Also writes, per model, the cut rows as a table the
// `measured` policy reads.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "seam/model.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_writer.h"
#include "tools/svg_chart.h"
#include "tools/sweep/sweep_analysis.h"
#include "tools/sweep/sweep_csv.h"

namespace seam::cli {
namespace {

using sweep::SweepRow;

constexpr char kCommand[] = "seam report";

std::string G(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// A file-name-safe form of a model name.
std::string Slug(const std::string& s) {
  std::string out;
  for (char c : s)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return out;
}

std::string Ms(const SweepRow* r) {
  return r == nullptr ? "-" : sweep::FormatLatency(r->latency_ms);
}

std::string PointOf(const SweepRow* r) {
  if (r == nullptr) return "-";
  return "`" + r->point + "`";
}

// Markdown table helper.
class Markdown {
 public:
  explicit Markdown(std::vector<std::string> headers, std::vector<bool> right = {})
      : headers_(std::move(headers)), right_(std::move(right)) {
    right_.resize(headers_.size(), false);
  }
  void Add(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  bool empty() const { return rows_.empty(); }
  std::string Render() const {
    std::string s = "|";
    for (const std::string& h : headers_) s += " " + h + " |";
    s += "\n|";
    for (bool r : right_) s += r ? "---:|" : "---|";
    s += "\n";
    for (const auto& row : rows_) {
      s += "|";
      for (const std::string& c : row) s += " " + c + " |";
      s += "\n";
    }
    return s;
  }

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

Status WriteText(const std::string& path, const std::string& text) {
  return WriteFileAtomically(path, text.data(), text.size());
}

// Lowest CPU and memory stress of a model's rows: the baseline the
// per-cut chart and the policy tables use.
struct Baseline {
  double cpu = INFINITY, mem = INFINITY;
};

Baseline BaselineOf(const std::vector<SweepRow>& rows, const std::string& model) {
  Baseline b;
  for (const SweepRow& r : rows) {
    if (r.model != model) continue;
    b.cpu = std::min(b.cpu, r.cpu_stress);
    b.mem = std::min(b.mem, r.mem_stress);
  }
  return b;
}

}  // namespace

int ReportMain(const std::vector<std::string>& args) {
  std::string input, out_dir, title = "seam sweep report";
  bool json = false;
  ArgParser parser(kCommand,
                   "Write DIR/summary.md and SVG figures from a seam sweep results file: the "
                   "distribution of the best partition points, repartitioning gains per "
                   "condition, policies against edge-only, and each policy's regret.");
  parser.AddPositional("RESULTS.csv", "a results file written by seam sweep", &input);
  parser.AddString("output", 'o', "DIR", "directory for summary.md and the figures", &out_dir);
  parser.AddString("title", 0, "TEXT", "the summary's title", &title);
  parser.AddBool("json", 0, "print the list of files written as JSON", &json);
  parser.SetEpilog(
      "Example:\n  seam sweep r18.seam -o r18.csv && seam report r18.csv -o r18-report/");
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (out_dir.empty()) {
    std::fprintf(stderr, "%s: -o DIR is required\n", kCommand);
    return kExitUsage;
  }
  std::vector<SweepRow> rows;
  Status status = sweep::ReadSweepCsv(input, &rows);
  if (!status.ok()) return ReportError(kCommand, status);
  if (rows.empty()) return ReportError(kCommand, input + " has no measured rows yet");
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return ReportError(kCommand, "cannot create '" + out_dir + "': " + ec.message());
  std::vector<std::string> written;
  auto write = [&](const std::string& name, const std::string& text) -> bool {
    const std::string path = (std::filesystem::path(out_dir) / name).string();
    status = WriteText(path, text);
    if (!status.ok()) return false;
    written.push_back(path);
    return true;
  };

  const std::vector<std::string> models = sweep::ModelsOf(rows);
  int cut_rows = 0, policy_rows = 0;
  std::set<std::string> slowdowns, edge_cpus, server_cpus;
  std::string first = rows.front().finished, last = rows.front().finished;
  std::vector<int> frames;
  for (const SweepRow& r : rows) {
    (r.kind == "cut" ? cut_rows : policy_rows)++;
    slowdowns.insert(G(r.slowdown));
    edge_cpus.insert(r.edge_cpus);
    server_cpus.insert(r.server_cpus);
    first = std::min(first, r.finished);
    last = std::max(last, r.finished);
    frames.push_back(r.frames);
  }
  auto join = [](const std::set<std::string>& s) {
    std::string out;
    for (const std::string& x : s) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  std::sort(frames.begin(), frames.end());

  std::string md = "# " + title + "\n\n";
  md += "Source: `" + std::filesystem::path(input).filename().string() + "`, " +
        std::to_string(rows.size()) + " rows (" + std::to_string(cut_rows) + " fixed cuts, " +
        std::to_string(policy_rows) + " policy runs), cells finished " + first + " to " + last +
        ".\n\n";
  md += "* Models: " + [&] {
    std::string s;
    for (const std::string& m : models) s += (s.empty() ? "" : ", ") + m;
    return s;
  }() + ".\n";
  md += "* Edge pinned to CPU " + join(edge_cpus) + ", server to CPU " + join(server_cpus) +
        "; edge slowdown x" + join(slowdowns) + ".\n";
  md += "* Frames per cell after warm-up: " + std::to_string(frames.front()) + " to " +
        std::to_string(frames.back()) + ".\n";
  md +=
      "* Latency is the median end-to-end latency of a frame: edge compute + link (round trip "
      "minus server compute) + server compute. Throughput is frames/s of the pipelined stream.\n\n";

  // --- Fig. 3: best partition points -------------------------------------
  md += "## Best partition points\n\n";
  md +=
      "How often each cut was the fastest over all measured conditions (CPU stress x memory "
      "stress x link), as in the adaptive-DNN study's Fig. 3 (which counts the top 5; this "
      "counts the best). The line is the cut's median latency over those conditions.\n\n";
  for (const std::string& model : models) {
    int conditions = 0;
    const std::vector<sweep::PointShare> dist =
        sweep::BestPointDistribution(rows, model, &conditions);
    if (conditions == 0) continue;
    BarLineChart chart;
    chart.title = model + ": best cut over " + std::to_string(conditions) + " condition(s)";
    chart.x_label = "cut after (nodes on the edge)";
    chart.bar_label = "best in % of conditions";
    chart.line_label = "median latency (ms)";
    Markdown t({"cut after", "nodes on edge", "bytes sent", "best in", "median latency ms"},
               {false, true, true, true, true});
    int distinct = 0;
    for (const sweep::PointShare& p : dist) {
      chart.categories.push_back(p.point + " (" + std::to_string(p.edge_nodes) + ")");
      chart.bars.push_back(p.share_pct);
      chart.line.push_back(std::isfinite(p.median_latency_ms) ? p.median_latency_ms : 0);
      if (p.wins > 0) {
        ++distinct;
        t.Add({"`" + p.point + "`", std::to_string(p.edge_nodes),
               HumanBytes(static_cast<double>(p.boundary_bytes)),
               sweep::Fixed(p.share_pct, 0) + " %", sweep::FormatLatency(p.median_latency_ms)});
      }
    }
    const std::string svg = "best-points-" + Slug(model) + ".svg";
    if (!write(svg, RenderBarLineSvg(chart))) return ReportError(kCommand, status);
    md += "### " + model + "\n\n![" + model + " best cuts](" + svg + ")\n\n";
    md += std::to_string(distinct) + " different cut(s) were the best over " +
          std::to_string(conditions) + " condition(s).\n\n" + t.Render() + "\n";

    // Latency per cut at the baseline stress, fastest link.
    const Baseline b = BaselineOf(rows, model);
    double best_bw = -1;
    std::string link;
    for (const SweepRow& r : rows) {
      if (r.model == model && r.kind == "cut" && r.bandwidth_mbps > best_bw) {
        best_bw = r.bandwidth_mbps;
        link = r.link;
      }
    }
    std::vector<const SweepRow*> at_base;
    for (const SweepRow& r : rows) {
      if (r.model == model && r.kind == "cut" && r.cpu_stress == b.cpu && r.mem_stress == b.mem &&
          r.link == link)
        at_base.push_back(&r);
    }
    std::sort(at_base.begin(), at_base.end(), [](const SweepRow* a, const SweepRow* c) {
      return a->edge_nodes != c->edge_nodes ? a->edge_nodes < c->edge_nodes
                                            : a->cut_index < c->cut_index;
    });
    if (at_base.size() >= 2) {
      BarLineChart lat;
      lat.title =
          model + ": latency per cut (cpu " + G(b.cpu) + "%, mem " + G(b.mem) + "%, " + link + ")";
      lat.x_label = "cut after (nodes on the edge)";
      lat.bar_label = "median end-to-end latency (ms)";
      lat.line_label = "bytes sent (KiB)";
      for (const SweepRow* r : at_base) {
        lat.categories.push_back(r->point + " (" + std::to_string(r->edge_nodes) + ")");
        lat.bars.push_back(r->latency_ms);
        lat.line.push_back(static_cast<double>(r->boundary_bytes) / 1024.0);
      }
      const std::string lsvg = "latency-" + Slug(model) + ".svg";
      if (!write(lsvg, RenderBarLineSvg(lat))) return ReportError(kCommand, status);
      md += "![" + model + " latency per cut](" + lsvg + ")\n\n";
    }
  }

  // --- Tables IV-VI: repartitioning gain ----------------------------------
  md += "## Repartitioning gain\n\n";
  md +=
      "One condition moves away from the baseline (lowest CPU and memory stress, fastest link) "
      "while the others stay there. *Static* is the baseline's best cut kept under the new "
      "condition; *best* is the fastest cut measured there; gain = (static - best) / static, as "
      "in the adaptive-DNN study's Tables IV-VI.\n\n";
  const char* axes[][2] = {{"cpu", "CPU stress"}, {"mem", "Memory stress"}, {"link", "Link"}};
  for (const auto& axis : axes) {
    const sweep::GainTable table = sweep::RepartitioningGain(rows, axis[0]);
    Markdown t({"model", axis[1], "static cut", "static ms", "best cut", "best ms", "gain %"},
               {false, false, false, true, false, true, true});
    std::set<std::string> levels_per_model;
    std::map<std::string, int> levels;
    for (const sweep::GainEntry& e : table.entries) ++levels[e.model];
    for (const sweep::GainEntry& e : table.entries) {
      if (levels[e.model] < 2) continue;  // nothing varied along this axis
      t.Add({e.model, e.level, PointOf(e.baseline_best), Ms(e.static_row), PointOf(e.best_row),
             Ms(e.best_row), sweep::Fixed(e.gain_pct, 1)});
    }
    md += "### " + std::string(axis[1]) + "\n\n";
    md += t.empty() ? std::string("Not varied in this file.\n\n") : t.Render() + "\n";
  }

  // --- DADS Figs. 12-16: policies -----------------------------------------
  const std::vector<sweep::PolicyResult> compare = sweep::ComparePolicies(rows);
  if (!compare.empty()) {
    md += "## Policies against edge-only\n\n";
    md +=
        "Each policy ran in a real `seam edge` with its own monitors; the row is the cut it "
        "settled on (most frames). Speedup = edge-only latency / policy latency; throughput "
        "gain = policy frames/s / edge-only frames/s, as DADS Figs. 12-16 normalise.\n\n";
    for (const std::string& model : models) {
      BarLineChart chart;
      chart.title = model + ": latency speedup (bars) and throughput gain (dots) vs edge-only";
      chart.x_label = "link / policy";
      chart.bar_label = "latency speedup (x)";
      chart.line_label = "throughput gain (x)";
      std::set<std::string> conditions;
      for (const sweep::PolicyResult& p : compare) {
        if (p.row->model == model)
          conditions.insert(G(p.row->cpu_stress) + "/" + G(p.row->mem_stress));
      }
      for (const sweep::PolicyResult& p : compare) {
        if (p.row->model != model) continue;
        std::string label = p.row->link + " " + p.row->policy;
        if (conditions.size() > 1)
          label = "cpu" + G(p.row->cpu_stress) + " mem" + G(p.row->mem_stress) + " " + label;
        chart.categories.push_back(label);
        auto series = std::find(chart.series.begin(), chart.series.end(), p.row->policy);
        if (series == chart.series.end()) series = chart.series.insert(series, p.row->policy);
        chart.bar_series.push_back(static_cast<size_t>(series - chart.series.begin()));
        chart.bars.push_back(std::isfinite(p.latency_speedup) ? p.latency_speedup : 0);
        chart.line.push_back(std::isfinite(p.throughput_gain) ? p.throughput_gain : 0);
      }
      if (chart.categories.empty()) continue;
      const std::string svg = "compare-" + Slug(model) + ".svg";
      if (!write(svg, RenderBarLineSvg(chart))) return ReportError(kCommand, status);
      md += "### " + model + "\n\n![" + model + " policies](" + svg + ")\n\n";
      // Pivot: one row per condition, one column per policy.
      std::vector<std::string> policies;
      for (const sweep::PolicyResult& p : compare) {
        if (p.row->model == model &&
            std::find(policies.begin(), policies.end(), p.row->policy) == policies.end())
          policies.push_back(p.row->policy);
      }
      std::vector<std::string> headers = {"link", "cpu", "mem"};
      for (const std::string& p : policies) headers.push_back(p + " ms (cut)");
      Markdown pivot(headers);
      std::vector<std::string> seen;
      for (const sweep::PolicyResult& p : compare) {
        if (p.row->model != model) continue;
        const std::string key = sweep::ConditionKey(*p.row);
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
        seen.push_back(key);
        std::vector<std::string> cells = {p.row->link, G(p.row->cpu_stress) + "%",
                                          G(p.row->mem_stress) + "%"};
        for (const std::string& policy : policies) {
          std::string cell = "-";
          for (const sweep::PolicyResult& q : compare) {
            if (q.row->policy == policy && sweep::ConditionKey(*q.row) == key)
              cell = sweep::FormatLatency(q.row->latency_ms) + " (`" + q.row->point + "`)";
          }
          cells.push_back(cell);
        }
        pivot.Add(cells);
      }
      md += "Median end-to-end latency of each policy's cut:\n\n" + pivot.Render() + "\n";
      Markdown t({"link", "cpu", "mem", "policy", "cut", "latency ms", "speedup", "frames/s",
                  "throughput gain", "cuts seen"},
                 {false, true, true, false, false, true, true, true, true, true});
      for (const sweep::PolicyResult& p : compare) {
        if (p.row->model != model) continue;
        const SweepRow& r = *p.row;
        t.Add({r.link, G(r.cpu_stress) + "%", G(r.mem_stress) + "%", r.policy, "`" + r.point + "`",
               sweep::FormatLatency(r.latency_ms), sweep::Fixed(p.latency_speedup, 2),
               sweep::Fixed(r.frames_per_s, 2), sweep::Fixed(p.throughput_gain, 2),
               std::to_string(r.cuts_seen)});
      }
      md += t.Render() + "\n";
    }
    // Regret.
    Markdown regret({"model", "condition", "policy", "policy cut", "policy ms", "best fixed cut",
                     "best ms", "regret %"},
                    {false, false, false, false, true, false, true, true});
    for (const sweep::PolicyResult& p : compare) {
      if (p.best_fixed == nullptr) continue;
      regret.Add({p.row->model, sweep::ConditionLabel(*p.row), p.row->policy,
                  "`" + p.row->point + "`", sweep::FormatLatency(p.row->latency_ms),
                  PointOf(p.best_fixed), sweep::FormatLatency(p.best_fixed->latency_ms),
                  sweep::Fixed(p.regret_pct, 1)});
    }
    md += "## Regret\n\n";
    md += regret.empty()
              ? std::string(
                    "No fixed cuts were measured under the policies' conditions (run the sweep "
                    "with --cuts points and --compare into the same file to get regret).\n\n")
              : "Each policy's latency against the fastest fixed cut measured under the same "
                "condition (negative: within measurement noise, or a cut the fixed list did "
                "not include).\n\n" +
                    regret.Render() + "\n";
  }

  // Tables for the `measured` policy, one per model.
  md += "## Tables for the `measured` policy\n\n";
  for (const std::string& model : models) {
    std::string table = "point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms\n";
    int n = 0;
    for (const SweepRow& r : rows) {
      if (r.model != model || r.kind != "cut" || !std::isfinite(r.latency_ms)) continue;
      char line[512];
      std::snprintf(line, sizeof(line), "%s,%g,%g,%g,%.3f\n", r.point.c_str(), r.bandwidth_mbps,
                    r.cpu_stress, r.mem_stress, r.latency_ms);
      table += line;
      ++n;
    }
    if (n == 0) continue;
    const std::string name = "measured-" + Slug(model) + ".csv";
    if (!write(name, table)) return ReportError(kCommand, status);
    md += "* `" + name + "` (" + std::to_string(n) + " rows): `seam edge " + model +
          ".seam ... --policy measured --policy-opt table=" + name + "`\n";
  }
  md += "\n";
  if (!write("summary.md", md)) return ReportError(kCommand, status);

  if (json) {
    std::string out;
    JsonWriter w(&out, /*pretty=*/false);
    w.BeginObject();
    w.Field("rows", static_cast<int64_t>(rows.size()));
    w.Key("files");
    w.BeginArray();
    for (const std::string& f : written) w.String(f);
    w.EndArray();
    w.EndObject();
    std::printf("%s\n", out.c_str());
  } else {
    std::printf("%s: %zu row(s) from %s; wrote %zu file(s) to %s (summary.md and figures)\n",
                kCommand, rows.size(), input.c_str(), written.size(), out_dir.c_str());
  }
  return kExitOk;
}

}  // namespace seam::cli
