// Typed decode errors of the wire codec, in the project's own error category.
#pragma once

#include <system_error>

namespace rt::wire {

enum class errc {
  too_large = 1,   // declared body length above the configured maximum
  bad_version,     // frame version this build does not speak
  unknown_type,    // message type outside both ranges
  truncated,       // fewer bytes than the header or a field declares
  malformed_body,  // a body that does not parse as its type (bad enum, trailing bytes, ...)
};

const std::error_category& wire_category();

inline std::error_code make_error_code(errc e) {
  return {static_cast<int>(e), wire_category()};
}

}  // namespace rt::wire

template <>
struct std::is_error_code_enum<rt::wire::errc> : std::true_type {};
