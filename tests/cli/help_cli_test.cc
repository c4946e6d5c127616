// --help for `seam` and every subcommand: exit 0, usage on stdout, nothing on stderr.
#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace seam::cli_test {
namespace {

struct HelpCase {
  std::vector<std::string> args;
  std::vector<std::string> mentions;  // flags or words the help must show
};

// "zoo_build_--help": the command line, used for the test name and when gtest
// prints the parameter (ctest's discovered names include it).
std::string CaseName(const HelpCase& c) {
  std::string name;
  for (const std::string& a : c.args) name += (name.empty() ? "" : "_") + a;
  return name;
}
void PrintTo(const HelpCase& c, std::ostream* os) { *os << CaseName(c); }

// gtest names allow only letters, digits and '_'.
std::string TestName(const ::testing::TestParamInfo<HelpCase>& info) {
  std::string name = CaseName(info.param);
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name + "_" + std::to_string(info.index);
}

class CliHelpTest : public ::testing::TestWithParam<HelpCase> {};

TEST_P(CliHelpTest, ExitsZeroWithUsage) {
  TempDir dir;
  const CliResult r = RunCli(GetParam().args, dir.path());
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out.rfind("Usage: seam", 0), 0u) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
  for (const std::string& word : GetParam().mentions) {
    EXPECT_NE(r.out.find(word), std::string::npos) << "help lacks '" << word << "':\n" << r.out;
  }
  EXPECT_TRUE(dir.List().empty());
}

INSTANTIATE_TEST_SUITE_P(
    AllSubcommands, CliHelpTest,
    ::testing::Values(
        HelpCase{{"--help"}, {"zoo", "inspect", "run", "--verbose"}},
        HelpCase{{"-h"}, {"zoo", "inspect", "run"}}, HelpCase{{"help"}, {"zoo", "inspect", "run"}},
        HelpCase{{"help", "run"}, {"--input"}}, HelpCase{{"zoo", "--help"}, {"list", "build"}},
        HelpCase{{"zoo", "list", "--help"}, {"--json"}},
        HelpCase{{"zoo", "build", "--help"}, {"NAME", "--output", "--seed"}},
        HelpCase{{"inspect", "--help"}, {"FILE", "--json"}}, HelpCase{{"inspect", "-h"}, {"FILE"}},
        HelpCase{{"run", "--help"},
                 {"FILE", "--input", "--output", "--threads", "--repeat", "--layers", "--json",
                  "--warmup"}},
        // --help wins over other arguments, even bad ones.
        HelpCase{{"run", "missing.seam", "--bogus", "--help"}, {"--input"}}),
    TestName);

TEST(CliVersionTest, PrintsTheVersion) {
  TempDir dir;
  const CliResult r = RunCli({"--version"}, dir.path());
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out.rfind("seam ", 0), 0u) << r.out;
}

}  // namespace
}  // namespace seam::cli_test
