// Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/) from the real
// encoder and the shipped scenarios, or with --check verifies that the committed seeds are
// still what it would write (ctest runs that, so a codec change cannot leave stale seeds):
//
//   fuzz_corpus [--check] <corpus dir> <scenario dir>
//
// Seeds are small valid inputs: one body and one frame of every message type, streams of
// several frames cut into reads of different sizes, the requests of docs/control-protocol.md,
// and the scenario files. Crash inputs kept as regression seeds (regress-*) are not touched.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "unit/wire/samples.hpp"
#include "wire/codec.hpp"

namespace {

using namespace rt;
namespace fs = std::filesystem;
using Corpus = std::map<fs::path, wire::Bytes>;  // file under the corpus dir -> content

wire::Bytes bytes_of(std::string_view text) {
  return wire::Bytes(text.begin(), text.end());
}

// fuzz_frames input: read size, max_body selector, then the stream.
wire::Bytes frames_input(std::uint8_t read_size, std::uint8_t max_body,
                         const std::vector<wire::Message>& messages) {
  wire::Bytes out{read_size, max_body};
  for (const auto& m : messages) {
    const wire::Bytes frame = wire::encode_frame(m);
    out.insert(out.end(), frame.begin(), frame.end());
  }
  return out;
}

void add_wire_seeds(Corpus& corpus) {
  std::vector<wire::Message> messages = wire::samples::all();
  messages.push_back(wire::Hello{1, wire::samples::id_of(1), "", {}});
  messages.push_back(wire::Gossip{MessageId{1}, wire::samples::id_of(2), "all", 0,
                                  wire::GossipKind::catchup, 1, 0, 0, 0, nullptr});
  messages.push_back(wire::EventBatch{0, {}});
  std::map<std::string, int> seen;
  std::vector<wire::Message> peer_messages;
  for (const auto& m : messages) {
    const wire::MessageType type = wire::type_of(m);
    const std::string name = std::string(wire::type_name(type)) + "-" +
                             std::to_string(seen[std::string(wire::type_name(type))]++);
    wire::Bytes frame = wire::encode_frame(m);
    frame.erase(frame.begin(), frame.begin() + wire::kHeaderSize - 1);  // keep the type byte
    corpus["bodies" / fs::path(name + ".bin")] = frame;
    if (!wire::is_control_type(type) && type != wire::MessageType::hello) {
      peer_messages.push_back(m);
      corpus["frames" / fs::path(name + ".bin")] = frames_input(0, 0, {m});
    }
  }
  corpus["frames/stream-whole.bin"] = frames_input(0, 0, peer_messages);
  corpus["frames/stream-bytewise.bin"] = frames_input(1, 0, peer_messages);
  corpus["frames/stream-reads-of-7-max-128.bin"] = frames_input(7, 2, peer_messages);
  corpus["frames/refused-hello.bin"] = frames_input(0, 0, {messages.front()});
  corpus["frames/refused-control.bin"] = frames_input(0, 0, {wire::ControlHello{"token"}});
}

void add_control_seeds(Corpus& corpus) {
  const std::string peer = wire::samples::id_of(0x20).hex();
  const std::pair<const char*, std::string> requests[] = {
      {"status", R"({"cmd":"status"})"},
      {"counters", R"({"cmd":"counters"})"},
      {"queues", R"({"cmd":"queues"})"},
      {"messages", R"({"cmd":"messages","since_us":1700000000000000})"},
      {"broadcast-size", R"({"cmd":"broadcast","size":4096,"group":"validators","kind":3})"},
      {"broadcast-hex", R"({"cmd":"broadcast","payload_hex":"deadBEEF"})"},
      {"subscribe", R"({"cmd":"subscribe"})"},
      {"subscribe-from", R"({"cmd":"subscribe","from_seq":42})"},
      {"inspect", R"({"cmd":"inspect"})"},
      {"members", R"({"cmd":"members"})"},
      {"join",
       R"({"cmd":"join","id":")" + peer + R"(","endpoint":"127.0.0.1:40001","role":"servicer"})"},
      {"leave", R"({"cmd":"leave","id":")" + peer + R"("})"},
      {"fault", R"({"cmd":"fault","clear":true,"mute":false,"loss_percent":12.5,"delay_ms":200,)"
                R"("links":{")" +
                    peer + R"(":{"loss_percent":10,"delay_ms":50}},"block":[")" + peer + R"("]})"},
      {"shutdown", R"({"cmd":"shutdown"})"},
      {"not-an-object", R"(["status"])"},
      {"unicode", R"({"cmd":"st\u00e4tus","group":"\ud83d\ude00"})"},
      // One level deeper than node::kMaxRequestDepth allows.
      {"nested-too-deep",
       R"({"cmd":"fault","mute":)" + std::string(65, '[') + std::string(65, ']') + "}"},
  };
  for (const auto& [name, json] : requests) {
    corpus["control" / fs::path(std::string(name) + ".json")] = bytes_of(json);
  }
}

bool add_scenario_seeds(Corpus& corpus, const fs::path& scenarios) {
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(scenarios)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    corpus["scenario" / entry.path().filename()] =
        wire::Bytes{std::istreambuf_iterator<char>(in), {}};
    ++files;
  }
  // The JSON form the scenario README shows.
  corpus["scenario/flow-style.json"] = bytes_of(
      R"({"nodes": 4, "mode": "advert", "advert": {"byzantine": [4], "priority": )"
      R"({"finalized_lag": "1s", "drop_kinds": [7]}}, "timeline": [{"at": "1s", "kill": [2]}, )"
      R"({"at": 0, "broadcast": {"count": 3, "every": "250ms", "origin": "rotate"}}]})");
  return files > 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool check = argc == 4 && std::string_view(argv[1]) == "--check";
  if (argc != (check ? 4 : 3)) {
    std::fprintf(stderr, "usage: fuzz_corpus [--check] <corpus dir> <scenario dir>\n");
    return 2;
  }
  const fs::path dir = argv[check ? 2 : 1];
  Corpus corpus;
  add_wire_seeds(corpus);
  add_control_seeds(corpus);
  if (!add_scenario_seeds(corpus, argv[check ? 3 : 2])) {
    std::fprintf(stderr, "no scenario files in %s\n", argv[check ? 3 : 2]);
    return 1;
  }
  int stale = 0;
  for (const auto& [file, content] : corpus) {
    const fs::path path = dir / file;
    if (check) {
      std::ifstream in(path, std::ios::binary);
      if (!in || wire::Bytes{std::istreambuf_iterator<char>(in), {}} != content) {
        std::fprintf(stderr, "stale or missing seed: %s (rerun fuzz_corpus)\n", path.c_str());
        ++stale;
      }
      continue;
    }
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(content.data()),
               static_cast<std::streamsize>(content.size()));
  }
  std::printf("%zu seeds %s\n", corpus.size(), check ? "checked" : "written");
  return stale == 0 ? 0 : 1;
}
