#include "protocol/advert_priority.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace rt::protocol {
namespace {

bool listed(const std::vector<std::uint8_t>& kinds, std::uint8_t kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::uint64_t non_negative(Micros value) {
  return value > 0 ? static_cast<std::uint64_t>(value) : 0;
}

// now + ahead without wrapping: a huge window means "never".
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > std::numeric_limits<std::uint64_t>::max() - b
             ? std::numeric_limits<std::uint64_t>::max()
             : a + b;
}

}  // namespace

std::string_view priority_name(Priority priority) {
  switch (priority) {
    case Priority::drop:
      return "drop";
    case Priority::stash:
      return "stash";
    case Priority::later:
      return "later";
    case Priority::fetch:
      return "fetch";
    case Priority::fetch_now:
      return "fetch_now";
  }
  return "unknown";
}

std::uint64_t PriorityPolicy::finalized_at(Micros now) const {
  if (finalized_lag_us <= 0) return finalized_height;
  const std::uint64_t clock = non_negative(now);
  const std::uint64_t lag = non_negative(finalized_lag_us);
  return std::max(finalized_height, clock > lag ? clock - lag : 0);
}

Priority PriorityPolicy::evaluate(const wire::Advert& advert, Micros now) const {
  if (listed(drop_kinds, advert.kind)) return Priority::drop;
  if (advert.height < finalized_at(now)) return Priority::drop;
  const std::uint64_t clock = non_negative(now);
  if (advert.height > saturating_add(clock, non_negative(stash_ahead_us))) return Priority::stash;
  if (advert.height > saturating_add(clock, non_negative(later_ahead_us))) return Priority::later;
  if (listed(later_kinds, advert.kind)) return Priority::later;
  if (listed(fetch_now_kinds, advert.kind) || advert.size <= fetch_now_max_bytes) {
    return Priority::fetch_now;
  }
  return Priority::fetch;
}

namespace {

bool parse_number(std::string_view text, std::uint64_t max, std::uint64_t& out) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) return false;
  out = value;
  return true;
}

bool parse_kinds(std::string_view text, std::vector<std::uint8_t>& out) {
  out.clear();
  if (text == "none") return true;
  while (!text.empty()) {
    const auto slash = text.find('/');
    std::uint64_t kind = 0;
    if (!parse_number(text.substr(0, slash), 255, kind)) return false;
    out.push_back(static_cast<std::uint8_t>(kind));
    if (slash == std::string_view::npos) break;
    text.remove_prefix(slash + 1);
    if (text.empty()) return false;  // a trailing '/'
  }
  return !out.empty();
}

std::string kinds_text(const std::vector<std::uint8_t>& kinds) {
  if (kinds.empty()) return "none";
  std::string out;
  for (std::uint8_t kind : kinds) out += (out.empty() ? "" : "/") + std::to_string(kind);
  return out;
}

constexpr std::uint64_t kMaxWindowMs = 365ull * 24 * 3600 * 1000;  // a year: "never"

}  // namespace

bool parse_priority_spec(std::string_view text, PriorityPolicy& policy, std::string& error) {
  PriorityPolicy next = policy;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      error = "\"" + std::string(item) + "\" is not key=value";
      return false;
    }
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    std::uint64_t number = 0;
    bool ok = true;
    if (key == "finalized_lag_ms" || key == "later_ahead_ms" || key == "stash_ahead_ms") {
      ok = parse_number(value, kMaxWindowMs, number);
      const Micros us = static_cast<Micros>(number) * 1000;
      (key == "finalized_lag_ms" ? next.finalized_lag_us
       : key == "later_ahead_ms" ? next.later_ahead_us
                                 : next.stash_ahead_us) = us;
    } else if (key == "fetch_now_max_bytes") {
      ok = parse_number(value, std::uint64_t{1} << 40, number);
      next.fetch_now_max_bytes = number;
    } else if (key == "drop_kinds") {
      ok = parse_kinds(value, next.drop_kinds);
    } else if (key == "later_kinds") {
      ok = parse_kinds(value, next.later_kinds);
    } else if (key == "fetch_now_kinds") {
      ok = parse_kinds(value, next.fetch_now_kinds);
    } else {
      error = "unknown key \"" + std::string(key) +
              "\" (finalized_lag_ms, later_ahead_ms, stash_ahead_ms, fetch_now_max_bytes, "
              "drop_kinds, later_kinds, fetch_now_kinds)";
      return false;
    }
    if (!ok) {
      error = std::string(key) + ": bad value \"" + std::string(value) + "\"" +
              (key.ends_with("kinds") ? " (kinds 0..255 separated by '/', or none)"
                                      : " (a whole number in range)");
      return false;
    }
  }
  policy = std::move(next);
  return true;
}

std::string priority_spec(const PriorityPolicy& p) {
  const auto ms = [](Micros us) { return std::to_string(non_negative(us) / 1000); };
  return "finalized_lag_ms=" + ms(p.finalized_lag_us) + ",later_ahead_ms=" + ms(p.later_ahead_us) +
         ",stash_ahead_ms=" + ms(p.stash_ahead_us) +
         ",fetch_now_max_bytes=" + std::to_string(p.fetch_now_max_bytes) +
         ",drop_kinds=" + kinds_text(p.drop_kinds) + ",later_kinds=" + kinds_text(p.later_kinds) +
         ",fetch_now_kinds=" + kinds_text(p.fetch_now_kinds);
}

}  // namespace rt::protocol
