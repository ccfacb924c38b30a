#include "wire/error.hpp"

#include <string>

namespace rt::wire {
namespace {

class WireCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "raintree.wire"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::too_large:
        return "frame body larger than the allowed maximum";
      case errc::bad_version:
        return "unsupported frame version";
      case errc::unknown_type:
        return "unknown message type";
      case errc::truncated:
        return "truncated frame or field";
      case errc::malformed_body:
        return "malformed message body";
    }
    return "unknown wire error";
  }
};

}  // namespace

const std::error_category& wire_category() {
  static const WireCategory category;
  return category;
}

}  // namespace rt::wire
