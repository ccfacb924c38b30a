#include "protocol/engine.hpp"

#include <nlohmann/json.hpp>

#include "protocol/random_gossip.hpp"

namespace rt::protocol {

nlohmann::json Engine::inspect() const { return nlohmann::json::object(); }

bool is_known_mode(std::string_view mode) {
  return mode == "pocket" || mode == "raintree" || mode == "random" || mode == "advert";
}

std::unique_ptr<Engine> make_engine(std::string_view mode, const EngineConfig& config) {
  if (!config.membership) return nullptr;
  if (mode == "random") return std::make_unique<RandomGossipEngine>(config);
  return nullptr;
}

}  // namespace rt::protocol
