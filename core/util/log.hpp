// Logging for the core library. The library never prints by itself: it hands records to a
// sink that the executable installs (stderr for raintree-node, a panel for the studio).
// Records carry a category so that noisy layers can be filtered, and the level is set by the
// operator only: nothing a peer sends can raise the log volume.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

namespace rt::log {

enum class Level { trace = 0, debug, info, warn, error, off };

// Parses "trace", "debug", "info", "warn", "error" or "off".
bool parse_level(std::string_view text, Level& out);
std::string_view level_name(Level level);

using Sink = std::function<void(Level, std::string_view category, std::string_view text)>;

void set_sink(Sink sink);     // replaces the sink; thread-safe
void set_level(Level level);  // records below this level are skipped cheaply
Level level();
bool enabled(Level level);
void write(Level level, std::string_view category, std::string_view text);

// A sink writing "time level [category] text" lines to stderr.
Sink stderr_sink();

}  // namespace rt::log

// Formats only when the level is enabled, so disabled logging costs a comparison.
#define RT_LOG(lvl, category, expr)                                \
  do {                                                             \
    if (::rt::log::enabled(::rt::log::Level::lvl)) {               \
      ::rt::log::write(::rt::log::Level::lvl, (category), (expr)); \
    }                                                              \
  } while (0)
