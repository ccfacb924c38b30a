// CSV views of the event report: one table per file, one header row, values as in the JSON
// (numbers printed by the same JSON writer so both files agree digit for digit).
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/event_report.hpp"

namespace rt::cluster {
namespace {

using nlohmann::json;

struct Column {
  std::string_view header;
  std::string_view pointer;  // JSON pointer into a row
};

// RFC 4180: quote a field that holds a comma, a quote or a line break.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string cell(const json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return csv_field(value.get<std::string>());
  if (value.is_boolean()) return value.get<bool>() ? "1" : "0";
  return csv_field(value.dump());
}

std::string table(const json& rows, const std::vector<Column>& columns,
                  std::string (*extra)(const json& row) = nullptr,
                  std::string_view extra_headers = {}) {
  std::ostringstream out;
  for (std::size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << columns[i].header;
  if (!extra_headers.empty()) out << ',' << extra_headers;
  out << '\n';
  if (!rows.is_array()) return out.str();
  for (const json& row : rows) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const json::json_pointer ptr{std::string(columns[i].pointer)};
      out << (i ? "," : "") << (row.contains(ptr) ? cell(row.at(ptr)) : std::string());
    }
    if (extra) out << ',' << extra(row);
    out << '\n';
  }
  return out.str();
}

// "3:killed 7:partitioned" and "3:120.5": a list in one cell, space-separated.
std::string broadcast_lists(const json& row) {
  auto join = [](const json& items, const char* value_key) {
    std::string text;
    if (!items.is_array()) return text;
    for (const json& item : items) {
      if (!text.empty()) text += ' ';
      text += item.value("rank", json(0)).dump() + ':';
      const json& v = item.value(value_key, json());
      text += v.is_string() ? v.get<std::string>() : v.dump();
    }
    return text;
  };
  return csv_field(join(row.value("missed", json()), "reason")) + ',' +
         csv_field(join(row.value("caught_up", json()), "after_return_ms"));
}

const std::vector<Column>& drop_columns() {
  static const std::vector<Column> columns = {
      {"drops_queue", "/drops_by_reason/queue"},
      {"drops_loss", "/drops_by_reason/loss"},
      {"drops_partitioned", "/drops_by_reason/partitioned"},
      {"drops_muted", "/drops_by_reason/muted"},
  };
  return columns;
}

std::vector<Column> with_drops(std::vector<Column> columns) {
  for (const Column& c : drop_columns()) columns.push_back(c);
  return columns;
}

}  // namespace

std::string report_broadcasts_csv(const json& report) {
  static const std::vector<Column> columns = {
      {"id", "/id"},
      {"origin_rank", "/origin_rank"},
      {"group", "/group"},
      {"time_ms", "/time_ms"},
      {"size", "/size"},
      {"members", "/members"},
      {"expected", "/expected"},
      {"reachable_at_send", "/reachable_at_send"},
      {"delivered", "/delivered"},
      {"coverage", "/coverage"},
      {"payload_copies", "/payload_copies"},
      {"copies_per_node", "/copies_per_node"},
      {"duplicates", "/duplicates"},
      {"mean_hops", "/mean_hops"},
      {"max_hops", "/max_hops"},
      {"last_delivery_ms", "/last_delivery_ms"},
      {"last_reachable_delivery_ms", "/last_reachable_delivery_ms"},
  };
  return table(report.value("broadcasts", json()), columns, broadcast_lists,
               "missed,caught_up_after_return_ms");
}

std::string report_nodes_csv(const json& report) {
  static const std::vector<Column> columns = {
      {"rank", "/rank"},
      {"id", "/id"},
      {"role", "/role"},
      {"alive", "/alive"},
      {"condition_at_end", "/condition_at_end"},
      {"reads", "/reads"},
      {"writes", "/writes"},
      {"delivered", "/delivered"},
      {"duplicates", "/duplicates"},
      {"bytes_in", "/bytes_in"},
      {"bytes_out", "/bytes_out"},
      {"frames_in", "/frames_in"},
      {"frames_out", "/frames_out"},
      {"payload_bytes_out", "/payload_bytes_out"},
      {"control_bytes_out", "/control_bytes_out"},
      {"drops", "/drops"},
      {"timeouts", "/timeouts"},
      {"expected", "/expected"},
      {"missed", "/missed"},
      {"expected_while_reachable", "/expected_while_reachable"},
      {"delivered_while_reachable", "/delivered_while_reachable"},
      {"caught_up", "/caught_up"},
      {"max_catch_up_ms", "/max_catch_up_ms"},
  };
  return table(report.value("nodes", json()), columns);
}

std::string report_peers_csv(const json& report) {
  static const std::vector<Column> columns = with_drops({
      {"rank", "/rank"},
      {"peer_rank", "/peer_rank"},
      {"peer_id", "/peer_id"},
      {"frames_out", "/frames_out"},
      {"bytes_out", "/bytes_out"},
      {"frames_in", "/frames_in"},
      {"bytes_in", "/bytes_in"},
      {"duplicates", "/duplicates"},
      {"drops", "/drops"},
      {"queue_high_water_frames", "/queue_high_water_frames"},
      {"queue_high_water_bytes", "/queue_high_water_bytes"},
  });
  return table(report.value("peers", json()), columns);
}

std::string report_types_csv(const json& report) {
  static const std::vector<Column> columns = with_drops({
      {"type", "/type"},
      {"frames_out", "/frames_out"},
      {"bytes_out", "/bytes_out"},
      {"frames_in", "/frames_in"},
      {"bytes_in", "/bytes_in"},
      {"duplicates", "/duplicates"},
      {"drops", "/drops"},
  });
  return table(report.value("types", json()), columns);
}

}  // namespace rt::cluster
