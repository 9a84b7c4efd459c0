// Tests for run/seal.h: the key's fingerprint, the key file's checks, and
// the seeds of sealed splits.
#include "hourglass/run/seal.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "hourglass/core/error.h"
#include "hourglass/core/sha256.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

const std::string kKey = "correct horse battery staple";

// Expected digests from Python's hashlib, an implementation independent of ours:
//   hashlib.sha256(b'hourglass-seal\x00correct horse battery staple').hexdigest()
//   hashlib.sha256(b'hourglass-seal-draws\x00correct horse battery staple').hexdigest()
TEST(SealFingerprint, IsTheSha256OfTheDomainNulAndTheKey) {
  EXPECT_EQ(seal_fingerprint(kKey),
            "9ee03b57a4567d678a46b0b04d06c61b37ec6fd8f37264242e8f91423ef77417");
  // Not the plain hash of the key: the domain separates it.
  EXPECT_NE(seal_fingerprint(kKey), sha256_hex(kKey));
  const SealKey key = seal_key_from_bytes(kKey);
  EXPECT_EQ(key.fingerprint, seal_fingerprint(kKey));
  // The draw secret comes from another domain: the first 32 hex digits of
  // SHA-256("hourglass-seal-draws\0" + key), not of the fingerprint.
  EXPECT_EQ(key.draw_secret[0], 0x4f17650e90ad70e9ull);
  EXPECT_EQ(key.draw_secret[1], 0x0eb1fe56c229112full);
}

class SealKeyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "hourglass-seal-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  // The InputError's message; fails the test when none is thrown.
  static std::string error_of(const std::string& path) {
    try {
      read_seal_key_file(path);
    } catch (const InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << path << " was accepted";
    return "";
  }
  std::string dir_;
};

TEST_F(SealKeyFile, TrailingNewlinesAreNotPartOfTheKey) {
  EXPECT_EQ(read_seal_key_file(write("a", kKey)).fingerprint, seal_fingerprint(kKey));
  EXPECT_EQ(read_seal_key_file(write("b", kKey + "\n")).fingerprint, seal_fingerprint(kKey));
  EXPECT_EQ(read_seal_key_file(write("c", kKey + "\r\n")).fingerprint, seal_fingerprint(kKey));
  // Inner bytes (a NUL too) are the key's.
  const std::string binary("a\0b", 3);
  EXPECT_EQ(read_seal_key_file(write("d", binary)).fingerprint, seal_fingerprint(binary));
  EXPECT_NE(seal_fingerprint(binary), seal_fingerprint("a"));
  // The largest key accepted.
  const std::string largest(kMaxSealKeyBytes, 'k');
  EXPECT_EQ(read_seal_key_file(write("e", largest)).fingerprint, seal_fingerprint(largest));
}

TEST_F(SealKeyFile, BadFilesAreClearErrorsThatNameThePathAndNeverTheContent) {
  const std::string missing = dir_ + "/missing";
  EXPECT_EQ(error_of(missing),
            "seal key file " + missing + ": cannot open: No such file or directory");
  EXPECT_EQ(error_of(dir_),
            "seal key file " + dir_ + ": is a directory, not a file holding the key");
  const std::string empty = write("empty", "");
  EXPECT_EQ(error_of(empty), "seal key file " + empty + ": empty (no key in it)");
  const std::string newline = write("newline", "\n\n");
  EXPECT_EQ(error_of(newline), "seal key file " + newline + ": empty (no key in it)");
  const std::string secret = "SECRETSECRET";
  std::string big;
  while (big.size() <= kMaxSealKeyBytes) big += secret;
  const std::string large = write("large", big);
  const std::string message = error_of(large);
  EXPECT_EQ(message.rfind("seal key file " + large + ": larger than 4096 bytes", 0), 0u)
      << message;
  EXPECT_EQ(message.find(secret), std::string::npos);
  if (::geteuid() != 0) {  // root reads anything
    const std::string locked = write("locked", secret);
    ::chmod(locked.c_str(), 0);
    const std::string m = error_of(locked);
    EXPECT_EQ(m, "seal key file " + locked + ": cannot open: Permission denied");
  }
}

TEST(SealedSeeds, DependOnTheKeyAndOnlyOnIt) {
  const std::vector<uint64_t> seeds{1, 2, 3};
  const SealKey a = seal_key_from_bytes("key a"), b = seal_key_from_bytes("key b");
  const auto sa = sealed_seeds(seeds, a);
  ASSERT_EQ(sa.size(), 3u);
  EXPECT_EQ(sa, sealed_seeds(seeds, seal_key_from_bytes("key a")));  // deterministic
  EXPECT_NE(sa, sealed_seeds(seeds, b));
  for (size_t i = 0; i < seeds.size(); ++i) EXPECT_NE(sa[i], seeds[i]);
  EXPECT_NE(sa[0], sa[1]);
  // A key that differs only in its draw secret draws other seeds: the public
  // fingerprint alone cannot reproduce them.
  SealKey forged;
  forged.fingerprint = a.fingerprint;
  EXPECT_NE(sealed_seeds(seeds, forged), sa);
}

}  // namespace
}  // namespace hg
