// Every message body decoder, with the round trip: anything that decodes must re-encode to the
// same bytes and decode to the same value.
//
// One target for all types, the first input byte being the type and the rest the body: every
// body goes through the one wire::decode_body() switch and the same field readers, so a single
// target lets the fuzzer carry an input that got deep into one type over to the others, keeps
// every type's seeds in one corpus, and costs one build and one run slot instead of fourteen.
#include "fuzz_check.hpp"

using namespace rt;
using fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto type = static_cast<wire::MessageType>(data[0]);
  const std::span<const std::uint8_t> body(data + 1, size - 1);
  wire::Message message;
  const std::error_code error = wire::decode_body(type, body, message);
  if (!wire::is_known_type(data[0])) {
    check(error == wire::errc::unknown_type, "an unknown type is refused as such");
    return 0;
  }
  if (error) {
    check(error.category() == wire::wire_category() && !error.message().empty(),
          "a refused body has a wire error with a message");
    return 0;
  }
  check(wire::type_of(message) == type, "a body decodes to its own type");
  fuzz::check_round_trip(message, body);
  return 0;
}
