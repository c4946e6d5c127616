// `seam sweep FILE... -o RESULTS.csv [--cpu-stress L] [--mem-stress L]
// [--link L] [--cuts points|all|none|LIST] [--compare POLICIES] [--runs N]`:
// measures the real end-to-end latency of split runs for every cut (or every
// policy's own choice) under every combination of edge CPU stress, edge
// memory stress and emulated link, the way the adaptive-DNN study did (its
// section III) and DADS compared policies (Figs. 12-16).
//
// Each cell is a real `seam edge` process (this same binary) streaming
// frames to a real `seam serve` process over loopback TCP through the shaped
// link; the edge and its stressors are pinned to one CPU and the server to
// another. Rows are appended and fsynced per cell, so Ctrl-C leaves a valid
// CSV and a rerun skips the cells already in it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "plugins/plugin_library.h"
#include "seam/cut.h"
#include "seam/model.h"
#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#include "tools/json_reader.h"
#include "tools/json_writer.h"
#include "tools/sweep/child_process.h"
#include "tools/sweep/stress.h"
#include "tools/sweep/sweep_analysis.h"
#include "tools/sweep/sweep_csv.h"
#include "tools/sweep/sweep_grid.h"
#include "tools/units.h"

namespace seam::cli {
namespace {

using sweep::ChildProcess;
using sweep::CutPoint;
using sweep::LinkSpec;
using sweep::SweepRow;
using Clock = std::chrono::steady_clock;

constexpr char kCommand[] = "seam sweep";

volatile sig_atomic_t g_interrupted = 0;
void OnInterrupt(int) { g_interrupted = 1; }

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// "1h02m", "3m05s", "42s"
std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof(buf), "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%lds", s);
  }
  return buf;
}

std::string UtcNow() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string CpuList(const std::vector<int>& cpus) {
  if (cpus.empty()) return "any";
  std::string s;
  for (int c : cpus) s += (s.empty() ? "" : " ") + std::to_string(c);
  return s;
}

// A loopback TCP port nobody listens on right now.
int FreeTcpPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// The progress line on stderr: cells done of total, elapsed, time left.
class Progress {
 public:
  Progress(bool enabled, int total, int skipped)
      : enabled_(enabled), total_(total), done_(skipped), skipped_(skipped) {}

  void Start(const std::string& label) {
    label_ = label;
    Draw();
  }
  void Done(double cell_seconds) {
    ++done_;
    ++measured_;
    measured_s_ += cell_seconds;
    Draw();
  }
  void Failed() {
    ++done_;
    Draw();
  }
  // Redraws at most four times a second (elapsed time moves on).
  void Tick() {
    if (SecondsSince(last_draw_) >= 0.25) Draw();
  }
  void Finish() {
    if (enabled_ && drawn_) std::fprintf(stderr, "\n");
    drawn_ = false;
  }
  // A message above the bar.
  void Note(const std::string& text) {
    if (enabled_ && drawn_) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "%s\n", text.c_str());
    if (enabled_ && drawn_) Draw();
  }
  double elapsed() const { return SecondsSince(start_); }

 private:
  void Draw() {
    if (!enabled_) return;
    last_draw_ = Clock::now();
    constexpr int kWidth = 24;
    const int filled = total_ > 0 ? kWidth * done_ / total_ : kWidth;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    const int left_cells = total_ - done_;
    const double left_s = measured_ > 0 ? measured_s_ / measured_ * left_cells : NAN;
    char head[160];
    std::snprintf(head, sizeof(head), "[%s] %d/%d cells", bar.c_str(), done_, total_);
    std::string line = head;
    if (skipped_ > 0) line += " (" + std::to_string(skipped_) + " skipped)";
    line += ", " + FormatDuration(elapsed()) + " elapsed, ";
    line += left_cells == 0 ? std::string("done") : "~" + FormatDuration(left_s) + " left";
    if (!label_.empty()) line += " | " + label_;
    if (line.size() > 150) line = line.substr(0, 147) + "...";
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }

  bool enabled_;
  int total_, done_, skipped_;
  int measured_ = 0;
  double measured_s_ = 0;
  std::string label_;
  bool drawn_ = false;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_;
};

struct ModelJob {
  std::string path, name, hash, topology;
  std::unique_ptr<Model> model;
  std::vector<CutPoint> cuts;
  int64_t max_boundary = 0;  // largest boundary over every partition point and the input
};

// One cell to measure: a fixed cut, or a policy's own choice.
struct Cell {
  const ModelJob* job = nullptr;
  double cpu = 0, mem = 0;
  const LinkSpec* link = nullptr;
  const CutPoint* cut = nullptr;  // null for a policy cell
  std::string policy;             // "fixed" for a cut cell
  SweepRow row;                   // identity fields filled in; Key() is the cell's key
  std::string Label() const {
    char buf[96];
    std::snprintf(buf, sizeof(buf), " cpu %g%% mem %g%% %s ", cpu, mem, link->label.c_str());
    return job->name + buf + (cut != nullptr ? "cut " + cut->name : "policy " + policy);
  }
};

struct Settings {
  std::vector<double> cpu_levels, mem_levels;
  std::vector<LinkSpec> links;
  std::vector<std::string> policies;
  int runs = 5, warmup = 3;
  double slowdown = 1;
  double max_cell_s = 120;
  uint64_t mem_cap = 2ull << 30;
  std::string backend = "auto";
  std::string connect;  // an existing server instead of spawning one
  std::vector<int> edge_cpus, server_cpus;
  std::string work_dir;
  std::string self;
};

double Median(std::vector<double> v) { return cli::Median(std::move(v)); }

// Where the interrupted / failed / measured state of a cell ends up.
enum class CellOutcome { kMeasured, kFailed, kInterrupted };

// A line of the edge's stdout and when the sweep read it.
struct TimedLine {
  std::string text;
  double at_s = 0;
};

// Parses the edge's NDJSON output into a row's statistics. For a policy cell
// the statistics are over the frames that used its most frequent cut (the
// one it settled on); the first `warmup` frames are dropped when enough
// remain.

Status Summarise(const std::vector<TimedLine>& lines, const Cell& cell, const Settings& settings,
                 SweepRow* row) {
  std::vector<JsonValue> frames;
  std::vector<double> frame_at;
  JsonValue summary;
  bool have_summary = false;
  int recut_events = 0;
  for (const TimedLine& line : lines) {
    if (line.text.empty() || line.text[0] != '{') continue;
    JsonValue v;
    if (!ParseJson(line.text, &v).ok()) continue;
    const std::string event = v.Get("event").string;
    if (event == "frame") {
      frames.push_back(std::move(v));
      frame_at.push_back(line.at_s);
    } else if (event == "summary") {
      summary = std::move(v);
      have_summary = true;
    } else if (event == "recut") {
      ++recut_events;
    }
  }
  if (frames.empty()) return Internal("the edge finished no frame");
  const size_t skip = frames.size() > static_cast<size_t>(settings.warmup)
                          ? static_cast<size_t>(settings.warmup)
                          : 0;
  std::vector<const JsonValue*> measured;
  for (size_t i = skip; i < frames.size(); ++i) measured.push_back(&frames[i]);
  // The cut the frames settled on: the most frequent label.
  std::map<std::string, int> counts;
  for (const JsonValue* f : measured) ++counts[f->Get("cut").string];
  std::string chosen;
  int most = 0;
  for (const JsonValue* f : measured) {  // first-seen wins ties
    const int c = counts[f->Get("cut").string];
    if (c > most) {
      most = c;
      chosen = f->Get("cut").string;
    }
  }
  std::vector<double> latency, pipelined, edge, link, server, sent;
  int fallbacks = 0, edge_nodes = 0;
  for (const JsonValue* f : measured) {
    if (f->Get("fallback").number != 0) ++fallbacks;
    if (f->Get("cut").string != chosen) continue;
    const double e = f->Get("edge_ms").number, l = f->Get("link_ms").number,
                 s = f->Get("server_ms").number, local = f->Get("local_ms").number;
    latency.push_back(e + l + s + local);
    pipelined.push_back(f->Get("latency_ms").number);
    edge.push_back(e);
    link.push_back(l);
    server.push_back(s);
    sent.push_back(f->Get("sent_bytes").number);
    edge_nodes = static_cast<int>(f->Get("edge_nodes").number);
  }
  row->frames = static_cast<int>(latency.size());
  row->latency_ms = Median(latency);
  row->latency_p90_ms = Percentile(latency, 90);
  double sum = 0;
  for (double v : latency) sum += v;
  row->latency_mean_ms = sum / static_cast<double>(latency.size());
  row->pipelined_ms = Median(pipelined);
  row->edge_ms = Median(edge);
  row->link_ms = Median(link);
  row->server_ms = Median(server);
  row->sent_bytes = static_cast<int64_t>(Median(sent));
  row->fallbacks = fallbacks;
  row->cuts_seen = static_cast<int>(counts.size());
  row->chosen_cut = chosen;
  row->edge_nodes = edge_nodes;
  row->recuts = std::max(0, recut_events - 1);  // the first event is the initial plan
  // Throughput: frames are released back to back and finish in order, so
  // the steady rate is the measured frames over the time between the first
  // and the last of them leaving the pipeline (read off the edge's stdout as
  // each frame line arrives). With a single measured frame, the edge's own
  // frames / wall time (which includes filling the pipeline).
  if (frames.size() - skip >= 2 && frame_at.back() > frame_at[skip]) {
    row->frames_per_s =
        static_cast<double>(frames.size() - skip - 1) / (frame_at.back() - frame_at[skip]);
  } else {
    row->frames_per_s = have_summary ? summary.Get("frames_per_s").number : NAN;
  }
  if (cell.cut == nullptr) {
    // Name the policy's cut as a point when it is one.
    const Graph& g = cell.job->model->graph();
    std::string point = chosen;
    if (chosen == "edge only") {
      point = "all";
    } else if (chosen == "server only") {
      point = "input";
    } else if (chosen.rfind("after ", 0) == 0) {
      const std::string node = chosen.substr(6, chosen.find(" (") - 6);
      Cut cut;
      if (CutAfterNode(g, node, &cut).ok() && static_cast<int>(cut.edge_nodes.size()) == edge_nodes)
        point = node;
    }
    row->point = point;
    row->cut_index = -1;
    for (const CutPoint& c : cell.job->cuts) {
      if (c.name == point) row->cut_index = c.index;
    }
    if (row->cut_index < 0) {
      std::vector<CutPoint> points;
      if (sweep::ListCuts(g, "points", 0, &points).ok()) {
        for (const CutPoint& c : points) {
          if (c.name == point) row->cut_index = c.index;
        }
      }
    }
    Cut cut;
    if (point == "input") {
      row->boundary_bytes = CutBoundaryBytes(g, cut);
    } else if (point != "all" && CutAfterNode(g, point, &cut).ok()) {
      row->boundary_bytes = CutBoundaryBytes(g, cut);
    } else {
      row->boundary_bytes = point == "all" ? 0 : row->sent_bytes;
    }
  }
  return Status::Ok();
}

// Runs one cell: a `seam edge` process to completion (or to the cell's time
// budget), then its statistics.
CellOutcome RunCell(const Cell& cell, const Settings& settings, const std::string& endpoint,
                    const std::string& edge_profile, Progress* progress, SweepRow* row,
                    std::string* error) {
  const ModelJob& job = *cell.job;
  const LinkSpec& link = *cell.link;
  std::vector<std::string> args = {"edge",
                                   job.path,
                                   "--connect",
                                   endpoint,
                                   "--json",
                                   "--synthetic",
                                   std::to_string(settings.warmup + settings.runs),
                                   "--threads",
                                   "1",
                                   "--backend",
                                   settings.backend,
                                   "--wait",
                                   "60s"};
  char number[64];
  std::snprintf(number, sizeof(number), "%g", settings.slowdown);
  args.insert(args.end(), {"--edge-slowdown", number});
  // Frames wait for the server as long as the link needs for the largest
  // boundary (3x, plus 10 s of compute headroom): a slow link must not turn
  // a split run into a local fallback.
  const int64_t bytes = (cell.cut != nullptr ? cell.cut->boundary_bytes : job.max_boundary) + 4096;
  const double transfer_ms =
      static_cast<double>(bytes) * 8 / (link.bandwidth_mbps * 1e6) * 1000 + link.rtt_ms;
  const double timeout_ms = std::clamp(3 * transfer_ms + 10000, 2000.0, 3600000.0);
  // seam edge takes at most 600 s as the least wait and 3600 s as the most.
  std::snprintf(number, sizeof(number), "%.0f", std::min(timeout_ms, 600000.0));
  args.insert(args.end(), {"--timeout-ms", number});
  std::snprintf(number, sizeof(number), "%.0f", timeout_ms);
  args.insert(args.end(), {"--max-timeout-ms", number});
  if (!link.edge_arg.empty()) {
    args.insert(args.end(), {"--link", link.edge_arg});
  } else {
    const std::string trace = settings.work_dir + "/link_" + link.label + ".csv";
    const std::string text = sweep::ConstantTraceText(link);
    const Status s = WriteFileAtomically(trace, text.data(), text.size());
    if (!s.ok()) {
      *error = s.ToString();
      return CellOutcome::kFailed;
    }
    args.insert(args.end(), {"--link", "trace:" + trace});
  }
  if (cell.cut != nullptr) {
    // The link monitors would only add probe traffic: the cut is fixed.
    args.insert(args.end(), {"--policy", "fixed", "--policy-opt", "cut=" + cell.cut->name,
                             "--monitor", "cpu-load"});
    if (!edge_profile.empty()) args.insert(args.end(), {"--edge-profile", edge_profile});
  } else {
    args.insert(args.end(), {"--policy", cell.policy});
  }
  const std::string err_path = settings.work_dir + "/edge.err";
  ChildProcess edge;
  Status s = edge.Start(settings.self, args, /*stdout_path=*/"", err_path, settings.edge_cpus);
  if (!s.ok()) {
    *error = s.ToString();
    return CellOutcome::kFailed;
  }
  const Clock::time_point start = Clock::now();
  bool over_budget = false;
  std::vector<TimedLine> lines;
  std::string pending;
  // Reads what the edge printed so far; each complete line gets the time it
  // was read. Returns false at EOF.
  auto drain = [&](int wait_ms) {
    pollfd p{edge.stdout_fd(), POLLIN, 0};
    if (poll(&p, 1, wait_ms) <= 0) return true;
    char buf[65536];
    for (;;) {
      const ssize_t n = read(edge.stdout_fd(), buf, sizeof(buf));
      if (n == 0) return false;
      if (n < 0) return errno == EAGAIN || errno == EINTR;
      const double at = SecondsSince(start);
      pending.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        lines.push_back({pending.substr(0, nl), at});
        pending.erase(0, nl + 1);
      }
    }
  };
  bool open = true;
  while (open) {
    if (g_interrupted) {
      edge.Kill();
      return CellOutcome::kInterrupted;
    }
    if (SecondsSince(start) > settings.max_cell_s) {
      // Keep the frames that finished: a very slow cell (server only over
      // CAT1) gets fewer frames instead of hours.
      edge.Kill();
      over_budget = true;
      break;
    }
    progress->Tick();
    open = drain(20);
  }
  if (!over_budget) edge.Wait(30);
  if (edge.Running()) {
    edge.Kill();
    over_budget = true;
  }
  if (!over_budget && edge.exit_code() != 0) {
    *error = "seam edge " + edge.Describe() + ": " + sweep::TailOfFile(err_path, 600);
    return CellOutcome::kFailed;
  }
  s = Summarise(lines, cell, settings, row);
  if (!s.ok()) {
    *error = s.message() + (over_budget ? " within --max-cell-s" : "") + "; seam edge " +
             edge.Describe() + ": " + sweep::TailOfFile(err_path, 600);
    return CellOutcome::kFailed;
  }
  if (cell.cut != nullptr && row->fallbacks > 0) {
    *error = std::to_string(row->fallbacks) +
             " frame(s) finished on the edge after the server did not answer: not a clean "
             "measurement of cut " +
             cell.cut->name;
    return CellOutcome::kFailed;
  }
  return CellOutcome::kMeasured;
}

// A `seam serve` child on the server CPUs; waits for its ready line.
Status StartServer(const ModelJob& job, const Settings& settings, ChildProcess* server,
                   std::string* endpoint) {
  const int port = FreeTcpPort();
  if (port == 0) return IoError("no free loopback TCP port for the server");
  *endpoint = "tcp://127.0.0.1:" + std::to_string(port);
  const std::string out = settings.work_dir + "/serve.out", err = settings.work_dir + "/serve.err";
  SEAM_RETURN_IF_ERROR(server->Start(settings.self,
                                     {"serve", job.path, "--bind", *endpoint, "--json", "--workers",
                                      "1", "--threads", "1", "--backend", settings.backend},
                                     out, err, settings.server_cpus));
  const Clock::time_point start = Clock::now();
  while (SecondsSince(start) < 600) {
    std::ifstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("\"event\":\"ready\"") != std::string::npos) return Status::Ok();
    }
    if (!server->Running()) {
      return Internal("seam serve " + server->Describe() + ": " + sweep::TailOfFile(err, 600));
    }
    if (g_interrupted) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  server->Kill();
  return Internal("seam serve was not ready after 600 s");
}

// `seam profile` of the model on the edge CPU, once per model: fixed-cut
// edges read it instead of profiling themselves in every cell (the fixed
// policy ignores latencies, so only start-up time changes).
Status ProfileEdge(const ModelJob& job, const Settings& settings, std::string* path) {
  *path = settings.work_dir + "/" + job.name + ".edge-profile.json";
  ChildProcess p;
  const std::string out = settings.work_dir + "/profile.out",
                    err = settings.work_dir + "/profile.err";
  SEAM_RETURN_IF_ERROR(
      p.Start(settings.self,
              {"profile", job.path, "--threads", "1", "--backend", settings.backend, "-o", *path},
              out, err, settings.edge_cpus));
  while (p.Running()) {
    if (g_interrupted) {
      p.Kill();
      return Status::Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (p.exit_code() != 0)
    return Internal("seam profile " + p.Describe() + ": " + sweep::TailOfFile(err, 600));
  return Status::Ok();
}

std::string HashPrefix(const Model& model) {
  return ContentHashHex(model.content_hash()).substr(0, 16);
}

// The text tables printed at the end: best cut per condition, and the
// policy comparison when there are policy rows.
void PrintTables(const std::vector<SweepRow>& rows) {
  const std::vector<const SweepRow*> best = sweep::BestCuts(rows);
  if (!best.empty()) {
    std::printf("\nbest measured cut per condition (median end-to-end latency):\n");
    TextTable t(
        {"model", "cpu", "mem", "link", "best cut", "edge nodes", "latency ms", "edge-only ms",
         "server-only ms"},
        {TextTable::kLeft, TextTable::kRight, TextTable::kRight, TextTable::kLeft, TextTable::kLeft,
         TextTable::kRight, TextTable::kRight, TextTable::kRight, TextTable::kRight});
    for (const SweepRow* b : best) {
      std::string all = "-", input = "-";
      for (const SweepRow& r : rows) {
        if (r.kind != "cut" || sweep::ConditionKey(r) != sweep::ConditionKey(*b)) continue;
        if (r.point == "all") all = sweep::FormatLatency(r.latency_ms);
        if (r.point == "input") input = sweep::FormatLatency(r.latency_ms);
      }
      char cpu[16], mem[16];
      std::snprintf(cpu, sizeof(cpu), "%g%%", b->cpu_stress);
      std::snprintf(mem, sizeof(mem), "%g%%", b->mem_stress);
      t.AddRow({b->model, cpu, mem, b->link, b->point, std::to_string(b->edge_nodes),
                sweep::FormatLatency(b->latency_ms), all, input});
    }
    std::printf("%s", t.Render().c_str());
  }
  const std::vector<sweep::PolicyResult> compare = sweep::ComparePolicies(rows);
  if (!compare.empty()) {
    std::printf(
        "\npolicies (latency: median end-to-end ms of the cut the policy settled on; speedup and "
        "throughput gain vs edge-only; regret vs the best measured fixed cut):\n");
    TextTable t({"model", "link", "cpu", "mem", "policy", "cut", "latency ms", "speedup",
                 "frames/s", "tput gain", "regret %"},
                {TextTable::kLeft, TextTable::kLeft, TextTable::kRight, TextTable::kRight,
                 TextTable::kLeft, TextTable::kLeft, TextTable::kRight, TextTable::kRight,
                 TextTable::kRight, TextTable::kRight, TextTable::kRight});
    for (const sweep::PolicyResult& p : compare) {
      const SweepRow& r = *p.row;
      char cpu[16], mem[16];
      std::snprintf(cpu, sizeof(cpu), "%g%%", r.cpu_stress);
      std::snprintf(mem, sizeof(mem), "%g%%", r.mem_stress);
      t.AddRow({r.model, r.link, cpu, mem, r.policy, r.point, sweep::FormatLatency(r.latency_ms),
                sweep::Fixed(p.latency_speedup, 2), sweep::Fixed(r.frames_per_s, 2),
                sweep::Fixed(p.throughput_gain, 2), sweep::Fixed(p.regret_pct, 1)});
    }
    std::printf("%s", t.Render().c_str());
  }
}

void WriteJsonSummary(const std::vector<SweepRow>& rows, const std::string& csv, int cells,
                      int measured, int skipped, int failed, bool interrupted, double elapsed_s,
                      const Settings& settings) {
  std::string out;
  JsonWriter w(&out, /*pretty=*/false);
  w.BeginObject();
  w.Field("event", "summary");
  w.Field("csv", csv);
  w.Field("cells", cells);
  w.Field("measured", measured);
  w.Field("skipped", skipped);
  w.Field("failed", failed);
  w.Field("interrupted", interrupted);
  w.Field("elapsed_s", elapsed_s);
  w.Field("edge_cpus", CpuList(settings.edge_cpus));
  w.Field("server_cpus", CpuList(settings.server_cpus));
  w.Field("edge_slowdown", settings.slowdown);
  w.Key("best");
  w.BeginArray();
  for (const SweepRow* b : sweep::BestCuts(rows)) {
    w.BeginObject();
    w.Field("model", b->model);
    w.Field("cpu_stress", b->cpu_stress);
    w.Field("mem_stress", b->mem_stress);
    w.Field("link", b->link);
    w.Field("point", b->point);
    w.Field("edge_nodes", b->edge_nodes);
    w.Field("latency_ms", b->latency_ms);
    w.EndObject();
  }
  w.EndArray();
  w.Key("compare");
  w.BeginArray();
  for (const sweep::PolicyResult& p : sweep::ComparePolicies(rows)) {
    w.BeginObject();
    w.Field("model", p.row->model);
    w.Field("link", p.row->link);
    w.Field("cpu_stress", p.row->cpu_stress);
    w.Field("mem_stress", p.row->mem_stress);
    w.Field("policy", p.row->policy);
    w.Field("point", p.row->point);
    w.Field("latency_ms", p.row->latency_ms);
    w.Field("frames_per_s", p.row->frames_per_s);
    w.Field("latency_speedup", p.latency_speedup);
    w.Field("throughput_gain", p.throughput_gain);
    w.Field("regret_pct", p.regret_pct);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  std::printf("%s\n", out.c_str());
}

}  // namespace

int SweepMain(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  std::string output, cpu_text = "0,45,90", mem_text = "0", link_text = "10,50Mbit",
                      cuts_mode = "points", compare_text, slowdown_text = "1",
                      mem_cap_text = "2GiB", max_cell_text = "120s", backend = "auto", connect;
  int64_t runs = 5, warmup = 3, max_cuts = 0;
  bool json = false, progress_flag = false, no_pin = false, verbose = false;
  ArgParser parser(
      kCommand,
      "Measure the real end-to-end latency of split runs (a seam serve and a seam edge process, "
      "loopback TCP through an emulated link) for every cut, or every policy's own choice, under "
      "every combination of edge CPU stress, edge memory stress and link; append one CSV row per "
      "cell. A rerun with the same -o skips the cells already there.");
  std::string first_file;
  parser.AddPositional("FILE", "the .seam model(s) to sweep", &first_file);
  parser.SetExtraPositionals(&files);
  parser.AddString("output", 'o', "RESULTS.csv", "the results file (created, or resumed)", &output);
  parser.AddString("cpu-stress", 0, "LIST",
                   "edge CPU stress levels in %, e.g. 0,22,45,67,90 (0 with --compare)", &cpu_text);
  parser.AddString("mem-stress", 0, "LIST", "edge memory stress levels in %, e.g. 0,45,90",
                   &mem_text);
  parser.AddString("link", 'l', "LIST",
                   "links: rates (10,25,37.5,50Mbit) and/or profiles (cat1,3g,4g,wifi)",
                   &link_text);
  parser.AddString("cuts", 0, "MODE",
                   "points (partition points), all (every node), none, or a list of node names "
                   "(input = server only, all = edge only); none when --compare is given",
                   &cuts_mode);
  parser.AddInt("max-cuts", 0, "N", "measure at most N cuts per model, evenly spaced (0 = all)",
                &max_cuts, 0, 100000);
  parser.AddString("compare", 0, "POLICIES",
                   "also run these policies and keep the cut each settles on, e.g. "
                   "edge-only,server-only,neurosurgeon,dads-light,dads-heavy",
                   &compare_text);
  parser.AddInt("runs", 'n', "N", "measured frames per cell", &runs, 1, 100000);
  parser.AddInt("warmup", 0, "N", "frames per cell dropped before measuring", &warmup, 0, 1000);
  parser.AddString("edge-slowdown", 0, "F",
                   "emulate an edge device F times slower than this machine (seam edge)",
                   &slowdown_text);
  parser.AddString("mem-cap", 0, "SIZE", "memory stress X% holds X% of min(available memory, SIZE)",
                   &mem_cap_text);
  parser.AddString("max-cell-s", 0, "T",
                   "time budget of one cell; a slower cell keeps the frames it finished",
                   &max_cell_text);
  parser.AddString("backend", 'b', "NAME", "backend of both ends (seam edge/serve --backend)",
                   &backend);
  parser.AddString("connect", 'c', "ENDPOINT",
                   "use this running seam serve (one model) instead of starting one", &connect);
  parser.AddBool("no-pin", 0, "do not pin the edge and the server to separate CPUs", &no_pin);
  parser.AddBool("progress", 0, "draw the progress bar even when stderr is not a terminal",
                 &progress_flag);
  parser.AddBool("json", 0, "print the summary as one JSON object", &json);
  parser.AddBool("verbose", 'v', "log at INFO level", &verbose);
  parser.SetEpilog(
      "Examples:\n"
      "  seam sweep r18.seam -o r18.csv                    # default grid: cpu 0,45,90; mem 0;\n"
      "                                                    # 10,50Mbit; partition points; 5 runs\n"
      "  seam sweep r18.seam --cpu-stress 0,22,45,67,90 --mem-stress 0,22,45,67,90 \\\n"
      "      --link 10,25,37.5,50Mbit -o r18-full.csv     # the adaptive-DNN study's full grid\n"
      "  seam sweep r18.seam --compare edge-only,server-only,neurosurgeon,dads-light,dads-heavy "
      "\\\n"
      "      --link cat1,3g,4g,wifi -o r18.csv            # DADS Figs. 12-16\n"
      "  seam report r18.csv -o r18-report/");
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
  if (verbose) SetVerbose(true);
  if (!first_file.empty()) files.insert(files.begin(), first_file);
  if (files.empty() || output.empty()) {
    std::fprintf(stderr, "%s: give at least one FILE.seam and -o RESULTS.csv\n", kCommand);
    return kExitUsage;
  }
  Settings settings;
  settings.runs = static_cast<int>(runs);
  settings.warmup = static_cast<int>(warmup);
  settings.backend = backend;
  settings.connect = connect;
  Status status = sweep::ParsePercentList(cpu_text, "--cpu-stress", &settings.cpu_levels);
  if (status.ok()) status = sweep::ParsePercentList(mem_text, "--mem-stress", &settings.mem_levels);
  if (status.ok()) status = sweep::ParseLinkList(link_text, &settings.links);
  double max_cell_ms = 0;
  if (status.ok()) {
    // A bare number is seconds here (the flag says so), unlike ParseDurationMs.
    char* end = nullptr;
    std::strtod(max_cell_text.c_str(), &end);
    const bool bare = end != max_cell_text.c_str() && *end == '\0';
    status = ParseDurationMs(bare ? max_cell_text + "s" : max_cell_text, &max_cell_ms);
  }
  if (status.ok() && !(max_cell_ms >= 1000))
    status = InvalidArgument("--max-cell-s must be at least 1s, got '" + max_cell_text + "'");
  settings.max_cell_s = max_cell_ms / 1000;
  if (status.ok()) {
    char* end = nullptr;
    settings.slowdown = std::strtod(slowdown_text.c_str(), &end);
    if (*end != '\0' || !(settings.slowdown >= 1) || settings.slowdown > 1e4)
      status = InvalidArgument("--edge-slowdown wants a factor >= 1, got '" + slowdown_text + "'");
  }
  if (status.ok()) {
    // "2GiB", "512MiB", or bytes.
    char* end = nullptr;
    const double v = std::strtod(mem_cap_text.c_str(), &end);
    const std::string unit = end;
    double scale = 0;
    if (unit.empty() || unit == "B") scale = 1;
    if (unit == "KiB") scale = 1024.0;
    if (unit == "MiB") scale = 1024.0 * 1024;
    if (unit == "GiB") scale = 1024.0 * 1024 * 1024;
    if (end == mem_cap_text.c_str() || scale == 0 || !(v > 0)) {
      status = InvalidArgument("--mem-cap wants a size such as 2GiB or 512MiB, got '" +
                               mem_cap_text + "'");
    }
    settings.mem_cap = static_cast<uint64_t>(v * scale);
  }
  if (status.ok() && !compare_text.empty()) {
    for (const std::string& p : sweep::SplitList(compare_text)) {
      if (p.empty()) {
        status = InvalidArgument("--compare has an empty policy name in '" + compare_text + "'");
        break;
      }
      if (std::find(settings.policies.begin(), settings.policies.end(), p) !=
          settings.policies.end()) {
        status = InvalidArgument("--compare lists " + p + " twice");
        break;
      }
      std::shared_ptr<PluginLibrary> library;
      const Status found =
          PluginLibrary::OpenByName(p, SEAM_PLUGIN_KIND_POLICY, DefaultPluginHost(), &library);
      if (!found.ok()) {
        status = InvalidArgument("--compare: " + found.message());
        break;
      }
      settings.policies.push_back(p);
    }
    // A policy comparison is about links: no stress and no fixed cuts unless asked.
    if (status.ok() && !parser.Seen("cuts")) cuts_mode = "none";
    if (status.ok() && !parser.Seen("cpu-stress")) settings.cpu_levels = {0};
  }
  if (status.ok() && !connect.empty() && files.size() != 1)
    status = InvalidArgument("--connect serves one model: give exactly one FILE");
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", kCommand, status.message().c_str());
    return kExitUsage;
  }

  // Models and their cuts.
  std::vector<std::unique_ptr<ModelJob>> jobs;
  std::set<std::string> names;
  for (const std::string& path : files) {
    auto job = std::make_unique<ModelJob>();
    job->path = std::filesystem::absolute(path).string();
    status = LoadModel(path, &job->model);
    if (!status.ok()) return ReportError(kCommand, status);
    job->name = std::filesystem::path(path).stem().string();
    if (!names.insert(job->name).second) {
      return ReportError(kCommand, "two models are named '" + job->name +
                                       "' (the CSV tells models apart by file name)");
    }
    job->hash = HashPrefix(*job->model);
    const Graph& g = job->model->graph();
    job->topology = sweep::Topology(g);
    status = sweep::ListCuts(g, cuts_mode, static_cast<int>(max_cuts), &job->cuts);
    if (!status.ok()) {
      std::fprintf(stderr, "%s: %s: %s\n", kCommand, path.c_str(), status.message().c_str());
      return kExitUsage;
    }
    std::vector<CutPoint> points;
    status = sweep::ListCuts(g, "points", 0, &points);
    if (!status.ok()) return ReportError(kCommand, status);
    for (const CutPoint& c : points)
      job->max_boundary = std::max(job->max_boundary, c.boundary_bytes);
    jobs.push_back(std::move(job));
  }
  if (std::all_of(jobs.begin(), jobs.end(), [](const auto& j) { return j->cuts.empty(); }) &&
      settings.policies.empty()) {
    std::fprintf(stderr, "%s: nothing to measure (--cuts none and no --compare)\n", kCommand);
    return kExitUsage;
  }

  // Pinning: the edge (and its stressors) on the first allowed CPU, the
  // server on the second, when there are two.
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
    }
  }
  if (!no_pin && cpus.size() >= 2) {
    settings.edge_cpus = {cpus[0]};
    settings.server_cpus = {cpus[1]};
  }
  settings.self = sweep::SelfExecutable();
  if (settings.self.empty()) return ReportError(kCommand, "cannot resolve /proc/self/exe");

  std::unique_ptr<sweep::SweepCsv> csv;
  status = sweep::SweepCsv::Open(output, &csv);
  if (!status.ok()) return ReportError(kCommand, status);

  // Every cell, in run order: model, CPU stress, memory stress, link, cut.
  std::vector<Cell> cells;
  for (const auto& job : jobs) {
    for (double cpu : settings.cpu_levels) {
      for (double mem : settings.mem_levels) {
        for (const LinkSpec& link : settings.links) {
          auto add = [&](const CutPoint* cut, const std::string& policy) {
            Cell c;
            c.job = job.get();
            c.cpu = cpu;
            c.mem = mem;
            c.link = &link;
            c.cut = cut;
            c.policy = policy;
            SweepRow& r = c.row;
            r.kind = cut != nullptr ? "cut" : "policy";
            r.model = job->name;
            r.model_hash = job->hash;
            r.topology = job->topology;
            r.cpu_stress = cpu;
            r.mem_stress = mem;
            r.link = link.label;
            r.bandwidth_mbps = link.bandwidth_mbps;
            r.rtt_ms = link.rtt_ms;
            r.policy = policy;
            if (cut != nullptr) {
              r.point = cut->name;
              r.cut_index = cut->index;
              r.edge_nodes = cut->edge_nodes;
              r.boundary_bytes = cut->boundary_bytes;
            }
            r.slowdown = settings.slowdown;
            r.edge_cpus = CpuList(settings.edge_cpus);
            r.server_cpus = settings.connect.empty() ? CpuList(settings.server_cpus) : "remote";
            cells.push_back(std::move(c));
          };
          for (const CutPoint& cut : job->cuts) add(&cut, "fixed");
          for (const std::string& p : settings.policies) add(nullptr, p);
        }
      }
    }
  }
  int skipped = 0;
  for (const Cell& c : cells) skipped += csv->Has(c.row.Key()) ? 1 : 0;
  const int total = static_cast<int>(cells.size());

  // A private work directory for the children's output files and traces.
  char work_template[] = "/tmp/seam-sweep.XXXXXX";
  if (mkdtemp(work_template) == nullptr)
    return ReportError(kCommand, "cannot create a work directory in /tmp");
  settings.work_dir = work_template;
  struct WorkDirCleanup {
    std::string path;
    ~WorkDirCleanup() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } cleanup{settings.work_dir};

  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);

  const bool tty = isatty(STDERR_FILENO) != 0;
  Progress progress(progress_flag || tty, total, skipped);
  if (!json) {
    std::fprintf(stderr,
                 "%s: %d cell(s) (%d already in %s); edge on CPU %s, server on CPU %s, edge "
                 "slowdown x%g\n",
                 kCommand, total, skipped, output.c_str(), CpuList(settings.edge_cpus).c_str(),
                 CpuList(settings.server_cpus).c_str(), settings.slowdown);
  }
  int measured = 0, failed = 0;
  bool interrupted = false;
  std::string fatal;
  size_t i = 0;
  while (i < cells.size() && !interrupted && fatal.empty()) {
    const ModelJob* job = cells[i].job;
    size_t end = i;
    while (end < cells.size() && cells[end].job == job) ++end;
    bool todo = false;
    for (size_t k = i; k < end; ++k) todo = todo || !csv->Has(cells[k].row.Key());
    if (!todo) {
      i = end;
      continue;
    }
    ChildProcess server;
    std::string endpoint = settings.connect;
    if (endpoint.empty()) {
      progress.Start(job->name + ": starting seam serve");
      status = StartServer(*job, settings, &server, &endpoint);
      if (!status.ok()) {
        fatal = status.ToString();
        break;
      }
    }
    std::string edge_profile;
    if (!job->cuts.empty() && !g_interrupted) {
      progress.Start(job->name + ": profiling the edge");
      status = ProfileEdge(*job, settings, &edge_profile);
      if (!status.ok()) {
        fatal = status.ToString();
        break;
      }
    }
    // One stress condition at a time; its stressors live across its cells.
    size_t k = i;
    while (k < end && fatal.empty()) {
      if (g_interrupted) {
        interrupted = true;
        break;
      }
      size_t stop = k;
      while (stop < end && cells[stop].cpu == cells[k].cpu && cells[stop].mem == cells[k].mem)
        ++stop;
      bool any = false;
      for (size_t c = k; c < stop; ++c) any = any || !csv->Has(cells[c].row.Key());
      if (!any) {
        k = stop;
        continue;
      }
      sweep::StressOptions stress;
      stress.cpu_percent = cells[k].cpu;
      stress.mem_percent = cells[k].mem;
      stress.mem_cap_bytes = settings.mem_cap;
      stress.cpus = settings.edge_cpus;
      std::unique_ptr<sweep::Stressors> stressors;
      progress.Start(cells[k].Label() + ": starting stressors");
      status = sweep::Stressors::Start(stress, &stressors);
      if (!status.ok()) {
        fatal = status.ToString();
        break;
      }
      for (size_t c = k; c < stop; ++c) {
        if (g_interrupted) {
          interrupted = true;
          break;
        }
        const Cell& cell = cells[c];
        if (csv->Has(cell.row.Key())) continue;
        if (settings.connect.empty() && !server.Running()) {
          progress.Note("seam serve " + server.Describe() + "; restarting it: " +
                        sweep::TailOfFile(settings.work_dir + "/serve.err", 300));
          server.Kill();
          status = StartServer(*job, settings, &server, &endpoint);
          if (!status.ok()) {
            fatal = status.ToString();
            break;
          }
        }
        progress.Start(cell.Label());
        const Clock::time_point cell_start = Clock::now();
        SweepRow row = cell.row;
        std::string error;
        const CellOutcome outcome =
            RunCell(cell, settings, endpoint, edge_profile, &progress, &row, &error);
        if (outcome == CellOutcome::kInterrupted) {
          interrupted = true;
          break;
        }
        if (!stressors->AllAlive()) {
          fatal = "a stressor process died during " + cell.Label() +
                  " (out of memory? lower --mem-cap); the cell is not recorded";
          break;
        }
        if (outcome == CellOutcome::kFailed) {
          ++failed;
          progress.Failed();
          progress.Note("failed: " + cell.Label() + ": " + error);
          continue;
        }
        row.mem_stress_bytes = static_cast<int64_t>(stressors->mem_bytes());
        row.finished = UtcNow();
        status = csv->Append(row);
        if (!status.ok()) {
          fatal = status.ToString();
          break;
        }
        ++measured;
        progress.Done(SecondsSince(cell_start));
      }
      stressors->Stop();
      k = stop;
    }
    if (server.started()) server.Stop(5);
    i = end;
    if (g_interrupted) interrupted = true;
  }
  progress.Finish();
  const double elapsed = progress.elapsed();
  // Only the rows of this run's models go into the tables.
  std::vector<SweepRow> rows;
  for (const SweepRow& r : csv->rows()) {
    if (names.count(r.model)) rows.push_back(r);
  }
  if (json) {
    WriteJsonSummary(rows, output, total, measured, skipped, failed, interrupted, elapsed,
                     settings);
  } else {
    std::printf("%s: %d cell(s): %d measured, %d skipped (already in %s), %d failed; %s\n",
                kCommand, total, measured, skipped, output.c_str(), failed,
                FormatDuration(elapsed).c_str());
    if (!interrupted) PrintTables(rows);
  }
  std::fflush(stdout);
  if (!fatal.empty()) return ReportError(kCommand, fatal);
  if (interrupted) {
    std::fprintf(stderr,
                 "%s: interrupted; %s holds every finished cell. Run the same command again to "
                 "resume.\n",
                 kCommand, output.c_str());
    return 128 + SIGINT;
  }
  if (failed > 0) {
    return ReportError(kCommand, std::to_string(failed) +
                                     " cell(s) failed (above); run the same command again to "
                                     "retry them");
  }
  return kExitOk;
}

}  // namespace seam::cli
