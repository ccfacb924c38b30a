#include "cluster/ranks.hpp"

#include <algorithm>

namespace rt::cluster {

std::optional<std::vector<int>> parse_ranks(std::string_view text, int nodes, std::string& error) {
  std::vector<int> ranks;
  if (text.empty()) return ranks;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) {
      error = "empty rank in \"" + std::string(text) + "\"";
      return std::nullopt;
    }
    if (item.size() > 9 || item.find_first_not_of("0123456789") != std::string_view::npos) {
      error = "\"" + std::string(item) + "\" is not a rank (a positive integer)";
      return std::nullopt;
    }
    const int rank = std::stoi(std::string(item));
    if (rank < 1 || rank > nodes) {
      error = "rank " + std::to_string(rank) + " is outside 1.." + std::to_string(nodes);
      return std::nullopt;
    }
    if (std::find(ranks.begin(), ranks.end(), rank) != ranks.end()) {
      error = "rank " + std::to_string(rank) + " is listed twice";
      return std::nullopt;
    }
    ranks.push_back(rank);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return ranks;
}

std::optional<ValueAtRanks> parse_value_at_ranks(std::string_view text, int nodes,
                                                 std::string& error) {
  ValueAtRanks result;
  const auto at = text.find('@');
  result.value = std::string(text.substr(0, at));
  if (at == std::string_view::npos) {
    for (int r = 1; r <= nodes; ++r) result.ranks.push_back(r);
    return result;
  }
  auto ranks = parse_ranks(text.substr(at + 1), nodes, error);
  if (!ranks) return std::nullopt;
  if (ranks->empty()) {
    error = "no ranks after @ in \"" + std::string(text) + "\"";
    return std::nullopt;
  }
  result.ranks = std::move(*ranks);
  return result;
}

std::string format_ranks(const std::vector<int>& ranks) {
  std::string out;
  for (int r : ranks) out += (out.empty() ? "" : ",") + std::to_string(r);
  return out;
}

}  // namespace rt::cluster
