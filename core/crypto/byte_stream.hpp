// The bytes of one connection: TLS 1.3 over TCP, or plain TCP (peer links of a node run with
// --insecure for packet captures; control connections on loopback). Peer links, the control
// channel and asio::async_read/async_write use it like a socket; only the TLS handshake itself
// is TLS-specific.
#pragma once

#include <utility>  // GCC 12 + C++20: before boost/asio.hpp

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <optional>

#include "crypto/node_key.hpp"

namespace rt::crypto {

class ByteStream {
 public:
  using tcp = boost::asio::ip::tcp;
  using executor_type = tcp::socket::executor_type;

  // Plaintext.
  explicit ByteStream(tcp::socket socket) : plain_(std::move(socket)) {}
  // TLS with `context` (the socket is handed to the TLS stream).
  ByteStream(tcp::socket socket, boost::asio::ssl::context& context)
      : plain_(socket.get_executor()), tls_(std::in_place, std::move(socket), context) {}

  ByteStream(ByteStream&&) = default;

  bool secure() const { return tls_.has_value(); }
  executor_type get_executor() { return socket().get_executor(); }
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }

  // TLS only: the handshake, as client (dialer) or server (acceptor).
  template <typename Handler>
  void async_handshake(boost::asio::ssl::stream_base::handshake_type type, Handler&& handler) {
    tls_->async_handshake(type, std::forward<Handler>(handler));
  }
  // TLS only: the key the peer's certificate carries (proven by the handshake).
  std::optional<PublicKey> peer_key();
  // TLS only: the OpenSSL connection (nullptr without TLS).
  SSL* native_tls() { return tls_ ? tls_->native_handle() : nullptr; }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_.async_read_some(buffers, std::forward<Handler>(handler));
    }
  }
  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_.async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  // Closes the TCP socket at once (no TLS close_notify: a closing link is not waited for).
  void close();

 private:
  tcp::socket plain_;  // the socket itself when plaintext; unused (never opened) with TLS
  std::optional<boost::asio::ssl::stream<tcp::socket>> tls_;
};

}  // namespace rt::crypto
