#include "util/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace rt::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::mutex g_sink_mutex;
Sink g_sink;  // empty: records are discarded

constexpr std::string_view kNames[] = {"trace", "debug", "info", "warn", "error", "off"};

}  // namespace

bool parse_level(std::string_view text, Level& out) {
  for (int i = 0; i <= static_cast<int>(Level::off); ++i) {
    if (text == kNames[i]) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

std::string_view level_name(Level level) {
  return kNames[static_cast<int>(level)];
}

void set_sink(Sink sink) {
  std::lock_guard lock(g_sink_mutex);
  g_sink = std::move(sink);
}

void set_level(Level level) {
  g_level.store(level, std::memory_order_relaxed);
}
Level level() {
  return g_level.load(std::memory_order_relaxed);
}
bool enabled(Level lvl) {
  return lvl >= level() && lvl != Level::off;
}

void write(Level lvl, std::string_view category, std::string_view text) {
  std::lock_guard lock(g_sink_mutex);
  if (g_sink) g_sink(lvl, category, text);
}

Sink stderr_sink() {
  return [](Level lvl, std::string_view category, std::string_view text) {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const std::time_t secs = system_clock::to_time_t(now);
    const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
    std::fprintf(stderr, "%s.%03lld %-5.*s [%.*s] %.*s\n", stamp, static_cast<long long>(millis),
                 static_cast<int>(level_name(lvl).size()), level_name(lvl).data(),
                 static_cast<int>(category.size()), category.data(), static_cast<int>(text.size()),
                 text.data());
  };
}

}  // namespace rt::log
