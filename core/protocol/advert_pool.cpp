#include "protocol/advert_pool.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace rt::protocol {

Download::Download(const wire::Advert& advert, const NodeId& peer)
    : advert_(advert), peer_(peer), body_(std::make_shared<wire::Bytes>()) {
  // The whole body is reserved up front: it is what the pool bounds charge for.
  body_->reserve(advert.size);
}

bool Download::append(std::span<const std::uint8_t> chunk) {
  if (chunk.size() > advert_.size - received()) return false;
  hasher_.update(chunk);
  body_->insert(body_->end(), chunk.begin(), chunk.end());
  return true;
}

bool Download::verify() {
  return complete() && hasher_.finish() == advert_.integrity_hash;
}

wire::SharedBytes Download::release_body() {
  return std::move(body_);
}

AdvertPool::AdvertPool(PoolLimits limits)
    : limits_(limits), received_check_(limits.received_check) {}

bool AdvertPool::received(std::uint64_t artifact_id) const {
  return received_check_.contains(MessageId{artifact_id}) || validated_.count(artifact_id) != 0;
}

const ValidatedArtifact* AdvertPool::find(std::uint64_t artifact_id) const {
  auto it = validated_.find(artifact_id);
  return it == validated_.end() ? nullptr : &it->second;
}

std::size_t AdvertPool::add_validated(const wire::Advert& advert, wire::SharedBytes body) {
  received_check_.insert(MessageId{advert.artifact_id});
  if (validated_.count(advert.artifact_id)) return 0;
  validated_bytes_ += body ? body->size() : 0;
  validated_.emplace(advert.artifact_id, ValidatedArtifact{advert, std::move(body)});
  validated_order_.push_back(advert.artifact_id);
  std::size_t evicted = 0;
  while (validated_.size() > 1 && (validated_.size() > limits_.validated_count ||
                                   validated_bytes_ > limits_.validated_bytes)) {
    const std::uint64_t oldest = validated_order_.front();
    validated_order_.pop_front();
    if (validated_.count(oldest)) {
      erase_validated(oldest);
      ++evicted;
    }
  }
  return evicted;
}

void AdvertPool::erase_validated(std::uint64_t artifact_id) {
  auto it = validated_.find(artifact_id);
  if (it == validated_.end()) return;
  validated_bytes_ -= it->second.body ? it->second.body->size() : 0;
  validated_.erase(it);
}

std::size_t AdvertPool::purge_below(std::uint64_t height) {
  std::vector<std::uint64_t> old;
  for (const auto& [id, artifact] : validated_) {
    if (artifact.advert.height < height) old.push_back(id);
  }
  for (std::uint64_t id : old) erase_validated(id);
  if (!old.empty()) {
    std::erase_if(validated_order_, [&](std::uint64_t id) { return !validated_.count(id); });
  }
  return old.size();
}

std::vector<wire::Advert> AdvertPool::adverts_from(std::uint64_t min_height,
                                                   std::size_t limit) const {
  std::vector<wire::Advert> out;
  for (const auto& [id, artifact] : validated_) {
    if (artifact.advert.height >= min_height) out.push_back(artifact.advert);
  }
  std::sort(out.begin(), out.end(), [](const wire::Advert& a, const wire::Advert& b) {
    return a.height != b.height ? a.height < b.height : a.artifact_id < b.artifact_id;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::optional<std::uint64_t> AdvertPool::newest_height() const {
  std::optional<std::uint64_t> newest;
  for (const auto& [id, artifact] : validated_) {
    newest = std::max(newest.value_or(0), artifact.advert.height);
  }
  return newest;
}

bool AdvertPool::can_ever_fit(std::uint64_t size) const {
  return limits_.unvalidated_count_per_peer > 0 && size <= limits_.unvalidated_bytes_per_peer &&
         size <= limits_.unvalidated_bytes_total;
}

bool AdvertPool::fits(const NodeId& peer, std::uint64_t size) const {
  if (!can_ever_fit(size) || size > limits_.unvalidated_bytes_total - unvalidated_total_) {
    return false;
  }
  auto it = usage_.find(peer);
  if (it == usage_.end()) return true;
  return it->second.count < limits_.unvalidated_count_per_peer &&
         size <= limits_.unvalidated_bytes_per_peer - it->second.bytes;
}

Download* AdvertPool::start(const wire::Advert& advert, const NodeId& peer) {
  if (downloads_.count(advert.artifact_id) || !fits(peer, advert.size)) return nullptr;
  PeerUsage& usage = usage_[peer];
  ++usage.count;
  usage.bytes += advert.size;
  unvalidated_total_ += advert.size;
  auto download = std::make_unique<Download>(advert, peer);
  Download* raw = download.get();
  downloads_.emplace(advert.artifact_id, std::move(download));
  return raw;
}

Download* AdvertPool::download(std::uint64_t artifact_id) {
  auto it = downloads_.find(artifact_id);
  return it == downloads_.end() ? nullptr : it->second.get();
}

void AdvertPool::finish(std::uint64_t artifact_id) {
  auto it = downloads_.find(artifact_id);
  if (it == downloads_.end()) return;
  const std::uint64_t size = it->second->advert().size;
  auto usage = usage_.find(it->second->peer());
  usage->second.bytes -= size;
  if (--usage->second.count == 0) usage_.erase(usage);
  unvalidated_total_ -= size;
  downloads_.erase(it);
}

std::size_t AdvertPool::unvalidated_count(const NodeId& peer) const {
  auto it = usage_.find(peer);
  return it == usage_.end() ? 0 : it->second.count;
}

std::uint64_t AdvertPool::unvalidated_bytes(const NodeId& peer) const {
  auto it = usage_.find(peer);
  return it == usage_.end() ? 0 : it->second.bytes;
}

nlohmann::json AdvertPool::to_json() const {
  nlohmann::json per_peer = nlohmann::json::array();
  for (const auto& [peer, usage] : usage_) {
    per_peer.push_back({{"peer", peer.hex()}, {"count", usage.count}, {"bytes", usage.bytes}});
  }
  return {
      {"validated",
       {{"count", validated_.size()},
        {"bytes", validated_bytes_},
        {"count_limit", limits_.validated_count},
        {"bytes_limit", limits_.validated_bytes}}},
      {"unvalidated",
       {{"count", downloads_.size()},
        {"bytes", unvalidated_total_},
        {"bytes_limit", limits_.unvalidated_bytes_total},
        {"count_limit_per_peer", limits_.unvalidated_count_per_peer},
        {"bytes_limit_per_peer", limits_.unvalidated_bytes_per_peer},
        {"per_peer", per_peer}}},
      {"received_check", {{"size", received_check_.size()}, {"capacity", limits_.received_check}}},
  };
}

}  // namespace rt::protocol
