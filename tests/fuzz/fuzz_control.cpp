// The control channel's request path as far as it goes without a socket: the JSON document of
// a ControlRequest (node::parse_control_request, which ControlSession runs on every request),
// and the answers the session and the node build from it.
//
// Input: the request's JSON text. Checked: parsing never throws; a refused request gets a
// one-line error; an accepted one is an object no deeper than kMaxRequestDepth whose "cmd" is
// the command; every answer, including one that echoes the client's command, dumps
// (dump_json) to JSON that parses back to the same value, and so does the request itself (the
// node echoes request values in its errors).
#include <algorithm>
#include <string>

#include "fuzz_check.hpp"
#include "node/control_request.hpp"

using namespace rt;
using fuzz::check;

namespace {

int depth(const nlohmann::json& value) {
  int deepest = 0;
  if (value.is_structured()) {
    for (const auto& child : value) deepest = std::max(deepest, 1 + depth(child));
  }
  return deepest;
}

void check_dumps(const nlohmann::json& document) {
  const std::string text = node::dump_json(document);
  const auto again = nlohmann::json::parse(text, nullptr, false);
  check(!again.is_discarded(), "dump_json() writes JSON");
  check(again == document, "dump_json() output parses back to the same value");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const node::ControlRequestParse request = node::parse_control_request(text);
  if (!request.error.empty()) {
    check(request.error.find('\n') == std::string::npos, "an error is one line");
    check_dumps(node::control_error(request.error));
    return 0;
  }
  check(request.document.is_object(), "an accepted request is an object");
  check(depth(request.document) <= node::kMaxRequestDepth, "an accepted request is not too deep");
  check(request.document.at("cmd") == request.cmd, "the command is the request's \"cmd\"");
  check(!request.from_seq || request.cmd == "subscribe", "from_seq is read for subscribe only");
  check_dumps(request.document);
  check_dumps(node::control_error("unknown command \"" + request.cmd + "\""));
  return 0;
}
