// Codec figures: encode and decode of one gossip frame at 64 B, 1 KiB and 64 KiB payloads.
#include <benchmark/benchmark.h>

#include "wire/codec.hpp"

namespace {

rt::wire::Gossip sample(std::size_t payload_size) {
  rt::wire::Gossip g;
  g.id = rt::MessageId{0x1234};
  g.group = "all";
  g.level = 3;
  g.kind = rt::wire::GossipKind::tree;
  g.payload = std::make_shared<const rt::wire::Bytes>(payload_size, 0x5a);
  return g;
}

void BM_EncodeGossip(benchmark::State& state) {
  const rt::wire::Message m = sample(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto frame = rt::wire::encode_shared(m);
    benchmark::DoNotOptimize(frame);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}

void BM_DecodeGossip(benchmark::State& state) {
  const rt::wire::Bytes frame =
      rt::wire::encode_frame(sample(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    auto result = rt::wire::decode_frame(frame);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_EncodeGossip)->Arg(64)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(BM_DecodeGossip)->Arg(64)->Arg(1024)->Arg(64 * 1024);

}  // namespace

BENCHMARK_MAIN();
