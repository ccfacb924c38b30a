#include "protocol/engine.hpp"

#include <nlohmann/json.hpp>

#include "protocol/advert_engine.hpp"
#include "protocol/pocket_engine.hpp"
#include "protocol/raintree_engine.hpp"
#include "protocol/random_gossip.hpp"

namespace rt::protocol {

nlohmann::json Engine::inspect() const {
  return nlohmann::json::object();
}

bool is_known_mode(std::string_view mode) {
  return mode == "pocket" || mode == "raintree" || mode == "random" || mode == "advert";
}

std::unique_ptr<Engine> make_engine(std::string_view mode, const EngineConfig& config) {
  if (!config.membership) return nullptr;
  if (mode == "random") return std::make_unique<RandomGossipEngine>(config);
  if (mode == "pocket") return std::make_unique<PocketEngine>(config);
  if (mode == "raintree") return std::make_unique<RaintreeEngine>(config);
  if (mode == "advert") return std::make_unique<AdvertEngine>(config);
  return nullptr;
}

}  // namespace rt::protocol
