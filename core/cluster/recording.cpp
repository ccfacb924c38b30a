#include "cluster/recording.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "wire/codec.hpp"

namespace rt::cluster {

Micros entry_time(const RecordingEntry& entry) {
  if (const auto* e = std::get_if<RecordedEvent>(&entry)) return e->event.time_us;
  return std::get<RecordedNote>(entry).time_us;
}

namespace {

constexpr char kMagic[5] = {'R', 'T', 'R', 'E', 'C'};
constexpr std::uint8_t kEventBlock = 1;
constexpr std::uint8_t kNoteBlock = 2;
constexpr std::uint32_t kMaxJson = 16u << 20;  // a header or note beyond this is damage

void put_be(std::string& out, std::uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::uint64_t get_be(const std::uint8_t* p, int width) {
  std::uint64_t v = 0;
  for (int i = 0; i < width; ++i) v = v << 8 | p[i];
  return v;
}

nlohmann::json header_json(const RecordingHeader& h) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const RecordedNode& n : h.nodes) {
    nodes.push_back({{"rank", n.rank}, {"id", n.id.hex()}, {"role", n.role}});
  }
  return {{"format", "raintree-recording"},
          {"mode", h.mode},
          {"name", h.name},
          {"started_us", h.started_us},
          {"nodes", nodes}};
}

std::optional<RecordingHeader> parse_header(const std::string& text, std::string& error) {
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("nodes") ||
      !doc["nodes"].is_array()) {
    error = "recording header is not a valid JSON object with nodes";
    return std::nullopt;
  }
  RecordingHeader h;
  h.mode = doc.value("mode", "");
  h.name = doc.value("name", "");
  h.started_us = doc.value("started_us", Micros{0});
  for (const auto& n : doc["nodes"]) {
    RecordedNode node;
    node.rank = n.value("rank", 0);
    const auto id = NodeId::from_hex(n.value("id", ""));
    if (!id || node.rank != static_cast<int>(h.nodes.size()) + 1) {
      error =
          "recording header: node " + std::to_string(h.nodes.size() + 1) + " has a bad id or rank";
      return std::nullopt;
    }
    node.id = *id;
    node.role = n.value("role", "validator");
    h.nodes.push_back(std::move(node));
  }
  return h;
}

}  // namespace

std::unique_ptr<RecordingWriter> RecordingWriter::create(const std::filesystem::path& file,
                                                         const RecordingHeader& header,
                                                         std::string& error) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) {
    error = "cannot create recording " + file.string();
    return nullptr;
  }
  std::string head(kMagic, sizeof kMagic);
  head.push_back(static_cast<char>(kRecordingVersion));
  const std::string json = header_json(header).dump();
  put_be(head, json.size(), 4);
  head += json;
  out.write(head.data(), static_cast<std::streamsize>(head.size()));
  auto writer = std::unique_ptr<RecordingWriter>(new RecordingWriter(std::move(out)));
  writer->bytes_written_ = head.size();
  return writer;
}

RecordingWriter::~RecordingWriter() {
  std::string ignored;
  if (!finished_) finish(ignored);
}

void RecordingWriter::add_events(int rank, const std::vector<wire::EventRecord>& events) {
  for (const wire::EventRecord& e : events) {
    pending_.emplace_back(e.time_us, RecordedEvent{rank, e});
  }
  if (pending_.size() > kMaxBuffered) {
    // Bounded memory: write the oldest half now.
    std::sort(pending_.begin(), pending_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    flush_until(pending_[pending_.size() / 2].first);
  }
}

void RecordingWriter::add_note(Micros time_us, nlohmann::json note) {
  pending_.emplace_back(time_us, RecordedNote{time_us, std::move(note)});
}

void RecordingWriter::flush_older_than(Micros now_us, Micros lag_us) {
  flush_until(now_us - lag_us);
}

void RecordingWriter::flush_until(Micros cutoff) {
  // Stable: entries with equal times keep their arrival order (a node's own order).
  std::stable_sort(pending_.begin(), pending_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto end = std::find_if(pending_.begin(), pending_.end(),
                          [&](const auto& p) { return p.first >= cutoff; });
  for (auto it = pending_.begin(); it != end; ++it) write_entry(it->second);
  pending_.erase(pending_.begin(), end);
}

void RecordingWriter::write_entry(const RecordingEntry& entry) {
  std::string block;
  if (const auto* e = std::get_if<RecordedEvent>(&entry)) {
    block.push_back(static_cast<char>(kEventBlock));
    put_be(block, static_cast<std::uint64_t>(e->rank), 2);
    wire::Bytes bytes;
    wire::append_event(bytes, e->event);
    block.append(bytes.begin(), bytes.end());
    ++events_written_;
  } else {
    const auto& n = std::get<RecordedNote>(entry);
    const std::string json = n.note.dump();
    block.push_back(static_cast<char>(kNoteBlock));
    put_be(block, static_cast<std::uint64_t>(n.time_us), 8);
    put_be(block, json.size(), 4);
    block += json;
  }
  out_.write(block.data(), static_cast<std::streamsize>(block.size()));
  bytes_written_ += block.size();
  if (sink_) sink_(entry);
}

bool RecordingWriter::finish(std::string& error) {
  if (finished_) return true;
  finished_ = true;
  flush_until(std::numeric_limits<Micros>::max());
  out_.flush();
  if (!out_) {
    error = "writing the recording failed (disk full?)";
    return false;
  }
  out_.close();
  return true;
}

std::unique_ptr<RecordingReader> RecordingReader::open(const std::filesystem::path& file,
                                                       std::string& error) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = "cannot open recording " + file.string();
    return nullptr;
  }
  std::array<std::uint8_t, 10> head{};
  in.read(reinterpret_cast<char*>(head.data()), head.size());
  if (in.gcount() != static_cast<std::streamsize>(head.size()) ||
      !std::equal(std::begin(kMagic), std::end(kMagic), head.begin())) {
    error = file.string() + " is not a RainTree recording";
    return nullptr;
  }
  if (head[5] != kRecordingVersion) {
    error = file.string() + ": recording version " + std::to_string(head[5]) +
            " is not supported (this build reads version " + std::to_string(kRecordingVersion) +
            ")";
    return nullptr;
  }
  const auto size = static_cast<std::uint32_t>(get_be(head.data() + 6, 4));
  if (size > kMaxJson) {
    error = file.string() + ": damaged recording header";
    return nullptr;
  }
  std::string json(size, '\0');
  in.read(json.data(), size);
  if (in.gcount() != static_cast<std::streamsize>(size)) {
    error = file.string() + ": truncated recording header";
    return nullptr;
  }
  auto header = parse_header(json, error);
  if (!header) return nullptr;
  auto reader =
      std::unique_ptr<RecordingReader>(new RecordingReader(std::move(in), std::move(*header)));
  reader->offset_ = head.size() + size;
  return reader;
}

std::optional<RecordingEntry> RecordingReader::next(std::string& error) {
  error.clear();
  const int type = in_.get();
  if (type == std::char_traits<char>::eof()) return std::nullopt;
  const std::uint64_t at = offset_;
  auto damaged = [&](const char* what) {
    error = std::string("recording damaged at byte ") + std::to_string(at) + ": " + what;
    return std::nullopt;
  };
  if (type == kEventBlock) {
    std::array<std::uint8_t, 2 + wire::kEventRecordSize> block{};
    in_.read(reinterpret_cast<char*>(block.data()), block.size());
    if (in_.gcount() != static_cast<std::streamsize>(block.size()))
      return damaged("truncated event");
    RecordedEvent e;
    e.rank = static_cast<int>(get_be(block.data(), 2));
    if (e.rank < 1 || e.rank > static_cast<int>(header_.nodes.size()))
      return damaged("unknown rank");
    if (wire::decode_event(std::span(block).subspan<2, wire::kEventRecordSize>(), e.event)) {
      return damaged("bad event record");
    }
    offset_ += 1 + block.size();
    return e;
  }
  if (type == kNoteBlock) {
    std::array<std::uint8_t, 12> head{};
    in_.read(reinterpret_cast<char*>(head.data()), head.size());
    if (in_.gcount() != static_cast<std::streamsize>(head.size())) return damaged("truncated note");
    const auto size = static_cast<std::uint32_t>(get_be(head.data() + 8, 4));
    if (size > kMaxJson) return damaged("note too large");
    std::string json(size, '\0');
    in_.read(json.data(), size);
    if (in_.gcount() != static_cast<std::streamsize>(size)) return damaged("truncated note");
    RecordedNote n;
    n.time_us = static_cast<Micros>(get_be(head.data(), 8));
    n.note = nlohmann::json::parse(json, nullptr, false);
    if (n.note.is_discarded()) return damaged("note is not JSON");
    offset_ += 1 + head.size() + size;
    return n;
  }
  return damaged("unknown block type");
}

}  // namespace rt::cluster
