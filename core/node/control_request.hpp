// The socket-free part of the control channel (docs/control-protocol.md): reading a request
// document and writing answers. ControlSession calls these; keeping them pure lets them be
// unit-tested and fuzzed (tests/fuzz/fuzz_control.cpp) without an io_context.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rt::node {

// A control request as read from a ControlRequest frame, before anything is done with it.
struct ControlRequestParse {
  nlohmann::json document;                // the request object (when error is empty)
  std::string cmd;                        // its "cmd"
  std::optional<std::uint64_t> from_seq;  // `subscribe` only: the "from_seq" it gave
  std::string error;  // non-empty: answer control_error(error) and do nothing else
};

// Requests nest a few levels (`fault` links: 3); deeper documents are refused before any
// handler sees them, because dumping one (errors echo the value they refuse) recurses once per
// level and a deep enough document (a few hundred KiB of "[") overflowed the node's stack.
inline constexpr int kMaxRequestDepth = 64;

// Checks that the text is a JSON object nested at most kMaxRequestDepth levels with a string
// "cmd" and, for `subscribe`, that an optional "from_seq" is a number >= 0. Never throws.
ControlRequestParse parse_control_request(std::string_view json);

// {"ok":false,"error":error}
nlohmann::json control_error(std::string_view error);

// Dumps JSON for the wire: invalid UTF-8 (a group name from a peer) is replaced, never thrown.
std::string dump_json(const nlohmann::json& document);

}  // namespace rt::node
