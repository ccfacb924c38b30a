#include "protocol/advert_counters.hpp"

#include <nlohmann/json.hpp>

namespace rt::protocol {
namespace {

constexpr std::array<std::string_view, kDropReasonCount> kDropReasonNames = {
    "queue_full",  "priority_drop",    "unrequested_chunk",    "integrity_mismatch",
    "pool_full",   "timeout",          "conflicting_advert",   "not_in_group",
    "bad_request", "unknown_artifact", "retransmit_throttled", "peer_down",
    "evicted",
};

}  // namespace

std::string_view drop_reason_name(DropReason reason) {
  const auto index = static_cast<std::size_t>(reason);
  return index < kDropReasonNames.size() ? kDropReasonNames[index] : "unknown";
}

nlohmann::json AdvertCounters::traffic_json() const {
  return {{"adverts_in", adverts_in},
          {"adverts_out", adverts_out},
          {"adverts_already_received", adverts_already_received},
          {"requests_in", requests_in},
          {"requests_out", requests_out},
          {"chunks_in", chunks_in},
          {"chunks_out", chunks_out},
          {"chunk_bytes_in", chunk_bytes_in},
          {"chunk_bytes_out", chunk_bytes_out},
          {"bodies_fetched", bodies_fetched},
          {"delivered", delivered},
          {"retransmit_requests_in", retransmit_requests_in},
          {"retransmit_requests_out", retransmit_requests_out},
          {"reoffers", reoffers}};
}

nlohmann::json AdvertCounters::drops_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < kDropReasonCount; ++i)
    out[std::string(kDropReasonNames[i])] = drops[i];
  return out;
}

}  // namespace rt::protocol
