#include "net/handshake.hpp"

#include "util/log.hpp"

namespace rt::net {
namespace {
constexpr std::string_view kLog = "net";
}  // namespace

std::shared_ptr<Handshake> Handshake::accept(const std::shared_ptr<Transport>& owner,
                                             tcp::socket socket, asio::ip::address address) {
  auto handshake =
      std::make_shared<Handshake>(owner, owner->make_stream(std::move(socket)), std::nullopt);
  handshake->address_ = std::move(address);
  handshake->start();
  return handshake;
}

std::shared_ptr<Handshake> Handshake::dial(const std::shared_ptr<Transport>& owner,
                                           const PeerAddress& peer) {
  auto handshake =
      std::make_shared<Handshake>(owner, owner->make_stream(tcp::socket(owner->io())), peer);
  handshake->start();
  return handshake;
}

Handshake::Handshake(const std::shared_ptr<Transport>& owner, crypto::ByteStream stream,
                     std::optional<PeerAddress> expected)
    : owner_(owner),
      config_(owner->config()),
      our_hello_(owner->hello_frame()),
      stream_(std::move(stream)),
      resolver_(owner->io()),
      deadline_(owner->io()),
      expected_(std::move(expected)) {}

void Handshake::start() {
  if (auto owner = owner_.lock()) owner->track(shared_from_this());
  deadline_.expires_after(config_.handshake_timeout);
  deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->fail("handshake timed out");
  });
  if (expected_) {
    remote_ = expected_->host + ":" + std::to_string(expected_->port);
    connect();
  } else {
    boost::system::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? std::string("?") : endpoint_string(remote);
    if (stream_.secure())
      return secure_then(asio::ssl::stream_base::server, &Handshake::read_header);
    read_header();
  }
}

void Handshake::connect() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(expected_->host, ec);
  if (!ec) {
    stream_.socket().async_connect(
        tcp::endpoint(address, expected_->port),
        [self = shared_from_this()](const boost::system::error_code& error) {
          if (self->done_) return;
          if (error) return self->fail("connect failed: " + error.message());
          self->on_connected();
        });
    return;
  }
  resolver_.async_resolve(expected_->host, std::to_string(expected_->port),
                          [self = shared_from_this()](const boost::system::error_code& error,
                                                      const tcp::resolver::results_type& results) {
                            if (self->done_) return;
                            if (error) return self->fail("cannot resolve host: " + error.message());
                            asio::async_connect(
                                self->stream_.socket(), results,
                                [self](const boost::system::error_code& e, const tcp::endpoint&) {
                                  if (self->done_) return;
                                  if (e) return self->fail("connect failed: " + e.message());
                                  self->on_connected();
                                });
                          });
}

void Handshake::on_connected() {
  boost::system::error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
  if (stream_.secure()) return secure_then(asio::ssl::stream_base::client, &Handshake::write_hello);
  write_hello();
}

void Handshake::secure_then(asio::ssl::stream_base::handshake_type type,
                            void (Handshake::*next)()) {
  stream_.async_handshake(type,
                          [self = shared_from_this(), next](const boost::system::error_code& ec) {
                            if (self->done_) return;
                            // A plaintext peer, a wrong protocol version or a certificate chain
                            // shows up here.
                            if (ec) return self->fail("TLS handshake failed: " + ec.message());
                            self->peer_key_ = self->stream_.peer_key();
                            if (!self->peer_key_)
                              return self->fail("the peer's TLS certificate holds no Ed25519 key");
                            ((*self).*next)();
                          });
}

void Handshake::write_hello() {
  asio::async_write(stream_, asio::buffer(*our_hello_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      if (self->done_) return;
                      if (ec) return self->fail("HELLO write failed: " + ec.message());
                      // The dialer writes first and then reads; the acceptor is done.
                      if (self->expected_) {
                        self->read_header();
                      } else {
                        self->finish();
                      }
                    });
}

void Handshake::read_header() {
  asio::async_read(
      stream_, asio::buffer(header_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        if (self->done_) return;
        if (ec) {
          return self->fail(ec == asio::error::eof ? std::string("closed before HELLO")
                                                   : "read failed: " + ec.message());
        }
        const std::uint32_t max_body = std::min(self->config_.max_body, kMaxHelloBody);
        if (auto error = wire::parse_header(self->header_, max_body, self->frame_header_)) {
          return self->fail("bad frame header: " + error.message());
        }
        if (self->frame_header_.type != wire::MessageType::hello) {
          return self->fail("expected HELLO, got " +
                            std::string(wire::type_name(self->frame_header_.type)));
        }
        self->read_body();
      });
}

void Handshake::read_body() {
  body_.resize(frame_header_.body_size);
  asio::async_read(
      stream_, asio::buffer(body_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        if (self->done_) return;
        if (ec) return self->fail("read failed: " + ec.message());
        wire::Message message;
        if (auto error = wire::decode_body(wire::MessageType::hello, self->body_, message)) {
          return self->fail("undecodable HELLO: " + error.message());
        }
        self->hello_ = std::get<wire::Hello>(std::move(message));
        self->on_hello();
      });
}

void Handshake::on_hello() {
  auto owner = owner_.lock();
  if (!owner || owner->stopped()) return cancel();
  if (expected_) {
    if (hello_.protocol_version != wire::kProtocolVersion) {
      return fail("protocol version " + std::to_string(hello_.protocol_version));
    }
    if (hello_.id != expected_->id) {
      return fail("dialed " + expected_->id.short_hex() + " but " + hello_.id.hex() + " answered");
    }
    if (const std::string refusal = owner->check_peer_key(hello_.id, peer_key_); !refusal.empty()) {
      // Logged at warn level: this is someone answering in a member's place.
      owner->log_refusal("refused peer at " + remote_ + ": " + refusal);
      return fail(refusal);
    }
    return finish();
  }
  const std::string refusal = owner->check_inbound(hello_, peer_key_);
  if (!refusal.empty()) return fail(refusal);
  write_hello();
}

void Handshake::finish() {
  if (done_) return;
  done_ = true;
  deadline_.cancel();
  auto owner = owner_.lock();
  if (!owner || owner->stopped()) return close_socket();
  const std::size_t hello_bytes = wire::kHeaderSize + body_.size();
  if (!expected_) owner->handshake_finished(address_);
  owner->handshake_done(std::move(stream_), std::move(hello_), hello_bytes);
}

void Handshake::fail(std::string_view reason) {
  if (done_) return;
  done_ = true;
  // Log first: whoever sees the socket close may look for the reason right away.
  auto owner = owner_.lock();
  if (!expected_) {
    const std::string text =
        "refused inbound connection from " + remote_ + ": " + std::string(reason);
    if (owner) {
      owner->log_refusal(text);
    } else {
      RT_LOG(warn, kLog, text);
    }
  }
  deadline_.cancel();
  resolver_.cancel();
  close_socket();
  if (expected_) {
    if (owner && !owner->stopped()) owner->handshake_failed(expected_->id, reason);
  } else if (owner) {
    owner->handshake_finished(address_);
  }
}

void Handshake::cancel() {
  if (done_) return;
  done_ = true;
  deadline_.cancel();
  resolver_.cancel();
  close_socket();
}

void Handshake::close_socket() {
  stream_.close();
}

}  // namespace rt::net
