// TLS 1.3 contexts for node links and the control channel.
//
// Trust model: no certificate authority. Each node presents a self-signed certificate holding
// its Ed25519 key; TLS 1.3's CertificateVerify proves the peer holds the matching private key,
// and the caller then compares that key with the one the address book (or cluster.json) pins
// for the id it expects (peer_public_key). A certificate is only a carrier for the key, so its
// issuer, dates and chain are not what decides; a chain longer than the one self-signed
// certificate is refused.
#pragma once

#include <utility>  // GCC 12 + C++20: before boost/asio.hpp

#include <boost/asio/ssl.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/node_key.hpp"

namespace rt::crypto {

namespace ssl = boost::asio::ssl;

enum class PeerCertificate {
  required,     // node links: both sides present their key (mutual TLS)
  not_required  // control channel server: clients prove themselves with the token instead
};

// TLS 1.3 only, no session tickets (every link handshakes in full, so a key change takes effect
// at once), the node's key in a self-signed certificate whose CN is the node id. Usable as
// client and as server. Null with a reason when OpenSSL refuses.
std::shared_ptr<ssl::context> make_node_tls_context(const NodeKey& key, PeerCertificate peer,
                                                    std::string& error);

// A TLS 1.3 client context without a key of its own (control clients): it asks for the
// server's certificate and the caller pins its key with peer_public_key.
std::shared_ptr<ssl::context> make_client_tls_context(std::string& error);

// The Ed25519 key of the certificate the peer presented on an established connection.
std::optional<PublicKey> peer_public_key(SSL* ssl);

// 127.0.0.0/8, ::1 and "localhost": connections that stay on this machine, the only ones where
// the control channel (and its token) may go without TLS.
bool is_loopback_host(std::string_view host);

}  // namespace rt::crypto
