// `seam sweep` and `seam report` end to end, on real processes: the sweep
// starts a real `seam serve`, real `seam edge` processes over loopback
// ZeroMQ through the shaped link, and real stressor processes. Checks the
// CSV row by row, resuming, Ctrl-C (SIGINT) mid-run, the report's files,
// the `fixed` policy through `seam plan`, and usage errors.
#include <dirent.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/stream/stream_test_util.h"

namespace seam::stream_test {
namespace {

using cli_test::CliResult;
using cli_test::RunCli;

// A CSV file as header + rows of fields (the sweep quotes nothing in these
// tests: lenet5's node names have no commas). Fails the test on a ragged row.
struct Csv {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  bool complete = true;  // the file ends with a newline
};

Csv ReadCsv(const std::string& path) {
  Csv csv;
  const std::string text = ReadText(path);
  csv.complete = !text.empty() && text.back() == '\n';
  std::istringstream lines(text);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::stringstream s(line);
    std::string f;
    while (std::getline(s, f, ',')) fields.push_back(f);
    if (!line.empty() && line.back() == ',') fields.push_back("");
    if (first) {
      csv.header = fields;
      first = false;
      continue;
    }
    EXPECT_EQ(fields.size(), csv.header.size()) << "ragged row: " << line;
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < fields.size() && i < csv.header.size(); ++i)
      row[csv.header[i]] = fields[i];
    csv.rows.push_back(row);
  }
  return csv;
}

Json ParseLastJsonLine(const std::string& out) {
  std::istringstream lines(out);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] == '{') last = line;
  }
  Json v;
  JsonParser parser(last);
  EXPECT_TRUE(parser.Parse(&v)) << parser.error() << ": " << out;
  return v;
}

// Processes whose command line mentions `needle` (the test's private
// directory: the sweep, its stressors, its server and edges).
std::vector<int> ProcessesMentioning(const std::string& needle) {
  std::vector<int> pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* e = readdir(proc)) {
    const int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    const std::string cmdline = ReadText("/proc/" + std::to_string(pid) + "/cmdline");
    const std::string stat = ReadText("/proc/" + std::to_string(pid) + "/stat");
    const size_t close = stat.rfind(')');
    if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z') continue;
    if (cmdline.find(needle) != std::string::npos) pids.push_back(pid);
  }
  closedir(proc);
  return pids;
}

TEST(SweepCliTest, TinySweepWritesOneRowPerCellAndARerunSkipsThemAll) {
  Workspace ws;
  ws.BuildModel("lenet5", "lenet5.seam");
  const std::vector<std::string> args = {
      "sweep",    "lenet5.seam", "--cpu-stress", "0,40",  "--link",       "50Mbit", "--runs", "2",
      "--warmup", "1",           "-o",           "r.csv", "--max-cell-s", "60",     "--json"};
  auto first = ws.Run("sweep", args, 120);
  ASSERT_EQ(first->exit_code(), 0) << first->Describe();
  const Json summary = ParseLastJsonLine(first->Out());
  // lenet5: server only + 12 partition points before the output + edge only,
  // under 2 conditions.
  const int cuts = 14;
  EXPECT_EQ(summary["cells"].Int(), 2 * cuts);
  EXPECT_EQ(summary["measured"].Int(), 2 * cuts);
  EXPECT_EQ(summary["skipped"].Int(), 0);
  EXPECT_EQ(summary["failed"].Int(), 0);

  const Csv csv = ReadCsv(ws.path("r.csv"));
  EXPECT_TRUE(csv.complete);
  for (const char* column : {"kind", "model", "cpu_stress", "mem_stress", "link", "point",
                             "bandwidth_mbps", "latency_ms", "frames_per_s", "edge_cpus"}) {
    EXPECT_NE(std::find(csv.header.begin(), csv.header.end(), column), csv.header.end()) << column;
  }
  ASSERT_EQ(csv.rows.size(), static_cast<size_t>(2 * cuts));
  std::set<std::string> cells;
  for (const auto& r : csv.rows) {
    EXPECT_EQ(r.at("kind"), "cut");
    EXPECT_EQ(r.at("model"), "lenet5");
    EXPECT_EQ(r.at("link"), "50mbit");
    EXPECT_EQ(r.at("bandwidth_mbps"), "50");
    EXPECT_TRUE(r.at("cpu_stress") == "0" || r.at("cpu_stress") == "40") << r.at("cpu_stress");
    EXPECT_EQ(r.at("frames"), "2");
    EXPECT_GT(std::stod(r.at("latency_ms")), 0) << r.at("point");
    EXPECT_EQ(r.at("fallbacks"), "0");
    cells.insert(r.at("cpu_stress") + "/" + r.at("point"));
    if (r.at("point") == "all") {
      EXPECT_EQ(r.at("sent_bytes"), "0");  // edge only sends nothing
      EXPECT_EQ(r.at("chosen_cut"), "edge only");
    }
    if (r.at("point") == "input") {
      EXPECT_EQ(r.at("boundary_bytes"), "4096");  // the 1x1x32x32 input
      EXPECT_GT(std::stod(r.at("link_ms")), 0);
    }
    if (std::thread::hardware_concurrency() >= 2) {
      EXPECT_EQ(r.at("edge_cpus"), "0");
      EXPECT_EQ(r.at("server_cpus"), "1");
    }
  }
  EXPECT_EQ(cells.size(), static_cast<size_t>(2 * cuts)) << "a cell appears twice";
  EXPECT_TRUE(cells.count("0/input") && cells.count("40/all") && cells.count("40/pool1"));

  // The same command again: every cell is in the file, nothing runs.
  const std::string before = ReadText(ws.path("r.csv"));
  auto again = ws.Run("sweep", args, 60);
  ASSERT_EQ(again->exit_code(), 0) << again->Describe();
  const Json rerun = ParseLastJsonLine(again->Out());
  EXPECT_EQ(rerun["skipped"].Int(), 2 * cuts);
  EXPECT_EQ(rerun["measured"].Int(), 0);
  EXPECT_EQ(ReadText(ws.path("r.csv")), before);
  EXPECT_LT(again->wall_s(), 10.0) << "a rerun with nothing to do started processes";
  // The best cut of each condition is reported from the file.
  EXPECT_EQ(rerun["best"].array.size(), 2u);
}

TEST(SweepCliTest, InterruptedSweepLeavesAParseableCsvAndNoStressors) {
  Workspace ws;
  ws.BuildModel("lenet5", "lenet5.seam");
  // Absolute paths, so every process the sweep starts names the private
  // directory on its command line (stressors are forks of the sweep).
  auto sweep = ws.Start("sweep", {"sweep", ws.path("lenet5.seam"), "--cpu-stress", "60",
                                  "--mem-stress", "20", "--mem-cap", "64MiB", "--link", "50Mbit",
                                  "--runs", "40", "-o", ws.path("r.csv"), "--progress"});
  // Wait until a few cells are written, then Ctrl-C.
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  size_t rows = 0;
  while (Clock::now() < deadline && sweep->running()) {
    rows = ReadCsv(ws.path("r.csv")).rows.size();
    if (rows >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(sweep->running()) << "the sweep ended before it could be interrupted\n"
                                << sweep->Describe();
  ASSERT_GE(rows, 2u) << sweep->Describe();
  // The sweep, one CPU worker and the memory worker at least (all mention
  // the private directory on their command lines, as do the server and edge).
  EXPECT_GE(ProcessesMentioning(ws.dir().path()).size(), 3u);
  sweep->Signal(SIGINT);
  ASSERT_TRUE(sweep->Wait(20)) << "the sweep did not stop on SIGINT\n" << sweep->Describe();
  EXPECT_EQ(sweep->exit_code(), 128 + SIGINT) << sweep->Describe();
  EXPECT_NE(sweep->Err().find("interrupted"), std::string::npos) << sweep->Err();
  const Csv csv = ReadCsv(ws.path("r.csv"));
  EXPECT_TRUE(csv.complete);
  EXPECT_GE(csv.rows.size(), rows);
  EXPECT_LT(csv.rows.size(), 14u);
  for (const auto& r : csv.rows) EXPECT_GT(std::stod(r.at("latency_ms")), 0);
  // Nothing the sweep started is left: stressors, server, edge.
  std::vector<int> left;
  const auto gone_by = Clock::now() + std::chrono::seconds(5);
  do {
    left = ProcessesMentioning(ws.dir().path());
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (Clock::now() < gone_by);
  EXPECT_TRUE(left.empty()) << left.size() << " process(es) left, e.g. pid " << left[0];
}

TEST(SweepCliTest, ReportWritesSummaryFiguresAndPolicyComparison) {
  Workspace ws;
  ws.BuildModel("lenet5", "lenet5.seam");
  auto sweep = ws.Run("sweep",
                      {"sweep", "lenet5.seam", "--cuts", "input,pool2,all", "--compare",
                       "edge-only,server-only,dads-light", "--link", "25,50Mbit", "--runs", "2",
                       "-o", "r.csv", "--json"},
                      120);
  ASSERT_EQ(sweep->exit_code(), 0) << sweep->Describe();
  const Json summary = ParseLastJsonLine(sweep->Out());
  EXPECT_EQ(summary["cells"].Int(), 2 * (3 + 3));  // --compare defaults to cpu 0 only
  EXPECT_EQ(summary["compare"].array.size(), 6u);
  for (const Json& c : summary["compare"].array) {
    if (c["policy"].string == "edge-only") {
      EXPECT_EQ(c["point"].string, "all");
      EXPECT_DOUBLE_EQ(c["latency_speedup"].number, 1.0);
    }
    if (c["policy"].string == "server-only") {
      EXPECT_EQ(c["point"].string, "input");
    }
    EXPECT_TRUE(c["regret_pct"].type == Json::kNumber) << "no fixed cut to compare with";
  }
  const CliResult r = RunCli({"report", "r.csv", "-o", "rep", "--json"}, ws.dir().path(), 60);
  ASSERT_EQ(r.exit_code, 0) << cli_test::Describe(r);
  const std::string md = ReadText(ws.path("rep/summary.md"));
  for (const char* section :
       {"## Best partition points", "## Repartitioning gain", "## Policies against edge-only",
        "## Regret", "dads-light", "best-points-lenet5.svg", "compare-lenet5.svg"}) {
    EXPECT_NE(md.find(section), std::string::npos) << section << " missing from:\n" << md;
  }
  for (const char* svg :
       {"rep/best-points-lenet5.svg", "rep/compare-lenet5.svg", "rep/latency-lenet5.svg"}) {
    const std::string text = ReadText(ws.path(svg));
    EXPECT_EQ(text.rfind("<svg", 0), 0u) << svg;
    EXPECT_NE(text.find("</svg>"), std::string::npos) << svg;
  }
  // The cut rows as a table for the measured policy: 3 cuts x 2 links.
  const std::string table = ReadText(ws.path("rep/measured-lenet5.csv"));
  EXPECT_EQ(table.rfind("point,bandwidth_mbps,cpu_stress,mem_stress,latency_ms\n", 0), 0u);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 1 + 6);
}

TEST(SweepCliTest, FixedPolicyRunsTheNamedCut) {
  Workspace ws;
  ws.BuildModel("lenet5", "lenet5.seam");
  ASSERT_EQ(RunCli({"profile", "lenet5.seam", "-o", "p.json"}, ws.dir().path(), 120).exit_code, 0);
  auto plan = [&](const std::string& cut) {
    return RunCli(
        {"plan", "lenet5.seam", "--policy", "fixed", "--policy-opt", "cut=" + cut, "--edge-profile",
         "p.json", "--server-profile", "p.json", "--bandwidth", "0.1Mbit", "--json"},
        ws.dir().path(), 60);
  };
  CliResult r = plan("pool1");
  ASSERT_EQ(r.exit_code, 0) << cli_test::Describe(r);
  Json v;
  JsonParser parser(r.out);
  ASSERT_TRUE(parser.Parse(&v)) << r.out;
  EXPECT_NE(r.out.find("pool1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fixed: 3/13 nodes on edge"), std::string::npos) << r.out;
  r = plan("input");
  EXPECT_NE(r.out.find("fixed: 0/13 nodes on edge"), std::string::npos) << r.out;
  r = plan("all");
  EXPECT_NE(r.out.find("fixed: edge only"), std::string::npos) << r.out;
  r = plan("nosuchlayer");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no node named 'nosuchlayer'"), std::string::npos) << r.err;
  r = RunCli({"plan", "lenet5.seam", "--policy", "fixed", "--edge-profile", "p.json",
              "--server-profile", "p.json", "--bandwidth", "1Mbit"},
             ws.dir().path(), 60);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cut="), std::string::npos) << r.err;
}

TEST(SweepCliTest, BadArgumentsAreUsageErrors) {
  Workspace ws;
  ws.BuildModel("lenet5", "lenet5.seam");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"sweep", "lenet5.seam"}, "-o RESULTS.csv"},
      {{"sweep", "lenet5.seam", "-o", "r.csv", "--cpu-stress", "0,120"}, "--cpu-stress"},
      {{"sweep", "lenet5.seam", "-o", "r.csv", "--link", "5g"}, "5g"},
      {{"sweep", "lenet5.seam", "-o", "r.csv", "--cuts", "input,nosuchlayer"}, "nosuchlayer"},
      {{"sweep", "lenet5.seam", "-o", "r.csv", "--compare", "dads-light,nosuchpolicy"},
       "nosuchpolicy"},
      {{"sweep", "lenet5.seam", "-o", "r.csv", "--cuts", "none"}, "nothing to measure"},
      {{"sweep", "lenet5.seam", "-o", "r.csv", "--edge-slowdown", "0.5"}, "--edge-slowdown"},
      {{"sweep", "lenet5.seam", "-o", "r.csv", "--mem-cap", "lots"}, "--mem-cap"},
      {{"sweep", "lenet5.seam", "-o", "r.csv", "--max-cell-s", "0.5"}, "--max-cell-s"},
  };
  for (const auto& [args, mention] : cases) {
    const CliResult r = RunCli(args, ws.dir().path(), 60);
    EXPECT_EQ(r.exit_code, 2) << cli_test::Describe(r);
    EXPECT_NE(r.err.find(mention), std::string::npos) << "'" << mention << "' not in: " << r.err;
  }
  EXPECT_FALSE(cli_test::FileExists(ws.path("r.csv")));
  // A file that is not a sweep's results.
  std::ofstream(ws.path("other.csv")) << "a,b\n1,2\n";
  CliResult r = RunCli({"sweep", "lenet5.seam", "-o", "other.csv"}, ws.dir().path(), 60);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no column 'kind'"), std::string::npos) << r.err;
  r = RunCli({"report", "other.csv", "-o", "rep"}, ws.dir().path(), 60);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("other.csv"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace seam::stream_test
