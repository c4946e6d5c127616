// ABI conformance of the transport modules, loaded with dlopen the way any
// host would: one exported symbol, a correct descriptor, version refusal,
// entry points that survive bad arguments; and the host side:
// Transport::Load errors and the open_transport service.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>

#include "tests/transport/transport_test_util.h"

namespace seam_transport_test {
namespace {

std::vector<std::string> Plugins() {
  std::vector<std::string> names = {"inproc", "shaped"};
#ifdef SEAM_TEST_HAVE_ZEROMQ
  names.push_back("zeromq");
#endif
  return names;
}

std::string ModulePath(const std::string& name) {
  return std::string(SEAM_TEST_PLUGIN_DIR) + "/seam_transport_" + name + ".so";
}

class TransportAbiTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TransportAbiTest, ExportsExactlyTheQuerySymbol) {
  EXPECT_EQ(DefinedDynamicSymbols(ModulePath(GetParam())),
            std::vector<std::string>{"seam_plugin_query"});
}

TEST_P(TransportAbiTest, DescribesItselfAndRefusesOtherAbis) {
  void* handle = dlopen(ModulePath(GetParam()).c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  auto query = reinterpret_cast<seam_plugin_query_fn>(dlsym(handle, SEAM_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(query, nullptr);
  const seam_host_api* api = seam::DefaultPluginHost()->api();
  const seam_plugin_info* info = nullptr;
  EXPECT_EQ(query(SEAM_PLUGIN_ABI_MAJOR + 1, 0, api, &info), SEAM_STATUS_VERSION_MISMATCH);
  EXPECT_EQ(info, nullptr);
  ASSERT_EQ(query(SEAM_PLUGIN_ABI_MAJOR, SEAM_PLUGIN_ABI_MINOR, api, &info), SEAM_STATUS_OK);
  EXPECT_EQ(info->kind, static_cast<uint32_t>(SEAM_PLUGIN_KIND_TRANSPORT));
  EXPECT_EQ(info->name, GetParam());
  EXPECT_GT(std::strlen(info->description), 0u);
  const auto* vt = static_cast<const seam_transport_vtable*>(info->vtable);
  ASSERT_GE(vt->struct_size, sizeof(seam_transport_vtable));
  for (const void* fn :
       {reinterpret_cast<const void*>(vt->create), reinterpret_cast<const void*>(vt->destroy),
        reinterpret_cast<const void*>(vt->connect), reinterpret_cast<const void*>(vt->request),
        reinterpret_cast<const void*>(vt->release_reply), reinterpret_cast<const void*>(vt->bind),
        reinterpret_cast<const void*>(vt->open_worker),
        reinterpret_cast<const void*>(vt->close_worker), reinterpret_cast<const void*>(vt->receive),
        reinterpret_cast<const void*>(vt->reply),
        reinterpret_cast<const void*>(vt->release_request)}) {
    EXPECT_NE(fn, nullptr);
  }

  // Bad arguments come back as statuses with a NUL-terminated message.
  char error[64];
  std::memset(error, 'x', sizeof(error));
  void* instance = nullptr;
  const seam_kv typo = {"no_such_key", "1"};
  EXPECT_EQ(vt->create(api, &typo, 1, &instance, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(instance, nullptr);
  EXPECT_NE(std::memchr(error, '\0', sizeof(error)), nullptr);
  EXPECT_EQ(vt->create(api, nullptr, 3, &instance, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(vt->create(nullptr, nullptr, 0, &instance, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  // A tiny error buffer is still terminated.
  char tiny[1] = {'x'};
  EXPECT_EQ(vt->create(api, &typo, 1, &instance, tiny, sizeof(tiny)), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(tiny[0], '\0');
  // shaped needs a link description; the others start bare.
  const seam_kv shaped_ok[] = {{"profile", "4g"}, {"inner", "inproc"}};
  const bool is_shaped = GetParam() == "shaped";
  ASSERT_EQ(vt->create(api, is_shaped ? shaped_ok : nullptr, is_shaped ? 2 : 0, &instance, error,
                       sizeof(error)),
            SEAM_STATUS_OK)
      << error;
  seam_received r{};
  r.struct_size = sizeof(r);
  const uint8_t byte = 0;
  const seam_frame frame = {&byte, 1};
  // Client calls before connect, server calls before bind, NULLs.
  EXPECT_NE(vt->request(instance, &frame, 1, 10, &r, error, sizeof(error)), SEAM_STATUS_OK);
  EXPECT_EQ(vt->request(instance, nullptr, 0, 10, &r, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(vt->request(instance, &frame, 1, 10, nullptr, error, sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  void* worker = nullptr;
  EXPECT_NE(vt->open_worker(instance, &worker, error, sizeof(error)), SEAM_STATUS_OK);
  EXPECT_EQ(vt->connect(instance, nullptr, error, sizeof(error)), SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(vt->receive(nullptr, 10, &r, error, sizeof(error)), SEAM_STATUS_INVALID_ARGUMENT);
  vt->release_reply(instance, &r);  // nothing to release: harmless
  vt->destroy(instance);
  dlclose(handle);
}

INSTANTIATE_TEST_SUITE_P(Plugins, TransportAbiTest, ::testing::ValuesIn(Plugins()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(TransportHostTest, LoadNamesTheAvailableTransportsWhenOneIsMissing) {
  std::shared_ptr<seam::Transport> t;
  seam::Status s = seam::Transport::Load("carrier-pigeon", {}, &t);
  EXPECT_EQ(s.code(), seam::StatusCode::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("inproc"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("shaped"), std::string::npos) << s.ToString();
  // A plugin of another kind is refused as a transport.
  s = seam::Transport::Load(std::string(SEAM_TEST_PLUGIN_DIR) + "/seam_monitor_rtt.so", {}, &t);
  EXPECT_FALSE(s.ok());
}

TEST(TransportHostTest, OpenTransportCreatesAnInstanceForAPlugin) {
  const seam_host_api* api = seam::DefaultPluginHost()->api();
  ASSERT_TRUE(SEAM_HAS_FIELD(seam_host_api, api, open_transport));
  ASSERT_NE(api->open_transport, nullptr);
  const seam_kv config[] = {{"capacity", "3"}};
  const void* vtable = nullptr;
  void* instance = nullptr;
  char error[256] = {};
  ASSERT_EQ(api->open_transport(api->host_ctx, "inproc", config, 1, &vtable, &instance, error,
                                sizeof(error)),
            SEAM_STATUS_OK)
      << error;
  const auto* vt = static_cast<const seam_transport_vtable*>(vtable);
  ASSERT_GE(vt->struct_size, sizeof(seam_transport_vtable));
  const std::string ep = UniqueInprocEndpoint();
  EXPECT_EQ(vt->bind(instance, ep.c_str(), error, sizeof(error)), SEAM_STATUS_OK) << error;
  vt->destroy(instance);  // through the host: also releases the library
  // The instance is gone: its name is free again.
  auto other = LoadTransport("inproc");
  EXPECT_TRUE(seam::TransportServer(other).Bind(ep).ok());

  EXPECT_EQ(api->open_transport(api->host_ctx, "nope", nullptr, 0, &vtable, &instance, error,
                                sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("no transport plugin named 'nope'"), std::string::npos)
      << error;
  const seam_kv bad[] = {{"capacity", "0"}};
  EXPECT_EQ(api->open_transport(api->host_ctx, "inproc", bad, 1, &vtable, &instance, error,
                                sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("capacity"), std::string::npos) << error;
  EXPECT_EQ(api->open_transport(api->host_ctx, nullptr, nullptr, 0, &vtable, &instance, error,
                                sizeof(error)),
            SEAM_STATUS_INVALID_ARGUMENT);
}

TEST(TransportHostTest, AReleasedMessageIsNotReleasedTwiceAndAStaleOneIsHarmless) {
  const std::string ep = UniqueInprocEndpoint();
  TestServer server("inproc", {}, ep, 1);
  ASSERT_TRUE(server.ok());
  auto client = Connect("inproc", ep);
  ASSERT_NE(client, nullptr);
  const uint8_t a = 'a', b = 'b';
  seam::ReceivedMessage first, second;
  ASSERT_TRUE(client->Request({{&a, 1}}, 5000, &first).ok());
  ASSERT_TRUE(client->Request({{&b, 1}}, 5000, &second).ok());
  // `first` is stale now (the plugin moved on); releasing it must not free
  // `second`'s frames.
  first.Release();
  EXPECT_EQ(second.frame_data(0)[0], 'b');
  second.Release();
  second.Release();
}

}  // namespace
}  // namespace seam_transport_test
