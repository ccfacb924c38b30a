// Shared by the recording and replay tests: a temporary file path removed afterwards, and
// node ids filled with one byte.
#pragma once

#include <filesystem>
#include <random>
#include <string>

#include "util/ids.hpp"

namespace rt::cluster::testing {

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& prefix = "rt-recording-") {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / (prefix + std::to_string(rd()) + ".rtrec");
  }
  ~TempFile() { std::filesystem::remove(path); }
};

inline NodeId id_of(std::uint8_t fill) {
  NodeId::Bytes b{};
  b.fill(fill);
  return NodeId(b);
}

}  // namespace rt::cluster::testing
