// Text that is safe to echo on a terminal. No LibTorch, no dependencies.
#pragma once

#include <string>

namespace hg {

// `text` with its control characters (C0, DEL, and the C1 range
// U+0080..U+009F as UTF-8) written as \n, \t, \r, \xNN or \u00NN; with
// `keep_newlines`, '\n' stays a line break. Echoed names and file content
// can then neither drive the terminal (ANSI escapes) nor cut a message short
// (NUL). Idempotent. Diagnostic::str() and the CLI's error output apply it.
inline std::string printable(const std::string& text, bool keep_newlines = false) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' && keep_newlines) {
      out += '\n';
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      const auto d = static_cast<unsigned char>(text[++i]);  // a C1 control, e.g. CSI
      out += "\\u00";
      out += kHex[d >> 4];
      out += kHex[d & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace hg
