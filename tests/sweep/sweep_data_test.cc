// The sweep's data side: grid parsing (stress levels, links, cut lists on a
// real zoo model), the results CSV (round trip, quoting, a row cut short,
// bad files), and the analysis (best cuts, repartitioning gain, policy
// comparison) on rows whose answers are worked out by hand.
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "models/zoo.h"
#include "seam/cut.h"
#include "tools/sweep/sweep_analysis.h"
#include "tools/sweep/sweep_csv.h"
#include "tools/sweep/sweep_grid.h"

namespace seam::sweep {
namespace {

TEST(SweepGridTest, PercentLists) {
  std::vector<double> v;
  ASSERT_TRUE(ParsePercentList("0,22,45,67,90", "--cpu-stress", &v).ok());
  EXPECT_EQ(v, (std::vector<double>{0, 22, 45, 67, 90}));
  ASSERT_TRUE(ParsePercentList("10%", "--cpu-stress", &v).ok());
  EXPECT_EQ(v, (std::vector<double>{10}));
  for (const char* bad : {"", "0,,5", "101", "-1", "x", "5,5"}) {
    const Status s = ParsePercentList(bad, "--mem-stress", &v);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("--mem-stress"), std::string::npos) << s.message();
  }
}

TEST(SweepGridTest, LinkListsBorrowTheLastUnitAndKeepProfiles) {
  std::vector<LinkSpec> links;
  ASSERT_TRUE(ParseLinkList("10,25,37.5,50Mbit", &links).ok());
  ASSERT_EQ(links.size(), 4u);
  EXPECT_EQ(links[0].label, "10mbit");
  EXPECT_EQ(links[0].edge_arg, "10mbit");
  EXPECT_EQ(links[2].label, "37.5mbit");
  EXPECT_DOUBLE_EQ(links[2].bandwidth_mbps, 37.5);
  EXPECT_DOUBLE_EQ(links[3].rtt_ms, 1.0);
  ASSERT_TRUE(ParseLinkList("cat1,3G,4g,wifi", &links).ok());
  ASSERT_EQ(links.size(), 4u);
  EXPECT_EQ(links[1].label, "3g");
  EXPECT_DOUBLE_EQ(links[1].bandwidth_mbps, 1.1);
  EXPECT_DOUBLE_EQ(links[0].rtt_ms, 100.0);
  EXPECT_DOUBLE_EQ(links[3].bandwidth_mbps, 18.88);
  // A rate without a profile: a constant trace with a 1 ms RTT.
  ASSERT_TRUE(ParseLinkList("500kbit,20", &links).ok());
  EXPECT_EQ(links[0].label, "0.5mbit");
  EXPECT_EQ(links[0].edge_arg, "");
  EXPECT_EQ(links[1].label, "20mbit");
  EXPECT_EQ(ConstantTraceText(links[1]), "time_s,bandwidth_mbps,rtt_ms\n0,20,1\n");
  for (const char* bad : {"", "10,,50", "5g", "10,10mbit", "-3mbit"}) {
    EXPECT_EQ(ParseLinkList(bad, &links).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(SweepGridTest, CutListsOfAChainModel) {
  GraphBuilder builder;
  ASSERT_TRUE(BuildZooModel("lenet5", 1, &builder).ok());
  ASSERT_TRUE(builder.Finish().ok());
  const Graph& g = builder.graph();
  std::vector<CutPoint> cuts;
  ASSERT_TRUE(ListCuts(g, "points", 0, &cuts).ok());
  // Server only, every partition point but the last (which is edge only), edge only.
  const size_t points = PartitionPoints(g).size();
  ASSERT_EQ(cuts.size(), points + 1);
  EXPECT_EQ(cuts.front().name, "input");
  EXPECT_EQ(cuts.front().edge_nodes, 0);
  EXPECT_EQ(cuts.front().boundary_bytes, 1 * 32 * 32 * 4);
  EXPECT_EQ(cuts.back().name, "all");
  EXPECT_EQ(cuts.back().edge_nodes, static_cast<int>(g.nodes.size()));
  for (size_t i = 0; i < cuts.size(); ++i) EXPECT_EQ(cuts[i].index, static_cast<int>(i));
  for (size_t i = 1; i < cuts.size(); ++i) EXPECT_GT(cuts[i].edge_nodes, cuts[i - 1].edge_nodes);
  EXPECT_EQ(Topology(g), "chain");
  // Thinned to 5: input, three evenly spaced points, all; indices kept.
  ASSERT_TRUE(ListCuts(g, "points", 5, &cuts).ok());
  ASSERT_EQ(cuts.size(), 5u);
  EXPECT_EQ(cuts[0].name, "input");
  EXPECT_EQ(cuts[4].name, "all");
  EXPECT_EQ(cuts[4].index, static_cast<int>(points));
  EXPECT_LT(cuts[1].index, cuts[2].index);
  EXPECT_LT(cuts[2].index, cuts[3].index);
  // An explicit list.
  ASSERT_TRUE(ListCuts(g, "input,pool1,all", 0, &cuts).ok());
  ASSERT_EQ(cuts.size(), 3u);
  EXPECT_EQ(cuts[1].name, "pool1");
  EXPECT_EQ(cuts[1].edge_nodes, 3);
  const Status bad = ListCuts(g, "input,nosuchnode", 0, &cuts);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("nosuchnode"), std::string::npos);
  ASSERT_TRUE(ListCuts(g, "none", 0, &cuts).ok());
  EXPECT_TRUE(cuts.empty());
}

TEST(SweepGridTest, AllCutsOfADagIncludeMoreThanItsPartitionPoints) {
  GraphBuilder builder;
  ASSERT_TRUE(BuildZooModel("resnet18", 1, &builder).ok());
  ASSERT_TRUE(builder.Finish().ok());
  const Graph& g = builder.graph();
  std::vector<CutPoint> points, all;
  ASSERT_TRUE(ListCuts(g, "points", 0, &points).ok());
  ASSERT_TRUE(ListCuts(g, "all", 0, &all).ok());
  EXPECT_EQ(Topology(g), "dag");
  EXPECT_GT(all.size(), points.size());
  EXPECT_EQ(all.back().name, "all");
}

SweepRow Row(const std::string& kind, double cpu, const std::string& link, double bw,
             const std::string& point, int index, double latency) {
  SweepRow r;
  r.kind = kind;
  r.model = "m";
  r.model_hash = "0123456789abcdef";
  r.topology = "chain";
  r.cpu_stress = cpu;
  r.link = link;
  r.bandwidth_mbps = bw;
  r.rtt_ms = 1;
  r.policy = kind == "cut" ? "fixed" : point;
  r.point = point;
  r.cut_index = index;
  r.edge_nodes = index;
  r.frames = 5;
  r.latency_ms = latency;
  r.frames_per_s = 1000 / latency;
  r.edge_cpus = "0";
  r.server_cpus = "1";
  r.finished = "2024-01-01T00:00:00Z";
  return r;
}

TEST(SweepCsvTest, RoundTripWithQuotingAndAPartialLastLine) {
  SweepRow a = Row("cut", 45, "10mbit", 10, "conv,1 \"x\"", 2, 12.5);
  a.chosen_cut = "after conv,1 (2/9 on the edge)";
  SweepRow b = Row("policy", 0, "cat1", 0.13, "dads-light", -1, 7.25);
  b.frames_per_s = NAN;  // unknown throughput: an empty field
  std::string header;
  for (const std::string& c : SweepColumns()) header += (header.empty() ? "" : ",") + c;
  const std::string text = header + "\n" + FormatRow(a) + FormatRow(b);
  std::vector<SweepRow> rows;
  bool partial = true;
  ASSERT_TRUE(ParseSweepCsv(text, "t.csv", &rows, &partial).ok());
  EXPECT_FALSE(partial);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].point, a.point);
  EXPECT_EQ(rows[0].chosen_cut, a.chosen_cut);
  EXPECT_DOUBLE_EQ(rows[0].latency_ms, 12.5);
  EXPECT_EQ(rows[0].Key(), a.Key());
  EXPECT_TRUE(std::isnan(rows[1].frames_per_s));
  EXPECT_NE(rows[0].Key(), rows[1].Key());
  // A row cut short by a crash is dropped and reported.
  const std::string cut_short = text + FormatRow(a).substr(0, 20);
  ASSERT_TRUE(ParseSweepCsv(cut_short, "t.csv", &rows, &partial).ok());
  EXPECT_TRUE(partial);
  EXPECT_EQ(rows.size(), 2u);
}

TEST(SweepCsvTest, BadFilesNameTheLine) {
  std::vector<SweepRow> rows;
  bool partial = false;
  EXPECT_EQ(ParseSweepCsv("", "t.csv", &rows, &partial).code(), StatusCode::kInvalidArgument);
  Status s = ParseSweepCsv("a,b\n1,2\n", "t.csv", &rows, &partial);
  EXPECT_NE(s.message().find("no column 'kind'"), std::string::npos) << s.message();
  std::string header;
  for (const std::string& c : SweepColumns()) header += (header.empty() ? "" : ",") + c;
  std::string row = FormatRow(Row("cut", 0, "10mbit", 10, "x", 1, 3));
  std::string bad_number = row;
  bad_number.replace(bad_number.find(",3.000,"), 7, ",fast,");
  s = ParseSweepCsv(header + "\n" + bad_number, "t.csv", &rows, &partial);
  EXPECT_NE(s.message().find("t.csv:2"), std::string::npos) << s.message();
  s = ParseSweepCsv(header + "\n" + "cut,m\n", "t.csv", &rows, &partial);
  EXPECT_NE(s.message().find("t.csv:2"), std::string::npos) << s.message();
}

TEST(SweepAnalysisTest, BestCutsGainAndRegret) {
  // Baseline cpu 0 / 50mbit: cut b (index 1) is best at 10 ms. Under cpu 90
  // it takes 40 ms, and cut a (index 0, server only) 30 ms: gain 25 %.
  // Under 10mbit (cpu 0) b stays best: gain 0.
  std::vector<SweepRow> rows = {
      Row("cut", 0, "50mbit", 50, "a", 0, 20),
      Row("cut", 0, "50mbit", 50, "b", 1, 10),
      Row("cut", 0, "50mbit", 50, "all", 2, 15),
      Row("cut", 90, "50mbit", 50, "a", 0, 30),
      Row("cut", 90, "50mbit", 50, "b", 1, 40),
      Row("cut", 90, "50mbit", 50, "all", 2, 60),
      Row("cut", 0, "10mbit", 10, "a", 0, 50),
      Row("cut", 0, "10mbit", 10, "b", 1, 12),
      Row("cut", 0, "10mbit", 10, "all", 2, 15),
      Row("policy", 90, "50mbit", 50, "p", 0, 33),  // chose a, 10 % over the best
  };
  rows.back().policy = "dads-light";
  rows.back().point = "a";
  SweepRow edge_only = Row("policy", 90, "50mbit", 50, "all", 2, 66);
  edge_only.policy = "edge-only";
  rows.push_back(edge_only);

  const std::vector<const SweepRow*> best = BestCuts(rows);
  ASSERT_EQ(best.size(), 3u);
  EXPECT_EQ(best[0]->point, "b");
  EXPECT_EQ(best[1]->point, "a");
  EXPECT_EQ(best[2]->point, "b");

  int conditions = 0;
  const std::vector<PointShare> dist = BestPointDistribution(rows, "m", &conditions);
  EXPECT_EQ(conditions, 3);
  ASSERT_EQ(dist.size(), 3u);
  EXPECT_EQ(dist[0].point, "a");
  EXPECT_EQ(dist[0].wins, 1);
  EXPECT_EQ(dist[1].wins, 2);
  EXPECT_NEAR(dist[1].share_pct, 200.0 / 3, 1e-9);
  EXPECT_EQ(dist[2].wins, 0);
  EXPECT_DOUBLE_EQ(dist[2].median_latency_ms, 15);

  const GainTable cpu = RepartitioningGain(rows, "cpu");
  ASSERT_EQ(cpu.entries.size(), 2u);
  EXPECT_EQ(cpu.entries[0].level, "0%");
  EXPECT_DOUBLE_EQ(cpu.entries[0].gain_pct, 0);
  EXPECT_EQ(cpu.entries[1].level, "90%");
  EXPECT_EQ(cpu.entries[1].static_row->latency_ms, 40);
  EXPECT_EQ(cpu.entries[1].best_row->point, "a");
  EXPECT_DOUBLE_EQ(cpu.entries[1].gain_pct, 25);
  const GainTable link = RepartitioningGain(rows, "link");
  ASSERT_EQ(link.entries.size(), 2u);
  EXPECT_EQ(link.entries[0].level, "50mbit");  // fastest first
  EXPECT_EQ(link.entries[1].level, "10mbit");
  EXPECT_DOUBLE_EQ(link.entries[1].gain_pct, 0);

  // CPU stress also measured at 10mbit, where b (edge-heavy) is best at 12
  // ms: under cpu 90 there b takes 45 ms and a 52 ms, so b stays (gain 0),
  // and the table gets one baseline per link.
  std::vector<SweepRow> two_links = rows;
  two_links.push_back(Row("cut", 90, "10mbit", 10, "a", 0, 52));
  two_links.push_back(Row("cut", 90, "10mbit", 10, "b", 1, 45));
  const GainTable cpu_at_links = RepartitioningGain(two_links, "cpu");
  ASSERT_EQ(cpu_at_links.entries.size(), 4u);
  EXPECT_EQ(cpu_at_links.entries[1].level, "90% at 50mbit");
  EXPECT_DOUBLE_EQ(cpu_at_links.entries[1].gain_pct, 25);
  EXPECT_EQ(cpu_at_links.entries[2].level, "0% at 10mbit");
  EXPECT_EQ(cpu_at_links.entries[3].level, "90% at 10mbit");
  EXPECT_EQ(cpu_at_links.entries[3].baseline_best->point, "b");
  EXPECT_EQ(cpu_at_links.entries[3].best_row->point, "b");
  EXPECT_DOUBLE_EQ(cpu_at_links.entries[3].gain_pct, 0);

  const std::vector<PolicyResult> compare = ComparePolicies(rows);
  ASSERT_EQ(compare.size(), 2u);
  const PolicyResult& dads = compare[0];
  ASSERT_NE(dads.best_fixed, nullptr);
  EXPECT_EQ(dads.best_fixed->point, "a");
  EXPECT_DOUBLE_EQ(dads.regret_pct, 10);
  ASSERT_NE(dads.edge_only, nullptr);
  EXPECT_EQ(dads.edge_only->policy, "edge-only");
  EXPECT_DOUBLE_EQ(dads.latency_speedup, 2);
  EXPECT_DOUBLE_EQ(dads.throughput_gain, (1000.0 / 33) / (1000.0 / 66));
}

}  // namespace
}  // namespace seam::sweep
