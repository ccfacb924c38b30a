#include "cluster/control_client.hpp"

#include <poll.h>

#include <array>
#include <boost/asio.hpp>

#include "crypto/byte_stream.hpp"
#include "crypto/tls_context.hpp"
#include "wire/codec.hpp"

namespace rt::cluster {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Batches kept for next_events() while the caller is busy with requests; beyond this the
// oldest are dropped and their events added to the next batch's `dropped`.
constexpr std::size_t kMaxBufferedBatches = 1024;

// A TLS record header (alert 21 or handshake 22, then major version 3): what a TLS server
// answers to a plaintext control hello before it hangs up.
bool looks_like_tls(const std::vector<std::uint8_t>& bytes) {
  return bytes.size() >= 3 && (bytes[0] == 21 || bytes[0] == 22) && bytes[1] == 3;
}

}  // namespace

struct ControlClient::Impl {
  asio::io_context io;
  std::shared_ptr<asio::ssl::context> tls;  // before the stream: it must outlive it
  std::optional<crypto::ByteStream> stream;
  tcp::socket& socket() { return stream->socket(); }
  std::vector<std::uint8_t> in;  // received bytes not decoded yet
  std::deque<wire::EventBatch> events;
  std::uint32_t next_id = 1;
  std::string failure;

  enum class Read { frame, timeout, broken };

  void fail(std::string reason) {
    if (failure.empty()) failure = std::move(reason);
    stream->close();
  }

  // Runs the io_context until `done` or the deadline; on timeout cancels the outstanding
  // operation and lets its handler finish. Returns whether it completed in time.
  bool run_until(const bool& done, Clock::time_point deadline) {
    io.restart();
    while (!done && Clock::now() < deadline) {
      if (io.run_one_until(deadline) == 0 && io.stopped()) break;
    }
    if (done) return true;
    boost::system::error_code ignored;
    socket().cancel(ignored);
    io.restart();
    while (!done) {
      if (io.run_one() == 0) break;
    }
    return false;
  }

  bool write_frame(const wire::Message& message, Clock::time_point deadline) {
    const wire::Bytes frame = wire::encode_frame(message);
    bool done = false;
    boost::system::error_code ec;
    asio::async_write(*stream, asio::buffer(frame), [&](boost::system::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    if (!run_until(done, deadline) || ec == asio::error::operation_aborted) {
      // Part of a frame may be on the wire: the stream cannot be trusted any more.
      fail("timed out sending to the node");
      return false;
    }
    if (ec) {
      fail("send failed: " + ec.message());
      return false;
    }
    return true;
  }

  bool readable_now() {
    pollfd p{static_cast<int>(socket().native_handle()), POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

  // Pulls more bytes into `in`. Zero timeout: only what is already readable.
  Read fill(Clock::time_point deadline, bool nonblocking) {
    std::array<std::uint8_t, 65536> chunk;
    boost::system::error_code ec;
    std::size_t n = 0;
    if (nonblocking && stream->secure()) {
      // Nothing decrypted waiting and nothing on the socket: nothing to take now. Otherwise
      // read as below, briefly (the rest of a record that has begun arrives at once).
      if (!SSL_has_pending(stream->native_tls()) && !readable_now()) return Read::timeout;
      nonblocking = false;
      deadline = Clock::now() + std::chrono::milliseconds(200);
    }
    if (nonblocking) {
      socket().non_blocking(true, ec);
      n = socket().read_some(asio::buffer(chunk), ec);
      boost::system::error_code ignored;
      socket().non_blocking(false, ignored);
      if (ec == asio::error::would_block || ec == asio::error::try_again) return Read::timeout;
    } else {
      bool done = false;
      stream->async_read_some(asio::buffer(chunk), [&](boost::system::error_code e, std::size_t k) {
        ec = e;
        n = k;
        done = true;
      });
      const bool in_time = run_until(done, deadline);
      in.insert(in.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
      if (!in_time || ec == asio::error::operation_aborted) return Read::timeout;
      n = 0;
    }
    in.insert(in.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    if (ec) {
      fail(ec == asio::error::eof ? "the node closed the control connection"
                                  : "receive failed: " + ec.message());
      return Read::broken;
    }
    return Read::frame;
  }

  // Decodes the next whole frame, reading as needed until the deadline.
  Read read_frame(Clock::time_point deadline, bool nonblocking, wire::Message& out) {
    for (;;) {
      if (!failure.empty()) return Read::broken;
      wire::DecodeResult r = wire::decode_frame(in);
      if (!r.error) {
        in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(r.consumed));
        out = std::move(*r.message);
        return Read::frame;
      }
      if (r.error != wire::errc::truncated) {
        fail("bad frame from the node: " + r.error.message());
        return Read::broken;
      }
      if (!nonblocking && Clock::now() >= deadline) return Read::timeout;
      const Read got = fill(deadline, nonblocking);
      if (got != Read::frame) return got;
    }
  }

  void keep_events(wire::EventBatch&& batch) {
    events.push_back(std::move(batch));
    while (events.size() > kMaxBufferedBatches) {
      const std::uint64_t lost = events.front().dropped + events.front().events.size();
      events.pop_front();
      events.front().dropped += lost;
    }
  }

  // Waits for the response to `id`, buffering event batches. nullopt: timeout or failure.
  std::optional<std::string> await_response(std::uint32_t id, Clock::time_point deadline,
                                            std::string& error) {
    for (;;) {
      wire::Message m;
      const Read got = read_frame(deadline, false, m);
      if (got == Read::timeout) {
        error = "timed out waiting for the node's answer";
        return std::nullopt;
      }
      if (got == Read::broken) {
        error = failure;
        return std::nullopt;
      }
      if (auto* batch = std::get_if<wire::EventBatch>(&m)) {
        keep_events(std::move(*batch));
      } else if (auto* response = std::get_if<wire::ControlResponse>(&m)) {
        // Answers to requests that timed out earlier are stale: skip them.
        if (response->request_id == id) return std::move(response->json);
      } else {
        fail("unexpected " + std::string(wire::type_name(wire::type_of(m))) +
             " frame on the control channel");
        error = failure;
        return std::nullopt;
      }
    }
  }
};

ControlClient::ControlClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ControlClient::~ControlClient() = default;

std::unique_ptr<ControlClient> ControlClient::connect(const std::string& endpoint,
                                                      const std::string& token, Duration timeout,
                                                      std::string& error,
                                                      const std::optional<PublicKey>& node_key,
                                                      std::optional<bool> tls) {
  const auto deadline = Clock::now() + timeout;
  const auto colon = endpoint.rfind(':');
  if (colon == std::string::npos) {
    error = "control endpoint \"" + endpoint + "\" is not host:port";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  const bool loopback = crypto::is_loopback_host(endpoint.substr(0, colon));
  if (tls == false && !loopback) {
    error = endpoint +
            " is not on loopback: \"control_tls\": false would send the token in clear; a "
            "control channel off loopback is always TLS";
    return nullptr;
  }
  if (tls.value_or(!loopback)) {
    if (!node_key) {
      error = endpoint +
              (loopback ? std::string(" runs TLS (\"control_tls\": true)")
                        : std::string(" is not on loopback: its control channel runs TLS")) +
              ", and there is no public key of the node to pin (cluster.json \"public_key\")";
      return nullptr;
    }
    impl->tls = crypto::make_client_tls_context(error);
    if (!impl->tls) return nullptr;
    impl->stream.emplace(tcp::socket(impl->io), *impl->tls);
  } else {
    impl->stream.emplace(tcp::socket(impl->io));
  }
  boost::system::error_code ec;
  tcp::resolver resolver(impl->io);
  const auto results = resolver.resolve(endpoint.substr(0, colon), endpoint.substr(colon + 1),
                                        tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    error = "cannot resolve " + endpoint + ": " + ec.message();
    return nullptr;
  }
  bool done = false;
  asio::async_connect(impl->socket(), results,
                      [&](boost::system::error_code e, const tcp::endpoint&) {
                        ec = e;
                        done = true;
                      });
  if (!impl->run_until(done, deadline) || ec == asio::error::operation_aborted) {
    error = "connecting to " + endpoint + " timed out";
    return nullptr;
  }
  if (ec) {
    error = "cannot connect to " + endpoint + ": " + ec.message();
    return nullptr;
  }
  impl->socket().set_option(tcp::no_delay(true), ec);
  if (impl->stream->secure()) {
    done = false;
    impl->stream->async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code e) {
      ec = e;
      done = true;
    });
    if (!impl->run_until(done, deadline) || ec) {
      error = endpoint + ": TLS handshake " + (ec ? "failed: " + ec.message() : "timed out");
      return nullptr;
    }
    const auto presented = impl->stream->peer_key();
    if (presented != node_key) {
      error = endpoint + ": the node presented " +
              (presented ? "key " + to_hex(*presented).substr(0, 8) : std::string("no key")) +
              ", not the pinned key " + to_hex(*node_key).substr(0, 8);
      return nullptr;
    }
  }
  if (!impl->write_frame(wire::ControlHello{token}, deadline)) {
    error = endpoint + ": " + impl->failure;
    return nullptr;
  }
  std::string why;
  const auto answer = impl->await_response(0, deadline, why);
  if (!answer) {
    error = endpoint + ": no answer to the control hello (" + why + ")";
    if (!impl->stream->secure() && looks_like_tls(impl->in)) {
      error = endpoint +
              ": the node answered with TLS: its control channel runs TLS (set \"control_tls\": "
              "true for this node in cluster.json, next to its \"public_key\")";
    } else if (!impl->stream->secure() && impl->in.empty() && why.rfind("timed out", 0) != 0) {
      // A TLS server hangs up on a plaintext hello without a word: say what may be wrong.
      error +=
          "; a node that serves TLS here (a forward to a control channel off loopback, "
          "e.g. kubectl port-forward) needs \"control_tls\": true in cluster.json";
    }
    return nullptr;
  }
  const auto doc = nlohmann::json::parse(*answer, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = endpoint + ": the control hello answer is not a JSON object";
    return nullptr;
  }
  if (!doc.value("ok", false)) {
    error = endpoint + ": refused: " + doc.value("error", std::string("no reason given"));
    return nullptr;
  }
  return std::unique_ptr<ControlClient>(new ControlClient(std::move(impl)));
}

std::optional<nlohmann::json> ControlClient::request(const nlohmann::json& command,
                                                     Duration timeout, std::string& error) {
  Impl& d = *impl_;
  const std::string name = command.is_object() ? command.value("cmd", std::string("?")) : "?";
  if (!d.failure.empty()) {
    error = d.failure;
    return std::nullopt;
  }
  const auto deadline = Clock::now() + timeout;
  std::uint32_t id = d.next_id++;
  if (id == 0) id = d.next_id++;  // 0 answers the hello
  wire::ControlRequest req{id,
                           command.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  if (!d.write_frame(req, deadline)) {
    error = "\"" + name + "\": " + d.failure;
    return std::nullopt;
  }
  std::string why;
  auto text = d.await_response(id, deadline, why);
  if (!text) {
    error =
        "\"" + name + "\": " +
        (d.failure.empty() ? "no answer within " + std::to_string(timeout.count()) + " ms" : why);
    return std::nullopt;
  }
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = "\"" + name + "\": the answer is not a JSON object";
    return std::nullopt;
  }
  return doc;
}

bool ControlClient::subscribe(std::string& error, Duration timeout,
                              std::optional<std::uint64_t> from_seq) {
  nlohmann::json command = {{"cmd", "subscribe"}};
  if (from_seq) command["from_seq"] = *from_seq;
  const auto answer = request(command, timeout, error);
  if (!answer) return false;
  if (!answer->value("ok", false)) {
    error = "subscribe refused: " + answer->value("error", std::string("no reason given"));
    return false;
  }
  return true;
}

std::optional<wire::EventBatch> ControlClient::next_events(Duration timeout, std::string& error) {
  Impl& d = *impl_;
  error.clear();
  const bool nonblocking = timeout.count() <= 0;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (!d.events.empty()) {
      wire::EventBatch batch = std::move(d.events.front());
      d.events.pop_front();
      return batch;
    }
    wire::Message m;
    const Impl::Read got = d.read_frame(deadline, nonblocking, m);
    if (got == Impl::Read::timeout) return std::nullopt;
    if (got == Impl::Read::broken) {
      error = d.failure;
      return std::nullopt;
    }
    if (auto* batch = std::get_if<wire::EventBatch>(&m)) {
      d.keep_events(std::move(*batch));
    } else if (!std::holds_alternative<wire::ControlResponse>(m)) {
      d.fail("unexpected " + std::string(wire::type_name(wire::type_of(m))) +
             " frame on the control channel");
      error = d.failure;
      return std::nullopt;
    }
  }
}

bool ControlClient::connected() const {
  return impl_->failure.empty() && impl_->socket().is_open();
}

int ControlClient::native_handle() const {
  auto& socket = impl_->socket();
  return socket.is_open() ? static_cast<int>(socket.native_handle()) : -1;
}

const std::string& ControlClient::failure() const {
  return impl_->failure;
}

}  // namespace rt::cluster
