// SHA-256 over OpenSSL's EVP interface, incremental so that a large artifact can be hashed
// chunk by chunk as it arrives instead of once more at the end.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "wire/messages.hpp"

namespace rt::protocol {

class Sha256Hasher {
 public:
  Sha256Hasher();  // throws std::runtime_error when OpenSSL cannot set up SHA-256
  Sha256Hasher(Sha256Hasher&&) noexcept = default;
  Sha256Hasher& operator=(Sha256Hasher&&) noexcept = default;

  void update(std::span<const std::uint8_t> bytes);
  // The digest of everything passed to update() since construction or the last reset().
  wire::Sha256 finish();
  void reset();

 private:
  struct ContextDeleter {
    void operator()(void* context) const;
  };
  std::unique_ptr<void, ContextDeleter> context_;
};

wire::Sha256 sha256(std::span<const std::uint8_t> bytes);

}  // namespace rt::protocol
