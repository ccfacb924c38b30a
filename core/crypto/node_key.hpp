// A node's identity: an Ed25519 key pair, and the node id derived from its public key.
//
// Why Ed25519: 32-byte public keys that fit the address book as 64 hex characters, fast
// signatures for the TLS 1.3 CertificateVerify of every link, and supported by OpenSSL's
// TLS 1.3 stack (RFC 8446 lists ed25519 among the signature schemes).
//
// Why the id is a hash of the key and not the key itself: the id is RainTree's sort key, and a
// hash keeps it uniformly spread whatever the key generator does. The hash is domain-separated
// so that no other use of SHA-256 over a key can produce a node id:
//   id = SHA-256("raintree-node-id/v1" || public_key)
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/ids.hpp"

// OpenSSL's key type, without including OpenSSL here.
typedef struct evp_pkey_st EVP_PKEY;

namespace rt::crypto {

using rt::PublicKey;

NodeId derive_node_id(const PublicKey& key);

// The public key of an OpenSSL key, when it is an Ed25519 key.
std::optional<PublicKey> raw_public_key(const EVP_PKEY* key);

class NodeKey {
 public:
  // A fresh key pair from OpenSSL's random generator.
  static std::optional<NodeKey> generate(std::string& error);
  // A PKCS#8 PEM private key (what save() writes); the error names the file and the reason.
  static std::optional<NodeKey> load(const std::filesystem::path& file, std::string& error);
  static std::optional<NodeKey> from_pem(std::string_view pem, std::string& error);

  // Writes the private key as PKCS#8 PEM, readable by its owner only (0600).
  bool save(const std::filesystem::path& file, std::string& error) const;
  std::string private_pem() const;

  const PublicKey& public_key() const { return public_key_; }
  NodeId id() const { return derive_node_id(public_key_); }
  EVP_PKEY* native() const { return key_.get(); }

 private:
  explicit NodeKey(std::shared_ptr<EVP_PKEY> key, const PublicKey& public_key)
      : key_(std::move(key)), public_key_(public_key) {}
  static std::optional<NodeKey> adopt(EVP_PKEY* key, std::string& error);

  std::shared_ptr<EVP_PKEY> key_;
  PublicKey public_key_{};
};

// `count` fresh keys with distinct ids, sorted by id: a cluster's keys in rank order.
std::optional<std::vector<NodeKey>> generate_node_keys(int count, std::string& error);

// Writes `text` to `file`, created 0600 (never readable by others, not even briefly): keys and
// control tokens.
bool write_secret_file(const std::filesystem::path& file, std::string_view text,
                       std::string& error);

// The last OpenSSL error as text (and clears the queue); `fallback` when there is none.
std::string openssl_error(std::string_view fallback);

}  // namespace rt::crypto
