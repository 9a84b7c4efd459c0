// Sealed splits: the run-time key that draws them, and its fingerprint.
//
// A task of the standard protocol may name OOD splits in `sealed:`
// (docs/suite-format.md). What a sealed split is scored on (evaluation
// inputs; for interactive families the levels and contexts, drawn from the
// instance seeds) is drawn from the members' seeds mixed with a secret
// derived from a key that `hourglass run` reads from --seal-key-file (or
// HOURGLASS_SEAL_KEY_FILE), never from the suite, so nobody without the key
// can reproduce or look at it. Without a key the sealed splits are skipped.
// The key reaches the protocol as a field (RunnerOptions::seal ->
// ProtocolRun::seal), not a process-wide setting: explicit, per run, and
// testable without global state.
//
// The key's bytes live only inside read_seal_key_file / seal_key_from_bytes:
// a SealKey holds two one-way hashes of it, made with different domain
// strings, and nothing else:
//   fingerprint  SHA-256("hourglass-seal\0" + key), public: results, the
//                journal and compare's messages carry it;
//   draw secret  SHA-256("hourglass-seal-draws\0" + key), private: mixed into
//                the seeds (sealed_seeds), written nowhere.
// Knowing the fingerprint does not give the draw secret.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hg {

// The largest key file read_seal_key_file accepts, in bytes.
inline constexpr size_t kMaxSealKeyBytes = 4096;

struct SealKey {
  std::string fingerprint;  // 64 lowercase hex digits (public)
  uint64_t draw_secret[2] = {0, 0};  // private: never print or write these
};

// The fingerprint of `key`: SHA-256 of "hourglass-seal" NUL key, 64 hex digits.
std::string seal_fingerprint(const std::string& key);

// A SealKey from the key's bytes (the caller has checked them; not empty).
SealKey seal_key_from_bytes(const std::string& key);

// Reads the key file `path`: its bytes, less trailing newlines ("\n",
// "\r\n"), are the key. InputError (exit 2) naming the path, and never
// quoting the file's content, when it cannot be opened or read, is a
// directory, is larger than kMaxSealKeyBytes, or holds no key.
SealKey read_seal_key_file(const std::string& path);

// The seeds a sealed split is drawn with: each of `seeds` mixed with the
// key's draw secret (protocols/standard/standard.cpp says which seeds).
std::vector<uint64_t> sealed_seeds(const std::vector<uint64_t>& seeds, const SealKey& key);

}  // namespace hg
