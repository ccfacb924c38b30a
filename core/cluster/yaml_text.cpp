#include "cluster/yaml_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace rt::cluster {
namespace {

using Json = nlohmann::ordered_json;

std::string spaces(int n) {
  return std::string(static_cast<std::size_t>(n), ' ');
}

bool is_keyword(std::string_view text) {
  // YAML 1.1 booleans and nulls (what Kubernetes' parser still honours) and YAML 1.2's.
  static constexpr std::array<std::string_view, 12> kWords = {
      "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "~"};
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kWords.begin(), kWords.end(), lower) != kWords.end();
}

// A string that every YAML parser reads back as this same string when written bare.
bool plain_safe(std::string_view text) {
  if (text.empty() || is_keyword(text)) return false;
  const unsigned char first = static_cast<unsigned char>(text.front());
  if (!std::isalpha(first) && first != '/' && first != '_') return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '/';
  });
}

std::string quoted(const std::string& text) {
  // JSON's escapes are a subset of YAML's double-quoted style.
  return Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A multi-line string that a literal block carries unchanged: printable characters and tabs,
// no whitespace at the end of a line, and a first non-empty line that does not start with
// whitespace (it sets the block's indentation).
bool literal_safe(const std::string& text) {
  if (text.find('\n') == std::string::npos) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) return false;
    const bool line_end = i + 1 == text.size() || text[i + 1] == '\n';
    if ((c == ' ' || c == '\t') && line_end) return false;
  }
  const auto first = text.find_first_not_of('\n');
  return first != std::string::npos && text[first] != ' ' && text[first] != '\t';
}

// A literal block scalar whose lines are indented by `indent`: "|" keeps one final newline,
// "|-" none, "|+" all of them.
std::string literal(const std::string& text, int indent) {
  std::size_t trailing = 0;
  while (trailing < text.size() && text[text.size() - 1 - trailing] == '\n') ++trailing;
  const char* header = trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
  const std::string body = trailing == 0 ? text : text.substr(0, text.size() - 1);
  std::string out = header;
  out += '\n';
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = body.find('\n', start);
    const std::string_view line =
        std::string_view(body).substr(start, end == std::string::npos ? end : end - start);
    if (!line.empty()) out += spaces(indent) + std::string(line);
    out += '\n';
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string key_text(const std::string& key) {
  return plain_safe(key) ? key : quoted(key);
}

// A scalar (or empty collection) after "key: " or "- ", with the newline that ends it.
// Continuation lines of a literal block are indented by `indent`.
std::string scalar(const Json& value, int indent) {
  switch (value.type()) {
    case Json::value_t::object:
      return "{}\n";
    case Json::value_t::array:
      return "[]\n";
    case Json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (plain_safe(text)) return text + "\n";
      if (literal_safe(text)) return literal(text, indent);
      return quoted(text) + "\n";
    }
    default:
      return value.dump() + "\n";  // null, booleans and numbers read back as themselves
  }
}

bool nested(const Json& value) {
  return (value.is_object() || value.is_array()) && !value.empty();
}

void write_sequence(const Json& items, int indent, std::string& out);

// Every key of `map` on its own line at `indent`.
void write_map(const Json& map, int indent, std::string& out) {
  for (const auto& [key, value] : map.items()) {
    out += spaces(indent) + key_text(key) + ":";
    if (value.is_object() && !value.empty()) {
      out += '\n';
      write_map(value, indent + 2, out);
    } else if (value.is_array() && !value.empty()) {
      out += '\n';
      write_sequence(value, indent + 2, out);
    } else {
      out += ' ' + scalar(value, indent + 2);
    }
  }
}

// "- item" lines at `indent`; a map item starts on the dash's line.
void write_sequence(const Json& items, int indent, std::string& out) {
  for (const Json& item : items) {
    if (item.is_object() && !item.empty()) {
      std::string body;
      write_map(item, indent + 2, body);
      out += spaces(indent) + "- " + body.substr(static_cast<std::size_t>(indent) + 2);
    } else if (nested(item)) {
      out += spaces(indent) + "-\n";
      write_sequence(item, indent + 2, out);
    } else {
      out += spaces(indent) + "- " + scalar(item, indent + 2);
    }
  }
}

}  // namespace

std::string to_yaml(const nlohmann::ordered_json& document) {
  std::string out;
  if (document.is_object() && !document.empty()) {
    write_map(document, 0, out);
  } else if (document.is_array() && !document.empty()) {
    write_sequence(document, 0, out);
  } else {
    out = scalar(document, 0);
  }
  return out;
}

}  // namespace rt::cluster
