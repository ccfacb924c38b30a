#include "node/control_server.hpp"

#include "net/listener.hpp"

#include <algorithm>

#include "util/log.hpp"

namespace rt::node {
namespace {

constexpr std::string_view kLog = "control";

std::string endpoint_string(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

// ---- ControlServer ------------------------------------------------------------------------

std::shared_ptr<ControlServer> ControlServer::create(asio::io_context& io,
                                                     ControlServerConfig config,
                                                     const telemetry::EventRing& events,
                                                     nlohmann::json hello, CommandHandler handler,
                                                     std::function<void()> on_shutdown) {
  return std::shared_ptr<ControlServer>(new ControlServer(
      io, std::move(config), events, std::move(hello), std::move(handler), std::move(on_shutdown)));
}

ControlServer::ControlServer(asio::io_context& io, ControlServerConfig config,
                             const telemetry::EventRing& events, nlohmann::json hello,
                             CommandHandler handler, std::function<void()> on_shutdown)
    : io_(io),
      config_(std::move(config)),
      events_(events),
      hello_(std::move(hello)),
      handler_(std::move(handler)),
      on_shutdown_(std::move(on_shutdown)),
      acceptor_(io),
      accept_retry_(io),
      push_timer_(io) {}

std::error_code ControlServer::listen() {
  if (auto error = net::open_listener(acceptor_, config_.host, config_.port, port_)) return error;
  return {};
}

void ControlServer::start() {
  if (acceptor_.is_open()) do_accept();
}

void ControlServer::do_accept() {
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec,
                                                     tcp::socket socket) {
    if (self->stopped_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      // E.g. out of file descriptors: retry shortly instead of spinning.
      RT_LOG(warn, kLog, "accept failed: " + ec.message());
      net::retry_accept_later(self->accept_retry_, [self] {
        if (!self->stopped_) self->do_accept();
      });
      return;
    }
    if (self->sessions_ >= self->config_.max_sessions) {
      boost::system::error_code ignored;
      RT_LOG(warn, kLog,
             "refused control connection from " + endpoint_string(socket.remote_endpoint(ignored)) +
                 ": too many sessions");
      socket.close(ignored);
    } else {
      ++self->sessions_;
      auto stream = self->config_.tls ? crypto::ByteStream(std::move(socket), *self->config_.tls)
                                      : crypto::ByteStream(std::move(socket));
      auto session = std::make_shared<ControlSession>(self, std::move(stream));
      std::erase_if(self->all_, [](const auto& weak) { return weak.expired(); });
      self->all_.push_back(session);
      session->start();
    }
    self->do_accept();
  });
}

bool ControlServer::token_matches(const std::string& token) const {
  // Constant time in the token's content: every byte of the longer string is looked at.
  const std::string& expected = config_.token;
  const std::size_t n = std::max(expected.size(), token.size());
  unsigned char diff = expected.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char a = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0;
    const unsigned char b = i < token.size() ? static_cast<unsigned char>(token[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ b);
  }
  return diff == 0;
}

nlohmann::json ControlServer::handle(const nlohmann::json& request) {
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    // A bad argument type must never take the node down.
    return control_error(std::string("bad request: ") + e.what());
  }
}

void ControlServer::add_subscriber(const std::shared_ptr<ControlSession>& session) {
  std::erase_if(subscribers_, [](const auto& weak) { return weak.expired(); });
  subscribers_.push_back(session);
  if (!pushing_) arm_push();
}

void ControlServer::arm_push() {
  pushing_ = true;
  push_timer_.expires_after(config_.push_interval);
  push_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopped_) {
      self->pushing_ = false;
      return;
    }
    std::erase_if(self->subscribers_, [](const std::weak_ptr<ControlSession>& weak) {
      auto session = weak.lock();
      return !session || !session->subscribed();
    });
    for (const auto& weak : self->subscribers_) {
      if (auto session = weak.lock()) session->push_events();
    }
    if (self->subscribers_.empty()) {
      self->pushing_ = false;
    } else {
      self->arm_push();
    }
  });
}

void ControlServer::request_shutdown() {
  if (stopped_ || !on_shutdown_) return;
  // Run outside the session's handler so that the node may tear everything down.
  asio::post(io_, [self = shared_from_this()] {
    if (self->on_shutdown_) self->on_shutdown_();
  });
}

void ControlServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  push_timer_.cancel();
  auto sessions = std::move(all_);
  all_.clear();
  subscribers_.clear();
  for (auto& weak : sessions) {
    if (auto session = weak.lock()) session->close("node shutting down");
  }
}

// ---- ControlSession -----------------------------------------------------------------------

ControlSession::ControlSession(std::shared_ptr<ControlServer> server, crypto::ByteStream stream)
    : server_(std::move(server)), stream_(std::move(stream)), hello_timer_(stream_.get_executor()) {
  boost::system::error_code ec;
  const auto remote = stream_.socket().remote_endpoint(ec);
  remote_ = ec ? std::string("?") : endpoint_string(remote);
  stream_.socket().set_option(tcp::no_delay(true), ec);
}

void ControlSession::start() {
  hello_timer_.expires_after(server_->config().hello_timeout);
  hello_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->authed_) self->fail("no ControlHello within the time limit");
  });
  if (!stream_.secure()) return read_header();
  // The hello timer covers the TLS handshake too.
  stream_.async_handshake(asio::ssl::stream_base::server,
                          [self = shared_from_this()](const boost::system::error_code& ec) {
                            if (self->closed_) return;
                            if (ec) return self->fail("TLS handshake failed: " + ec.message());
                            self->read_header();
                          });
}

void ControlSession::read_header() {
  asio::async_read(
      stream_, asio::buffer(header_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        if (self->closed_) return;
        if (ec) {
          self->close(ec == asio::error::eof ? std::string("client closed")
                                             : "read failed: " + ec.message());
          return;
        }
        // Before any token, only a small hello is allowed.
        const std::uint32_t max_body = self->authed_ ? self->server_->config().max_body : 64u << 10;
        if (auto error = wire::parse_header(self->header_, max_body, self->frame_header_)) {
          return self->fail("bad frame header: " + error.message());
        }
        self->read_body();
      });
}

void ControlSession::read_body() {
  body_.resize(frame_header_.body_size);
  asio::async_read(
      stream_, asio::buffer(body_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        if (self->closed_) return;
        if (ec) return self->close("read failed: " + ec.message());
        wire::Message message;
        if (auto error = wire::decode_body(self->frame_header_.type, self->body_, message)) {
          return self->fail("undecodable " +
                            std::string(wire::type_name(self->frame_header_.type)) +
                            " frame: " + error.message());
        }
        self->body_.clear();
        self->body_.shrink_to_fit();
        self->on_frame(std::move(message));
        if (!self->closed_ && !self->close_after_write_) self->read_header();
      });
}

void ControlSession::on_frame(wire::Message&& message) {
  if (!authed_) {
    const auto* hello = std::get_if<wire::ControlHello>(&message);
    if (!hello || !server_->token_matches(hello->token)) {
      RT_LOG(warn, kLog,
             "refused control client " + remote_ + ": " +
                 (hello ? "wrong token" : "first frame was not a ControlHello"));
      close_after_write_ = true;
      respond(0, control_error("wrong token"));
      return;
    }
    authed_ = true;
    hello_timer_.cancel();
    nlohmann::json answer = server_->hello();
    answer["ok"] = true;
    respond(0, answer);
    return;
  }
  if (const auto* request = std::get_if<wire::ControlRequest>(&message)) {
    on_request(*request);
    return;
  }
  fail("unexpected " + std::string(wire::type_name(wire::type_of(message))) +
       " frame on the control channel");
}

void ControlSession::on_request(const wire::ControlRequest& request) {
  const ControlRequestParse parsed = parse_control_request(request.json);
  if (!parsed.error.empty()) return respond(request.request_id, control_error(parsed.error));
  const std::string& name = parsed.cmd;
  if (name == "subscribe") {
    const auto& events = server_->events();
    cursor_.next = std::min(parsed.from_seq.value_or(events.next_seq()), events.next_seq());
    subscribed_ = true;
    respond(request.request_id, {{"ok", true}, {"next_seq", cursor_.next}});
    server_->add_subscriber(shared_from_this());
    return;
  }
  if (name == "shutdown") {
    RT_LOG(info, kLog, "shutdown requested by control client " + remote_);
    queue(wire::encode_shared(wire::ControlResponse{request.request_id, R"({"ok":true})"}), false,
          true);
    return;
  }
  respond(request.request_id, server_->handle(parsed.document));
}

void ControlSession::respond(std::uint32_t request_id, const nlohmann::json& body) {
  queue(wire::encode_shared(wire::ControlResponse{request_id, dump_json(body)}), false);
}

void ControlSession::push_events() {
  if (closed_ || !subscribed_ || close_after_write_) return;
  const auto& events = server_->events();
  for (std::size_t i = 0; i < kBatchesPerTick; ++i) {
    if (queued_batches_ >= kMaxQueuedBatches) return;  // never wait for a slow client
    const bool behind = cursor_.next < events.oldest_seq();
    if (!events.has_events(cursor_) && !behind) return;
    wire::EventBatch batch = events.read(cursor_, server_->config().batch_max_events);
    queue(wire::encode_shared(batch), true);
  }
}

void ControlSession::queue(wire::SharedBytes frame, bool is_batch, bool then_shutdown) {
  if (closed_) return;
  out_.push_back({std::move(frame), is_batch, then_shutdown});
  if (is_batch) ++queued_batches_;
  do_write();
}

void ControlSession::do_write() {
  if (writing_ || closed_) return;
  if (out_.empty()) {
    if (close_after_write_) close("wrong token");
    return;
  }
  writing_ = true;
  // The handler holds the frame too, so its buffer outlives the write whatever close() does.
  auto frame = out_.front().frame;
  asio::async_write(
      stream_, asio::buffer(*frame),
      [self = shared_from_this(), frame](const boost::system::error_code& ec, std::size_t) {
        self->writing_ = false;
        if (self->closed_) return;
        if (ec) return self->close("write failed: " + ec.message());
        const Outgoing done = std::move(self->out_.front());
        self->out_.pop_front();
        if (done.is_batch) --self->queued_batches_;
        if (done.then_shutdown) self->server_->request_shutdown();
        self->do_write();
      });
}

void ControlSession::fail(std::string_view reason) {
  RT_LOG(warn, kLog, "closing control connection from " + remote_ + ": " + std::string(reason));
  close(reason);
}

void ControlSession::close(std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  RT_LOG(debug, kLog, "control connection from " + remote_ + " closed: " + std::string(reason));
  stream_.close();
  hello_timer_.cancel();
  out_.clear();
  queued_batches_ = 0;
  server_->session_closed();
}

}  // namespace rt::node
