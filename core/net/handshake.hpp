// One socket that has not finished the HELLO exchange yet, in either direction:
//   dial:   connect, TLS handshake as client, write our HELLO, read theirs, check it is the
//           peer we dialed and that its TLS key is the one the address book pins for it;
//   accept: TLS handshake as server, read their HELLO, ask the Transport whether it is
//           acceptable (listed id, pinned key, lower than ours), write ours.
// With --insecure (TransportConfig::tls null) there is no TLS step and no key check.
// Everything happens under one deadline (TransportConfig::handshake_timeout). On success the
// socket is handed to Transport::handshake_done; on failure the socket is closed with a
// logged reason (and a dial is reported to the peer's link for its backoff).
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/byte_stream.hpp"
#include "net/transport.hpp"

namespace rt::net {

class Handshake : public std::enable_shared_from_this<Handshake> {
 public:
  // The HELLO body is small: a frame above this is refused before anything is allocated.
  static constexpr std::uint32_t kMaxHelloBody = 64u << 10;

  // `address`: the remote address, whose handshake slot is freed when this one ends.
  static std::shared_ptr<Handshake> accept(const std::shared_ptr<Transport>& owner,
                                           tcp::socket socket, asio::ip::address address);
  static std::shared_ptr<Handshake> dial(const std::shared_ptr<Transport>& owner,
                                         const PeerAddress& peer);

  Handshake(const std::shared_ptr<Transport>& owner, crypto::ByteStream stream,
            std::optional<PeerAddress> expected);

  // Closes quietly (transport stopping): no log, no callback.
  void cancel();

 private:
  void start();
  void connect();
  void on_connected();
  // TLS: the handshake, then `next` (write or read the HELLO).
  void secure_then(asio::ssl::stream_base::handshake_type type, void (Handshake::*next)());
  void write_hello();
  void read_header();
  void read_body();
  void on_hello();
  void finish();
  void fail(std::string_view reason);
  void close_socket();

  std::weak_ptr<Transport> owner_;
  TransportConfig config_;
  wire::SharedBytes our_hello_;
  crypto::ByteStream stream_;
  std::optional<PublicKey> peer_key_;  // from the peer's certificate (TLS)
  tcp::resolver resolver_;
  asio::steady_timer deadline_;
  std::optional<PeerAddress> expected_;  // set when dialing
  std::string remote_;
  asio::ip::address address_;  // inbound: the slot taken in Transport::do_accept
  bool done_ = false;
  std::array<std::uint8_t, wire::kHeaderSize> header_{};
  wire::FrameHeader frame_header_;
  std::vector<std::uint8_t> body_;
  wire::Hello hello_;
};

}  // namespace rt::net
