#include "node/control_request.hpp"

namespace rt::node {

ControlRequestParse parse_control_request(std::string_view json) {
  ControlRequestParse request;
  bool too_deep = false;
  // Values nested too deep are dropped as they are met, so they are never built either.
  const auto limit_depth = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxRequestDepth) too_deep = true;
    return depth <= kMaxRequestDepth;
  };
  request.document = nlohmann::json::parse(json, limit_depth, false);
  if (request.document.is_discarded() || !request.document.is_object()) {
    request.error = "request is not a JSON object";
    return request;
  }
  if (too_deep) {
    request.error = "request nested deeper than " + std::to_string(kMaxRequestDepth) + " levels";
    return request;
  }
  const auto cmd = request.document.find("cmd");
  if (cmd == request.document.end() || !cmd->is_string()) {
    request.error = "missing \"cmd\"";
    return request;
  }
  request.cmd = cmd->get<std::string>();
  if (request.cmd != "subscribe") return request;
  if (const auto it = request.document.find("from_seq"); it != request.document.end()) {
    if (!it->is_number_unsigned()) {
      request.error = "from_seq must be a number >= 0";
      return request;
    }
    request.from_seq = it->get<std::uint64_t>();
  }
  return request;
}

nlohmann::json control_error(std::string_view error) {
  return {{"ok", false}, {"error", std::string(error)}};
}

std::string dump_json(const nlohmann::json& document) {
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace rt::node
