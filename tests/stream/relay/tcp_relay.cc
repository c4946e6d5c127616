// tcp_relay: a test-only TCP relay that stands in for the network between a
// `seam edge` and a `seam serve` (tests/stream/stream_link_faults_test.cc).
//
//   tcp_relay LISTEN_PORT TARGET_PORT
//
// Listens on 127.0.0.1:LISTEN_PORT and, for every connection it accepts,
// opens one to 127.0.0.1:TARGET_PORT and copies bytes both ways until either
// side closes. Prints "listening 127.0.0.1:LISTEN_PORT -> 127.0.0.1:TARGET_PORT"
// on stdout once it accepts, and one "accepted N" line per connection on
// stderr. The test makes the link fail by signalling this process, so the
// edge and the server see real TCP behaviour, not a mock:
//   * SIGSTOP: a black hole. The kernel still completes handshakes and buffers
//     bytes, but nothing moves until SIGCONT; then everything buffered flows,
//     including requests the edge has given up on.
//   * SIGKILL: a reset. Every connection closes and the port refuses until a
//     new relay listens on it (SO_REUSEADDR lets it bind at once, despite the
//     old connections' TIME_WAIT).
// It lives in a subdirectory so the stream_test glob (tests/stream/*.cc) does
// not link its main() into the test binary. It has no dependency on seam.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

namespace seam::relay {
namespace {

// Both sockets of one relayed connection; closed when both directions are
// done (each pump thread holds a reference).
struct Pair {
  int client = -1;
  int server = -1;
  ~Pair() {
    close(client);
    close(server);
  }
};

bool ParsePort(const char* text, int* port) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 1 || value > 65535) return false;
  *port = static_cast<int>(value);
  return true;
}

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

// ZeroMQ disables Nagle on its own sockets; the relay must not add the
// delay back on the hop it owns.
void NoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// Copies `from` to `to` until `from` ends. A clean end is passed on as a
// half-close, so the peer sees the same FIN it would without the relay; an
// error tears down both directions, so the other pump wakes up too.
void Pump(std::shared_ptr<Pair> pair, bool client_to_server) {
  const int from = client_to_server ? pair->client : pair->server;
  const int to = client_to_server ? pair->server : pair->client;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = read(from, buffer, sizeof(buffer));
    if (n == 0) {
      shutdown(to, SHUT_WR);
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    ssize_t sent = 0;
    while (sent < n) {
      // MSG_NOSIGNAL: a peer that went away is an error here, not SIGPIPE.
      const ssize_t w = send(to, buffer + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        shutdown(from, SHUT_RDWR);
        shutdown(to, SHUT_RDWR);
        return;
      }
      sent += w;
    }
  }
  shutdown(from, SHUT_RDWR);
  shutdown(to, SHUT_RDWR);
}

int Main(int argc, char** argv) {
  int listen_port = 0, target_port = 0;
  if (argc != 3 || !ParsePort(argv[1], &listen_port) || !ParsePort(argv[2], &target_port)) {
    std::fprintf(stderr, "usage: tcp_relay LISTEN_PORT TARGET_PORT\n");
    return 2;
  }
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const sockaddr_in listen_addr = Loopback(listen_port);
  if (listener < 0 ||
      bind(listener, reinterpret_cast<const sockaddr*>(&listen_addr), sizeof(listen_addr)) != 0 ||
      listen(listener, 128) != 0) {
    std::fprintf(stderr, "tcp_relay: cannot listen on 127.0.0.1:%d: %s\n", listen_port,
                 std::strerror(errno));
    return 1;
  }
  std::printf("listening 127.0.0.1:%d -> 127.0.0.1:%d\n", listen_port, target_port);
  std::fflush(stdout);
  const sockaddr_in target_addr = Loopback(target_port);
  for (long accepted = 1;; ++accepted) {
    const int client = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      std::fprintf(stderr, "tcp_relay: accept: %s\n", std::strerror(errno));
      return 1;
    }
    auto pair = std::make_shared<Pair>();
    pair->client = client;
    pair->server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (pair->server < 0 || connect(pair->server, reinterpret_cast<const sockaddr*>(&target_addr),
                                    sizeof(target_addr)) != 0) {
      // No server behind the relay: the client sees its connection close,
      // as it would on a direct connection refused.
      std::fprintf(stderr, "accepted %ld, cannot reach 127.0.0.1:%d: %s\n", accepted, target_port,
                   std::strerror(errno));
      continue;  // ~Pair closes both
    }
    NoDelay(pair->client);
    NoDelay(pair->server);
    std::fprintf(stderr, "accepted %ld\n", accepted);
    std::thread(Pump, pair, true).detach();
    std::thread(Pump, pair, false).detach();
  }
}

}  // namespace
}  // namespace seam::relay

int main(int argc, char** argv) { return seam::relay::Main(argc, argv); }
