// SHA-256 wrapper and the artifact pool: validated bounds, received check, per-peer bounds of
// the unvalidated section.
#include <gtest/gtest.h>

#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/advert_pool.hpp"
#include "protocol/sha256.hpp"

namespace rt::protocol {
namespace {

NodeId peer(std::uint8_t n) {
  NodeId::Bytes b{};
  b[0] = n;
  return NodeId(b);
}

std::string hex(const wire::Sha256& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : digest) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

wire::Advert advert_of(std::uint64_t id, std::uint64_t size, std::uint64_t height = 0) {
  wire::Advert advert;
  advert.artifact_id = id;
  advert.size = size;
  advert.height = height;
  return advert;
}

TEST(AdvertSha256, KnownVectorsAndIncrementalEqualsOneShot) {
  EXPECT_EQ(hex(sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256(bytes_of("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string_view text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  Sha256Hasher hasher;
  for (std::size_t i = 0; i < text.size(); i += 7) hasher.update(bytes_of(text.substr(i, 7)));
  EXPECT_EQ(hex(hasher.finish()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hasher.finish(), sha256({})) << "finish() starts over";
}

TEST(AdvertPool, DownloadAssemblesOneBufferAndVerifies) {
  AdvertPool pool;
  wire::Bytes body(1000, 9);
  wire::Advert advert = advert_of(1, body.size());
  advert.integrity_hash = sha256(body);
  Download* download = pool.start(advert, peer(1));
  ASSERT_NE(download, nullptr);
  EXPECT_EQ(pool.start(advert, peer(2)), nullptr) << "one buffer per artifact";
  EXPECT_EQ(pool.unvalidated_bytes(peer(1)), 1000u);
  EXPECT_TRUE(download->append(std::span(body).first(600)));
  EXPECT_FALSE(download->append(std::span(body).first(600))) << "overruns the advertised size";
  EXPECT_TRUE(download->append(std::span(body).subspan(600)));
  ASSERT_TRUE(download->complete());
  EXPECT_TRUE(download->verify());
  wire::SharedBytes assembled = download->release_body();
  pool.finish(1);
  EXPECT_EQ(*assembled, body);
  EXPECT_EQ(pool.unvalidated_bytes_total(), 0u);
  EXPECT_EQ(pool.downloads(), 0u);
}

TEST(AdvertPool, UnvalidatedBoundsPerPeerAndTotal) {
  PoolLimits limits;
  limits.unvalidated_count_per_peer = 2;
  limits.unvalidated_bytes_per_peer = 1000;
  limits.unvalidated_bytes_total = 1500;
  AdvertPool pool(limits);
  EXPECT_FALSE(pool.can_ever_fit(1001));
  EXPECT_NE(pool.start(advert_of(1, 400), peer(1)), nullptr);
  EXPECT_NE(pool.start(advert_of(2, 400), peer(1)), nullptr);
  EXPECT_FALSE(pool.fits(peer(1), 1)) << "count bound";
  EXPECT_TRUE(pool.fits(peer(2), 700));
  EXPECT_FALSE(pool.fits(peer(2), 701)) << "total bound";
  pool.finish(1);
  EXPECT_TRUE(pool.fits(peer(1), 600));
  EXPECT_FALSE(pool.fits(peer(1), 601)) << "byte bound";
  EXPECT_EQ(pool.to_json()["unvalidated"]["per_peer"][0]["bytes"], 400);
}

TEST(AdvertPool, ValidatedBoundsEvictOldestButReceivedCheckRemembers) {
  PoolLimits limits;
  limits.validated_count = 2;
  limits.validated_bytes = 1 << 20;
  limits.received_check = 100;
  AdvertPool pool(limits);
  for (std::uint64_t id = 1; id <= 3; ++id) {
    pool.add_validated(advert_of(id, 10, id * 10), std::make_shared<wire::Bytes>(10));
  }
  EXPECT_EQ(pool.validated_count(), 2u);
  EXPECT_EQ(pool.find(1), nullptr);
  EXPECT_TRUE(pool.received(1));
  EXPECT_EQ(pool.newest_height(), 30u);
  EXPECT_EQ(pool.adverts_from(25, 10).size(), 1u);
  EXPECT_EQ(pool.purge_below(30), 1u);
  EXPECT_EQ(pool.validated_count(), 1u);
  EXPECT_EQ(pool.validated_bytes(), 10u);
  EXPECT_EQ(pool.received_check_size(), 3u);
}

}  // namespace
}  // namespace rt::protocol
