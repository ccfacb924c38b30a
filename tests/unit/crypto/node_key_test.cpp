#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "crypto/node_key.hpp"
#include "crypto/tls_context.hpp"

namespace rt::crypto {
namespace {

namespace fs = std::filesystem;

class ScratchDir {
 public:
  ScratchDir() {
    char pattern[] = "/tmp/rt-crypto-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

NodeKey generated() {
  std::string error;
  auto key = NodeKey::generate(error);
  EXPECT_TRUE(key) << error;
  return std::move(*key);
}

TEST(NodeKey, TheIdIsTheDomainSeparatedHashOfThePublicKey) {
  const NodeKey key = generated();
  const std::string domain = "raintree-node-id/v1";
  std::vector<std::uint8_t> input(domain.begin(), domain.end());
  input.insert(input.end(), key.public_key().begin(), key.public_key().end());
  NodeId::Bytes expected{};
  SHA256(input.data(), input.size(), expected.data());
  EXPECT_EQ(key.id(), NodeId(expected));
  // Not the plain hash of the key: another use of SHA-256 over a key never yields a node id.
  NodeId::Bytes plain{};
  SHA256(key.public_key().data(), key.public_key().size(), plain.data());
  EXPECT_NE(key.id(), NodeId(plain));
  EXPECT_NE(generated().id(), key.id());
}

TEST(NodeKey, SavedKeysLoadBackAndAreReadableByTheOwnerOnly) {
  ScratchDir dir;
  const NodeKey key = generated();
  std::string error;
  const fs::path file = dir.path() / "node.key";
  ASSERT_TRUE(key.save(file, error)) << error;
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const auto loaded = NodeKey::load(file, error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(loaded->public_key(), key.public_key());
  EXPECT_EQ(loaded->id(), key.id());
}

TEST(NodeKey, BadKeyFilesAreRefusedWithTheReason) {
  ScratchDir dir;
  std::string error;
  EXPECT_FALSE(NodeKey::load(dir.path() / "missing.key", error));
  EXPECT_NE(error.find("cannot read the key file"), std::string::npos) << error;

  const fs::path garbage = dir.path() / "garbage.key";
  std::ofstream(garbage) << "not a key\n";
  EXPECT_FALSE(NodeKey::load(garbage, error));
  EXPECT_NE(error.find("bad key file " + garbage.string()), std::string::npos) << error;

  // A valid PEM key of another type (P-256) is not a node key.
  EVP_PKEY* ec_key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(ec_key, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, ec_key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(ec_key);
  EXPECT_FALSE(NodeKey::from_pem(pem, error));
  EXPECT_NE(error.find("not an Ed25519 private key"), std::string::npos) << error;
}

TEST(PublicKeyHex, RoundTripsAndRefusesAnythingButSixtyFourHexCharacters) {
  const NodeKey key = generated();
  EXPECT_EQ(public_key_from_hex(to_hex(key.public_key())), key.public_key());
  EXPECT_FALSE(public_key_from_hex(""));
  EXPECT_FALSE(public_key_from_hex(std::string(63, 'a')));
  EXPECT_FALSE(public_key_from_hex(std::string(64, 'g')));
}

TEST(TlsContext, ANodeContextCarriesTheNodesKeyInItsCertificate) {
  const NodeKey key = generated();
  std::string error;
  const auto context = make_node_tls_context(key, PeerCertificate::required, error);
  ASSERT_TRUE(context) << error;
  X509* cert = SSL_CTX_get0_certificate(context->native_handle());
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(raw_public_key(X509_get0_pubkey(cert)), key.public_key());
  EXPECT_EQ(SSL_CTX_get_min_proto_version(context->native_handle()), TLS1_3_VERSION);
}

}  // namespace
}  // namespace rt::crypto
