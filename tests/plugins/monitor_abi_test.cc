// ABI conformance of every bundled monitor .so, loaded with dlopen the way a
// foreign host would: one exported symbol, a correct descriptor, version
// negotiation, config validation and the error-buffer rules of plugin.h.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "plugins/monitors/testing/monitor_test_host.h"

namespace seam_monitor_test {
namespace {

const char* const kMonitors[] = {"bandwidth", "rtt", "cpu-load", "memory-pressure", "trace"};

class MonitorAbiTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    // rtt needs a probe_link to start; a constant one is enough here.
    host_.SetProbe([](uint64_t, double* s) {
      *s = 0.001;
      return SEAM_STATUS_OK;
    });
    module_ = std::make_unique<MonitorModule>(GetParam(), host_);
    ASSERT_TRUE(module_->ok()) << module_->error();
  }

  // A config each monitor accepts (trace needs a file).
  Config GoodConfig() {
    const std::string name = GetParam();
    if (name == "trace") return {{"file", dir_.Write("t.csv", "0,10,5\n")}};
    return {};
  }

  TestHost host_;
  TempDir dir_;
  std::unique_ptr<MonitorModule> module_;
};

TEST_P(MonitorAbiTest, ExportsExactlyTheQuerySymbol) {
  std::vector<std::string> symbols;
  std::string error;
  ASSERT_TRUE(DefinedDynamicSymbols(module_->path(), &symbols, &error)) << error;
  EXPECT_EQ(symbols, std::vector<std::string>{"seam_plugin_query"});
}

TEST_P(MonitorAbiTest, DescribesItselfAsAMonitor) {
  const seam_plugin_info* info = module_->info();
  EXPECT_GE(info->struct_size, sizeof(seam_plugin_info));
  EXPECT_EQ(info->abi_major, static_cast<uint32_t>(SEAM_PLUGIN_ABI_MAJOR));
  EXPECT_EQ(info->abi_minor, static_cast<uint32_t>(SEAM_PLUGIN_ABI_MINOR));
  EXPECT_EQ(info->kind, static_cast<uint32_t>(SEAM_PLUGIN_KIND_MONITOR));
  EXPECT_STREQ(info->name, GetParam());
  ASSERT_NE(info->version, nullptr);
  EXPECT_GT(std::strlen(info->version), 0u);
  ASSERT_NE(info->description, nullptr);
  EXPECT_GT(std::strlen(info->description), 0u);
  const seam_monitor_vtable* vt = module_->vtable();
  EXPECT_GE(vt->struct_size, sizeof(seam_monitor_vtable));
  EXPECT_NE(vt->create, nullptr);
  EXPECT_NE(vt->destroy, nullptr);
  EXPECT_NE(vt->sample, nullptr);
  // Only the bandwidth monitor learns from real transfers.
  EXPECT_EQ(vt->observe_transfer != nullptr, std::string(GetParam()) == "bandwidth");
}

TEST_P(MonitorAbiTest, RefusesAnotherAbiMajorAndAnOlderMinor) {
  const seam_plugin_info* untouched = reinterpret_cast<const seam_plugin_info*>(0x1);
  const seam_plugin_info* info = untouched;
  EXPECT_EQ(module_->query()(SEAM_PLUGIN_ABI_MAJOR + 1, 0, host_.api(), &info),
            SEAM_STATUS_VERSION_MISMATCH);
  EXPECT_EQ(info, untouched);
  EXPECT_TRUE(host_.LogContains("refusing")) << host_.JoinedLogs();
  EXPECT_EQ(module_->query()(0, 0, host_.api(), &info), SEAM_STATUS_VERSION_MISMATCH);
  EXPECT_EQ(info, untouched);
  // A newer minor host is fine (it only adds fields at the end).
  EXPECT_EQ(module_->query()(SEAM_PLUGIN_ABI_MAJOR, SEAM_PLUGIN_ABI_MINOR + 7, host_.api(), &info),
            SEAM_STATUS_OK);
  EXPECT_EQ(info, module_->info());
  // A NULL host is tolerated at query time; a NULL out pointer is not.
  EXPECT_EQ(module_->query()(SEAM_PLUGIN_ABI_MAJOR, SEAM_PLUGIN_ABI_MINOR, nullptr, &info),
            SEAM_STATUS_OK);
  EXPECT_EQ(module_->query()(SEAM_PLUGIN_ABI_MAJOR, SEAM_PLUGIN_ABI_MINOR, host_.api(), nullptr),
            SEAM_STATUS_INVALID_ARGUMENT);
}

TEST_P(MonitorAbiTest, CreateAcceptsGoodConfigAndChecksTheHost) {
  MonitorInstance m(*module_, host_);
  ASSERT_EQ(m.Create(GoodConfig()), SEAM_STATUS_OK) << m.error();
  EXPECT_NE(m.raw(), nullptr);

  host_.mutable_api()->abi_major = SEAM_PLUGIN_ABI_MAJOR + 1;
  EXPECT_EQ(m.Create(GoodConfig()), SEAM_STATUS_VERSION_MISMATCH);
  EXPECT_NE(m.error().find("ABI"), std::string::npos) << m.error();
  host_.mutable_api()->abi_major = SEAM_PLUGIN_ABI_MAJOR;

  const seam_monitor_vtable* vt = module_->vtable();
  void* instance = reinterpret_cast<void*>(0x1);
  char error[128] = {};
  EXPECT_EQ(vt->create(nullptr, nullptr, 0, &instance, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(instance, reinterpret_cast<void*>(0x1)) << "outputs must stay untouched on failure";
  EXPECT_NE(std::string(error).find(GetParam()), std::string::npos) << error;
  EXPECT_EQ(vt->create(host_.api(), nullptr, 3, &instance, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(vt->create(host_.api(), nullptr, 0, nullptr, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
}

TEST_P(MonitorAbiTest, RejectsUnknownAndDuplicateKeys) {
  MonitorInstance m(*module_, host_);
  Config config = GoodConfig();
  config.push_back({"no_such_option", "1"});
  EXPECT_EQ(m.Create(config), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(m.error().find("unknown config key 'no_such_option'"), std::string::npos) << m.error();
  EXPECT_EQ(m.error().rfind(GetParam(), 0), 0u)
      << "message starts with the monitor name: " << m.error();

  config = GoodConfig();
  config.push_back({"proc_root", "/proc"});
  config.push_back({"proc_root", "/proc"});
  EXPECT_EQ(m.Create(config), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(m.error().find("more than once"), std::string::npos) << m.error();

  const seam_kv null_value[] = {{"proc_root", nullptr}};
  void* instance = nullptr;
  char error[128] = {};
  EXPECT_EQ(module_->vtable()->create(host_.api(), null_value, 1, &instance, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(instance, nullptr);
}

TEST_P(MonitorAbiTest, ErrorBufferIsTruncatedAndAlwaysTerminated) {
  const seam_kv bad[] = {{"no_such_option", "1"}};
  const seam_monitor_vtable* vt = module_->vtable();
  void* instance = nullptr;
  char small[8];
  std::memset(small, 'x', sizeof(small));
  EXPECT_EQ(vt->create(host_.api(), bad, 1, &instance, small, sizeof(small)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(small[7], '\0');
  EXPECT_EQ(std::strlen(small), 7u);
  // No buffer at all must not crash either.
  EXPECT_EQ(vt->create(host_.api(), bad, 1, &instance, nullptr, 0), SEAM_STATUS_INVALID_ARGUMENT);
  char one[1] = {'x'};
  EXPECT_EQ(vt->create(host_.api(), bad, 1, &instance, one, sizeof(one)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(one[0], '\0');
}

TEST_P(MonitorAbiTest, SampleValidatesItsArguments) {
  MonitorInstance m(*module_, host_);
  ASSERT_EQ(m.Create(GoodConfig()), SEAM_STATUS_OK) << m.error();
  const seam_monitor_vtable* vt = module_->vtable();
  char error[128] = {};
  seam_readings r{};
  r.struct_size = sizeof(r);
  EXPECT_EQ(vt->sample(nullptr, &r, error, sizeof(error)), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(vt->sample(m.raw(), nullptr, error, sizeof(error)), SEAM_STATUS_INVALID_ARGUMENT);
  r.struct_size = 4;  // not even `valid` fits
  EXPECT_EQ(vt->sample(m.raw(), &r, error, sizeof(error)), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("struct_size"), std::string::npos) << error;
  vt->destroy(nullptr);  // harmless
  if (vt->observe_transfer != nullptr) {
    vt->observe_transfer(nullptr, nullptr);
    vt->observe_transfer(m.raw(), nullptr);
  }
}

INSTANTIATE_TEST_SUITE_P(AllMonitors, MonitorAbiTest, ::testing::ValuesIn(kMonitors),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace seam_monitor_test
