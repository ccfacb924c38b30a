#include "crypto/node_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace rt::crypto {
namespace {

constexpr std::string_view kIdDomain = "raintree-node-id/v1";
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

}  // namespace

std::string openssl_error(std::string_view fallback) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return std::string(fallback);
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

NodeId derive_node_id(const PublicKey& key) {
  NodeId::Bytes digest{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int size = 0;
  // SHA-256 cannot fail on a valid context; a failure leaves the zero id, which no member has.
  if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
      EVP_DigestUpdate(ctx, kIdDomain.data(), kIdDomain.size()) == 1 &&
      EVP_DigestUpdate(ctx, key.data(), key.size()) == 1) {
    EVP_DigestFinal_ex(ctx, digest.data(), &size);
  }
  EVP_MD_CTX_free(ctx);
  return NodeId(digest);
}

std::optional<PublicKey> raw_public_key(const EVP_PKEY* key) {
  if (!key || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) return std::nullopt;
  PublicKey out{};
  std::size_t size = out.size();
  if (EVP_PKEY_get_raw_public_key(key, out.data(), &size) != 1 || size != out.size()) {
    return std::nullopt;
  }
  return out;
}

std::optional<NodeKey> NodeKey::adopt(EVP_PKEY* key, std::string& error) {
  std::shared_ptr<EVP_PKEY> owned(key, EVP_PKEY_free);
  const auto public_key = raw_public_key(key);
  if (!public_key) {
    error = "not an Ed25519 private key";
    return std::nullopt;
  }
  return NodeKey(std::move(owned), *public_key);
}

std::optional<NodeKey> NodeKey::generate(std::string& error) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!key) {
    error = "cannot generate an Ed25519 key: " + openssl_error("unknown OpenSSL error");
    return std::nullopt;
  }
  return adopt(key, error);
}

std::optional<NodeKey> NodeKey::from_pem(std::string_view pem, std::string& error) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!key) {
    error = "not a PEM private key (" + openssl_error("no key found") + ")";
    return std::nullopt;
  }
  return adopt(key, error);
}

std::optional<NodeKey> NodeKey::load(const std::filesystem::path& file, std::string& error) {
  std::ifstream in(file);
  if (!in) {
    error = "cannot read the key file " + file.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto key = from_pem(text.str(), error);
  if (!key) error = "bad key file " + file.string() + ": " + error;
  return key;
}

std::string NodeKey::private_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

bool NodeKey::save(const std::filesystem::path& file, std::string& error) const {
  const std::string pem = private_pem();
  if (pem.empty()) {
    error = "cannot encode the key: " + openssl_error("unknown OpenSSL error");
    return false;
  }
  return write_secret_file(file, pem, error);
}

std::optional<std::vector<NodeKey>> generate_node_keys(int count, std::string& error) {
  std::vector<NodeKey> keys;
  std::set<NodeId> ids;
  while (static_cast<int>(keys.size()) < count) {
    auto key = NodeKey::generate(error);
    if (!key) return std::nullopt;
    if (ids.insert(key->id()).second) keys.push_back(std::move(*key));
  }
  std::sort(keys.begin(), keys.end(),
            [](const NodeKey& a, const NodeKey& b) { return a.id() < b.id(); });
  return keys;
}

bool write_secret_file(const std::filesystem::path& file, std::string_view text,
                       std::string& error) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot write " + file.string() + ": " + std::strerror(errno);
    return false;
  }
  ::fchmod(fd, 0600);  // an existing file keeps its mode through O_CREAT
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = "cannot write " + file.string() + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    error = "cannot write " + file.string() + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace rt::crypto
