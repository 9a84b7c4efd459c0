#include "hourglass/run/seal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hourglass/core/error.h"
#include "hourglass/core/files.h"
#include "hourglass/core/random.h"
#include "hourglass/core/sha256.h"

namespace hg {
namespace {

// A domain string and NUL before the key: the two hashes of one key never
// collide with each other or with hashes made elsewhere.
std::string domain_hash(const char* domain, const std::string& key) {
  std::string bytes(domain);
  bytes.push_back('\0');
  bytes += key;
  return sha256_hex(bytes);
}

}  // namespace

std::string seal_fingerprint(const std::string& key) { return domain_hash("hourglass-seal", key); }

SealKey seal_key_from_bytes(const std::string& key) {
  SealKey out;
  out.fingerprint = seal_fingerprint(key);
  const std::string secret = domain_hash("hourglass-seal-draws", key);
  out.draw_secret[0] = std::stoull(secret.substr(0, 16), nullptr, 16);
  out.draw_secret[1] = std::stoull(secret.substr(16, 16), nullptr, 16);
  return out;
}

SealKey read_seal_key_file(const std::string& path) {
  const std::string shown = "seal key file " + path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw InputError(shown + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw InputError(shown + ": cannot read: " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw InputError(shown + ": is a directory, not a file holding the key");
  }
  std::string key;
  const int err = read_to_end(fd, key, kMaxSealKeyBytes);
  ::close(fd);
  if (err == EFBIG) {
    key.assign(key.size(), '\0');
    throw InputError(shown + ": larger than " + std::to_string(kMaxSealKeyBytes) +
                     " bytes; a seal key is a short secret (e.g. 32 random bytes, hex)");
  }
  if (err != 0) throw InputError(shown + ": cannot read: " + std::strerror(err));
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.empty()) throw InputError(shown + ": empty (no key in it)");
  SealKey out = seal_key_from_bytes(key);
  key.assign(key.size(), '\0');  // best effort: the key's bytes do not linger here
  return out;
}

std::vector<uint64_t> sealed_seeds(const std::vector<uint64_t>& seeds, const SealKey& key) {
  std::vector<uint64_t> out;
  out.reserve(seeds.size());
  for (uint64_t s : seeds)
    out.push_back(mix_seed(mix_seed(mix_seed(s, "sealed"), key.draw_secret[0]),
                           key.draw_secret[1]));
  return out;
}

}  // namespace hg
