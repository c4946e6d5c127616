// CURVE: key pairs and key files (seam_curve_keys), and the zeromq
// transport's authentication: an allowed client key works and is reported
// as the peer; an unknown key and a plaintext client are refused.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "tests/transport/transport_test_util.h"

#ifdef SEAM_TEST_HAVE_ZEROMQ
#include "transport/curve_keys.h"

namespace seam_transport_test {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Frames Text(const std::string& s) {
  return {{reinterpret_cast<const uint8_t*>(s.data()), s.size()}};
}

TEST(CurveKeysTest, GeneratesAndReadsBackKeyFiles) {
  TempDir dir;
  seam::CurveKeyPair pair;
  std::string error;
  ASSERT_TRUE(seam::GenerateCurveKeyFiles(dir.path(), "edge1", false, &pair, &error)) << error;
  EXPECT_TRUE(seam::IsCurveKeyZ85(pair.public_key));
  EXPECT_TRUE(seam::IsCurveKeyZ85(pair.secret_key));
  EXPECT_NE(pair.public_key, pair.secret_key);

  const std::string pub = seam::CurvePublicKeyPath(dir.path(), "edge1");
  const std::string sec = seam::CurveSecretKeyPath(dir.path(), "edge1");
  EXPECT_EQ(pub, dir.path() + "/edge1.key");
  EXPECT_EQ(sec, dir.path() + "/edge1.key_secret");
  struct stat st;
  ASSERT_EQ(::stat(sec.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(pub.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0022, 0u);  // nobody else may change it
  // The public file never carries the secret.
  EXPECT_EQ(ReadFile(pub).find(pair.secret_key), std::string::npos);
  EXPECT_NE(ReadFile(pub).find("public-key = \"" + pair.public_key + "\""), std::string::npos);

  std::string key;
  ASSERT_TRUE(seam::ReadCurvePublicKeyFile(pub, &key, &error)) << error;
  EXPECT_EQ(key, pair.public_key);
  seam::CurveKeyPair back;
  ASSERT_TRUE(seam::ReadCurveSecretKeyFile(sec, &back, &error)) << error;
  EXPECT_EQ(back.public_key, pair.public_key);
  EXPECT_EQ(back.secret_key, pair.secret_key);
  // A secret file also serves as a public key file (its public-key line).
  ASSERT_TRUE(seam::ReadCurvePublicKeyFile(sec, &key, &error)) << error;
  EXPECT_EQ(key, pair.public_key);

  // Never overwritten by accident; on purpose it is.
  EXPECT_FALSE(seam::GenerateCurveKeyFiles(dir.path(), "edge1", false, nullptr, &error));
  EXPECT_NE(error.find("already exists"), std::string::npos) << error;
  EXPECT_NE(ReadFile(pub).find(pair.public_key), std::string::npos);  // untouched
  ASSERT_TRUE(seam::GenerateCurveKeyFiles(dir.path(), "edge1", true, &back, &error)) << error;
  EXPECT_NE(back.public_key, pair.public_key);
  EXPECT_FALSE(seam::GenerateCurveKeyFiles(dir.path(), "a/b", false, nullptr, &error));
}

TEST(CurveKeysTest, ReadsBareAndCzmqStyleFilesAndRejectsBadOnes) {
  TempDir dir;
  // The test vectors of libzmq's zmq_curve.adoc.
  const std::string client_pub = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
  const std::string client_sec = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
  std::string key, error;
  ASSERT_TRUE(seam::ReadCurvePublicKeyFile(dir.Write("bare.key", client_pub + "\n"), &key, &error))
      << error;
  EXPECT_EQ(key, client_pub);
  // czmq's zcert layout with single quotes and extra metadata.
  const std::string czmq =
      "#   ZeroMQ CURVE **Secret** Certificate\n\nmetadata\n    name = 'x'\ncurve\n"
      "    public-key = '" +
      client_pub + "'\n    secret-key = '" + client_sec + "'\n";
  seam::CurveKeyPair pair;
  ASSERT_TRUE(seam::ReadCurveSecretKeyFile(dir.Write("c.key_secret", czmq), &pair, &error))
      << error;
  EXPECT_EQ(pair.public_key, client_pub);
  EXPECT_EQ(pair.secret_key, client_sec);
  // A secret file without its public line: the public key is derived.
  ASSERT_TRUE(seam::ReadCurveSecretKeyFile(
      dir.Write("d.key_secret", "secret-key = \"" + client_sec + "\"\n"), &pair, &error))
      << error;
  EXPECT_EQ(pair.public_key, client_pub);

  // Mismatched halves, bad Z85, a public file used as a secret one, empty.
  const std::string other_pub = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
  EXPECT_FALSE(seam::ReadCurveSecretKeyFile(
      dir.Write("m.key_secret",
                "public-key = \"" + other_pub + "\"\nsecret-key = \"" + client_sec + "\"\n"),
      &pair, &error));
  EXPECT_NE(error.find("does not belong"), std::string::npos) << error;
  EXPECT_FALSE(
      seam::ReadCurvePublicKeyFile(dir.Write("z.key", "public-key = \"short\"\n"), &key, &error));
  EXPECT_NE(error.find("line 1"), std::string::npos) << error;
  EXPECT_FALSE(seam::ReadCurveSecretKeyFile(
      dir.Write("p.key", "public-key = \"" + client_pub + "\"\n"), &pair, &error));
  EXPECT_NE(error.find("no secret-key"), std::string::npos) << error;
  EXPECT_FALSE(seam::ReadCurvePublicKeyFile(dir.Write("e.key", "# nothing\n"), &key, &error));
  EXPECT_FALSE(seam::ReadCurvePublicKeyFile(dir.path() + "/missing.key", &key, &error));
}

class CurveTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(seam::GenerateCurveKeyFiles(dir_.path(), "server", false, &server_, &error))
        << error;
    ASSERT_TRUE(seam::GenerateCurveKeyFiles(dir_.path(), "edge", false, &edge_, &error)) << error;
    ASSERT_TRUE(seam::GenerateCurveKeyFiles(dir_.path(), "stranger", false, &stranger_, &error))
        << error;
    ASSERT_EQ(::mkdir((dir_.path() + "/allowed").c_str(), 0755), 0);
    std::filesystem::copy_file(dir_.path() + "/edge.key", dir_.path() + "/allowed/edge.key");
  }

  Config ServerConfig() const {
    return {{"curve_secret_file", dir_.path() + "/server.key_secret"},
            {"allow_keys_dir", dir_.path() + "/allowed"}};
  }
  Config ClientConfig(const std::string& name) const {
    return {{"curve_secret_file", dir_.path() + "/" + name + ".key_secret"},
            {"curve_server_key_file", dir_.path() + "/server.key"}};
  }

  // Starts a CURVE server whose workers echo [peer][request frames...].
  std::unique_ptr<TestServer> Serve(const std::string& ep) {
    auto server = std::make_unique<TestServer>(
        "zeromq", ServerConfig(), ep, 1, [](seam::TransportWorker& w, seam::ReceivedMessage& m) {
          const std::string peer = m.peer();
          Frames frames = {{reinterpret_cast<const uint8_t*>(peer.data()), peer.size()}};
          for (size_t i = 0; i < m.num_frames(); ++i)
            frames.emplace_back(m.frame_data(i), m.frame_size(i));
          EXPECT_TRUE(w.Reply(m.token(), frames).ok());
        });
    EXPECT_TRUE(server->ok());
    return server;
  }

  TempDir dir_;
  seam::CurveKeyPair server_, edge_, stranger_;
};

TEST_F(CurveTransportTest, AnAllowedClientIsServedAndReportedByItsPublicKey) {
  for (const std::string& ep : {TcpEndpoint(), "ipc://" + dir_.path() + "/curve.sock"}) {
    auto server = Serve(ep);
    auto client = Connect("zeromq", ep, ClientConfig("edge"));
    ASSERT_NE(client, nullptr);
    seam::ReceivedMessage reply;
    seam::Status s = client->Request(Text("hello"), 5000, &reply);
    ASSERT_TRUE(s.ok()) << ep << ": " << s.ToString();
    ASSERT_EQ(reply.num_frames(), 2u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(reply.frame_data(0)), reply.frame_size(0)),
              edge_.public_key);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(reply.frame_data(1)), reply.frame_size(1)),
              "hello");
  }
}

TEST_F(CurveTransportTest, AnUnknownClientKeyIsRefused) {
  const std::string ep = TcpEndpoint();
  auto server = Serve(ep);
  auto client = Connect("zeromq", ep, ClientConfig("stranger"));
  ASSERT_NE(client, nullptr);
  seam::ReceivedMessage reply;
  seam::Status s = client->Request(Text("let me in"), 500, &reply);
  EXPECT_EQ(s.code(), seam::StatusCode::kTimeout) << s.ToString();
  EXPECT_EQ(server->requests(), 0);
}

TEST_F(CurveTransportTest, APlaintextClientIsRefused) {
  const std::string ep = TcpEndpoint();
  auto server = Serve(ep);
  auto client = Connect("zeromq", ep);
  ASSERT_NE(client, nullptr);
  seam::ReceivedMessage reply;
  seam::Status s = client->Request(Text("plain"), 500, &reply);
  EXPECT_EQ(s.code(), seam::StatusCode::kTimeout) << s.ToString();
  EXPECT_EQ(server->requests(), 0);
}

TEST_F(CurveTransportTest, AClientWithTheWrongServerKeyGetsNothing) {
  const std::string ep = TcpEndpoint();
  auto server = Serve(ep);
  Config config = ClientConfig("edge");
  config[1].second = dir_.path() + "/stranger.key";  // not the server's key
  auto client = Connect("zeromq", ep, config);
  ASSERT_NE(client, nullptr);
  seam::ReceivedMessage reply;
  EXPECT_EQ(client->Request(Text("x"), 500, &reply).code(), seam::StatusCode::kTimeout);
  EXPECT_EQ(server->requests(), 0);
}

TEST_F(CurveTransportTest, AServerFailsClosedWithoutAnAllowList) {
  // CURVE server without allow_keys_dir: refused at bind, not run
  // unauthenticated.
  auto t = LoadTransport("zeromq", {{"curve_secret_file", dir_.path() + "/server.key_secret"}});
  ASSERT_NE(t, nullptr);
  seam::Status s = seam::TransportServer(t).Bind(TcpEndpoint());
  EXPECT_EQ(s.code(), seam::StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("allow_keys_dir"), std::string::npos) << s.ToString();
  // An empty allow-list could never admit anyone: refused too.
  ASSERT_EQ(::mkdir((dir_.path() + "/empty").c_str(), 0755), 0);
  t = LoadTransport("zeromq", {{"curve_secret_file", dir_.path() + "/server.key_secret"},
                               {"allow_keys_dir", dir_.path() + "/empty"}});
  ASSERT_NE(t, nullptr);
  s = seam::TransportServer(t).Bind(TcpEndpoint());
  EXPECT_EQ(s.code(), seam::StatusCode::kInvalidArgument) << s.ToString();
  // A malformed file in the allow-list is an error, not silently skipped.
  dir_.Write("allowed/broken.key", "public-key = \"nope\"\n");
  t = LoadTransport("zeromq", ServerConfig());
  ASSERT_NE(t, nullptr);
  s = seam::TransportServer(t).Bind(TcpEndpoint());
  EXPECT_EQ(s.code(), seam::StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("broken.key"), std::string::npos) << s.ToString();
}

TEST_F(CurveTransportTest, AClientNeedsTheServerKey) {
  auto t = LoadTransport("zeromq", {{"curve_secret_file", dir_.path() + "/edge.key_secret"}});
  ASSERT_NE(t, nullptr);
  seam::Status s = seam::TransportClient(t).Connect(TcpEndpoint());
  EXPECT_EQ(s.code(), seam::StatusCode::kInvalidArgument) << s.ToString();
}

}  // namespace
}  // namespace seam_transport_test

#endif  // SEAM_TEST_HAVE_ZEROMQ
