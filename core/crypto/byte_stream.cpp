#include "crypto/byte_stream.hpp"

#include "crypto/tls_context.hpp"

namespace rt::crypto {

std::optional<PublicKey> ByteStream::peer_key() {
  if (!tls_) return std::nullopt;
  return peer_public_key(tls_->native_handle());
}

void ByteStream::close() {
  boost::system::error_code ignored;
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

}  // namespace rt::crypto
