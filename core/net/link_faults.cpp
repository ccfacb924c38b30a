#include "net/link_faults.hpp"

#include <algorithm>

namespace rt::net {
namespace {

double clamp_percent(double percent) {
  // NaN compares false both ways: treat it as no loss.
  return percent > 0 ? std::min(percent, kMaxLossPercent) : 0.0;
}

std::chrono::milliseconds clamp_delay(std::chrono::milliseconds delay) {
  return std::clamp(delay, std::chrono::milliseconds(0), kMaxFaultDelay);
}

}  // namespace

std::string_view drop_reason_name(DropReason reason) {
  switch (reason) {
    case DropReason::other:
      return "queue";
    case DropReason::loss:
      return "loss";
    case DropReason::partitioned:
      return "partitioned";
    case DropReason::muted:
      return "muted";
  }
  return "queue";
}

void FaultInjector::set(FaultSettings settings) {
  settings.loss_percent = clamp_percent(settings.loss_percent);
  settings.delay = clamp_delay(settings.delay);
  for (auto& [id, link] : settings.links) {
    link.loss_percent = clamp_percent(link.loss_percent);
    link.delay = clamp_delay(link.delay);
  }
  settings_ = std::move(settings);
}

bool FaultInjector::draw(double percent) {
  if (percent <= 0) return false;
  if (percent >= kMaxLossPercent) return true;
  return std::uniform_real_distribution<double>(0.0, kMaxLossPercent)(rng_) < percent;
}

bool FaultInjector::lose_outbound(const NodeId& to, wire::MessageType type) {
  if (exempt(type)) return false;
  if (draw(settings_.loss_percent)) return true;
  const auto it = settings_.links.find(to);
  return it != settings_.links.end() && draw(it->second.loss_percent);
}

bool FaultInjector::lose_inbound(wire::MessageType type) {
  return !exempt(type) && draw(settings_.loss_percent);
}

std::chrono::milliseconds FaultInjector::delay_to(const NodeId& to) const {
  auto delay = settings_.delay;
  if (const auto it = settings_.links.find(to); it != settings_.links.end()) {
    delay += it->second.delay;
  }
  return delay;
}

}  // namespace rt::net
