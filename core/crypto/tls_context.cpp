#include "crypto/tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace rt::crypto {
namespace {

constexpr long kCertificateDays = 3650;

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr self_signed_certificate(const NodeKey& key) {
  X509Ptr cert(X509_new());
  if (!cert) return nullptr;
  const std::string common_name = key.id().hex();
  X509_NAME* name = X509_get_subject_name(cert.get());
  const bool ok =
      X509_set_version(cert.get(), 2) == 1 &&
      ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1 &&
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kCertificateDays * 24 * 3600) != nullptr &&
      X509_set_pubkey(cert.get(), key.native()) == 1 &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) == 1 &&
      X509_set_issuer_name(cert.get(), name) == 1 &&
      // Ed25519 signs the whole message: no separate digest.
      X509_sign(cert.get(), key.native(), nullptr) > 0;
  return ok ? std::move(cert) : nullptr;
}

// The common part: TLS 1.3 only, no tickets, peer certificate asked for; the chain is checked
// for length only (see the header: the key is pinned by the caller).
std::shared_ptr<ssl::context> tls13_context(bool require_certificate, std::string& error) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1) {
    error = "OpenSSL refuses TLS 1.3: " + openssl_error("unknown error");
    return nullptr;
  }
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  boost::system::error_code ec;
  context->set_verify_mode(
      require_certificate ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert : ssl::verify_none,
      ec);
  if (!ec) {
    context->set_verify_callback(
        [](bool /*preverified*/, ssl::verify_context& verify) {
          // Depth 0 is the peer's own self-signed certificate; anything above it is a chain,
          // which nothing in this trust model issues.
          return X509_STORE_CTX_get_error_depth(verify.native_handle()) == 0;
        },
        ec);
  }
  if (ec) {
    error = "cannot set up TLS peer verification: " + ec.message();
    return nullptr;
  }
  return context;
}

}  // namespace

std::shared_ptr<ssl::context> make_node_tls_context(const NodeKey& key, PeerCertificate peer,
                                                    std::string& error) {
  auto context = tls13_context(peer == PeerCertificate::required, error);
  if (!context) return nullptr;
  const X509Ptr cert = self_signed_certificate(key);
  if (!cert) {
    error = "cannot make the node's certificate: " + openssl_error("unknown OpenSSL error");
    return nullptr;
  }
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_use_certificate(native, cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(native, key.native()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    error = "OpenSSL refuses the node's key: " + openssl_error("unknown error");
    return nullptr;
  }
  return context;
}

std::shared_ptr<ssl::context> make_client_tls_context(std::string& error) {
  return tls13_context(true, error);
}

std::optional<PublicKey> peer_public_key(SSL* ssl) {
  if (!ssl) return std::nullopt;
  X509Ptr cert(SSL_get1_peer_certificate(ssl));
  if (!cert) return std::nullopt;
  return raw_public_key(X509_get0_pubkey(cert.get()));
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

}  // namespace rt::crypto
