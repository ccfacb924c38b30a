#include "protocol/sha256.hpp"

#include <stdexcept>

#include <openssl/evp.h>

namespace rt::protocol {
namespace {

EVP_MD_CTX* as_context(void* context) {
  return static_cast<EVP_MD_CTX*>(context);
}

void start(EVP_MD_CTX* context) {
  if (EVP_DigestInit_ex(context, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL: SHA-256 initialisation failed");
  }
}

}  // namespace

void Sha256Hasher::ContextDeleter::operator()(void* context) const {
  EVP_MD_CTX_free(as_context(context));
}

Sha256Hasher::Sha256Hasher() : context_(EVP_MD_CTX_new()) {
  if (!context_) throw std::runtime_error("OpenSSL: cannot allocate a digest context");
  start(as_context(context_.get()));
}

void Sha256Hasher::update(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  EVP_DigestUpdate(as_context(context_.get()), bytes.data(), bytes.size());
}

wire::Sha256 Sha256Hasher::finish() {
  wire::Sha256 digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(as_context(context_.get()), digest.data(), &length);
  start(as_context(context_.get()));  // ready for the next artifact
  return digest;
}

void Sha256Hasher::reset() {
  start(as_context(context_.get()));
}

wire::Sha256 sha256(std::span<const std::uint8_t> bytes) {
  Sha256Hasher hasher;
  hasher.update(bytes);
  return hasher.finish();
}

}  // namespace rt::protocol
