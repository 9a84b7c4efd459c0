// SHA-256 (FIPS 180-4), for the suite hash recorded in results files and
// checked by `merge`.
#pragma once

#include <string>

namespace hg {

// The SHA-256 digest of `bytes` as 64 lowercase hex digits.
std::string sha256_hex(const std::string& bytes);

}  // namespace hg
