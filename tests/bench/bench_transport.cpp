// Node-to-node throughput over loopback: two net::Transport instances (each on its own
// io_context thread, as in raintree-node), over mutual TLS 1.3 and over plaintext, versus plain
// blocking-socket TCP carrying the same frames, measured in the same run. Printed figures, not
// pass/fail.
//
//   bench_transport [seconds-per-case]   (default 1.5)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "crypto/tls_context.hpp"
#include "net/transport.hpp"
#include "wire/codec.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

rt::NodeId make_id(std::uint8_t fill) {
  rt::NodeId::Bytes bytes;
  bytes.fill(fill);
  return rt::NodeId(bytes);
}

// A node identity for the TLS case: two keys, the first with the lower id.
struct Identities {
  std::vector<rt::crypto::NodeKey> keys;
  Identities() {
    std::string error;
    for (int i = 0; i < 2; ++i) keys.push_back(*rt::crypto::NodeKey::generate(error));
    if (keys[1].id() < keys[0].id()) std::swap(keys[0], keys[1]);
  }
};

rt::wire::SharedBytes make_frame(std::size_t payload) {
  rt::wire::Gossip g;
  g.id = rt::MessageId{1};
  g.origin = make_id(9);
  g.group = "all";
  g.payload = std::make_shared<const rt::wire::Bytes>(payload, 0x5a);
  return rt::wire::encode_shared(g);
}

struct Result {
  double seconds = 0;
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  double frames_per_s() const { return frames / seconds; }
  double mb_per_s() const { return bytes / seconds / 1e6; }
};

// ---- Transport ----------------------------------------------------------------------------

class Counter : public rt::net::TransportObserver {
 public:
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<bool> up{false};
  std::atomic<std::uint64_t> drops{0};
  void on_peer_up(const rt::NodeId&) override { up = true; }
  void on_peer_down(const rt::NodeId&, std::string_view) override { up = false; }
  void on_message(const rt::NodeId&, rt::wire::Message&& m, std::size_t n) override {
    if (std::holds_alternative<rt::wire::Gossip>(m)) {
      bytes.fetch_add(n, std::memory_order_relaxed);
      frames.fetch_add(1, std::memory_order_release);
    }
  }
  void on_drop(const rt::NodeId&, rt::wire::MessageType, std::size_t, std::string_view) override {
    ++drops;
  }
};

struct Endpoint {
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  Counter counter;
  std::shared_ptr<rt::net::Transport> transport;
  std::thread thread;

  // With `key`: TLS with it; without: plaintext.
  Endpoint(rt::NodeId id, const rt::crypto::NodeKey* key) {
    rt::net::TransportConfig config;
    config.self = id;
    if (key) {
      std::string error;
      config.tls =
          rt::crypto::make_node_tls_context(*key, rt::crypto::PeerCertificate::required, error);
    }
    config.queue_max_frames = 1u << 20;
    config.queue_max_bytes = 512u << 20;
    config.inbound = {0, 0, 0, 0};  // raw throughput: no per-peer inbound budget
    transport = rt::net::Transport::create(io, config, counter);
    if (transport->listen()) std::abort();
    work.emplace(asio::make_work_guard(io));
    thread = std::thread([this] { io.run(); });
  }
  ~Endpoint() {
    asio::post(io, [t = transport] { t->stop(); });
    work.reset();
    thread.join();
  }
};

Result run_transport(std::size_t payload, double seconds, bool tls) {
  const Identities identities;
  const auto id_a = tls ? identities.keys[0].id() : make_id(1);
  const auto id_b = tls ? identities.keys[1].id() : make_id(2);
  Endpoint a(id_a, tls ? &identities.keys[0] : nullptr);
  Endpoint b(id_b, tls ? &identities.keys[1] : nullptr);
  std::vector<rt::net::PeerAddress> peers = {{id_a, "127.0.0.1", a.transport->local_port()},
                                             {id_b, "127.0.0.1", b.transport->local_port()}};
  if (tls) {
    peers[0].key = identities.keys[0].public_key();
    peers[1].key = identities.keys[1].public_key();
  }
  asio::post(a.io, [&] { a.transport->start(peers); });
  asio::post(b.io, [&] { b.transport->start(peers); });
  while (!a.counter.up || !b.counter.up) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  const auto frame = make_frame(payload);
  // Keep a window of frames in flight so that the sender's queue never overflows.
  const std::uint64_t window = std::max<std::uint64_t>(64, (8u << 20) / frame->size());
  const std::uint64_t chunk = std::max<std::uint64_t>(1, window / 4);
  std::uint64_t sent = 0;
  const auto start = Clock::now();
  const auto stop_at = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < stop_at) {
    if (sent - b.counter.frames.load(std::memory_order_acquire) + chunk > window) {
      std::this_thread::yield();
      continue;
    }
    asio::post(a.io, [&a, id_b, frame, chunk] {
      for (std::uint64_t i = 0; i < chunk; ++i) a.transport->send(id_b, frame);
    });
    sent += chunk;
  }
  while (b.counter.frames.load(std::memory_order_acquire) < sent) std::this_thread::yield();
  Result r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.frames = b.counter.frames;
  r.bytes = b.counter.bytes;
  if (a.counter.drops)
    std::fprintf(stderr, "warning: %llu drops\n", (unsigned long long)a.counter.drops.load());
  return r;
}

// ---- plain blocking TCP -------------------------------------------------------------------

bool read_exact(int fd, std::uint8_t* out, std::size_t n) {
  while (n > 0) {
    const ssize_t got = ::recv(fd, out, n, 0);
    if (got <= 0) return false;
    out += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

Result run_plain_tcp(std::size_t payload, double seconds) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listener, 1);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);

  std::atomic<std::uint64_t> frames{0}, bytes{0};
  std::thread reader([&] {
    const int fd = ::accept(listener, nullptr, nullptr);
    std::vector<std::uint8_t> body;
    std::uint8_t header[6];
    while (read_exact(fd, header, 6)) {
      const std::uint32_t size = std::uint32_t{header[0]} << 24 | std::uint32_t{header[1]} << 16 |
                                 std::uint32_t{header[2]} << 8 | header[3];
      body.resize(size);
      if (!read_exact(fd, body.data(), size)) break;
      bytes.fetch_add(6 + size, std::memory_order_relaxed);
      frames.fetch_add(1, std::memory_order_relaxed);
    }
    ::close(fd);
  });
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const auto frame = make_frame(payload);
  std::uint64_t sent = 0;
  const auto start = Clock::now();
  const auto stop_at = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < stop_at) {
    for (int i = 0; i < 64; ++i) {
      const std::uint8_t* p = frame->data();
      std::size_t left = frame->size();
      while (left > 0) {
        const ssize_t n = ::send(fd, p, left, MSG_NOSIGNAL);
        if (n <= 0) std::abort();
        p += n;
        left -= static_cast<std::size_t>(n);
      }
      ++sent;
    }
  }
  ::shutdown(fd, SHUT_WR);
  reader.join();
  Result r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.frames = frames;
  r.bytes = bytes;
  ::close(fd);
  ::close(listener);
  return r;
}

void print(const char* what, std::size_t payload, const Result& r) {
  std::printf("%-22s payload %6zu B  %10.0f frames/s  %9.1f MB/s  (%llu frames in %.2f s)\n", what,
              payload, r.frames_per_s(), r.mb_per_s(), static_cast<unsigned long long>(r.frames),
              r.seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.5;
  std::printf("Loopback throughput, one direction, %.1f s per case\n", seconds);
  for (const std::size_t payload : {std::size_t{1024}, std::size_t{64 * 1024}}) {
    print("transport, TLS 1.3", payload, run_transport(payload, seconds, true));
    print("transport, plaintext", payload, run_transport(payload, seconds, false));
    print("plain blocking TCP", payload, run_plain_tcp(payload, seconds));
  }
  return 0;
}
