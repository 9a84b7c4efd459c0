#include "hourglass/learners/external/wire_header.h"

#include <charconv>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

namespace hg {
namespace {

// The fast path's reader: a cursor over the line. Every method skips the
// whitespace before what it reads and answers false when the text is not
// what it reads, or is outside the fast subset; it may have consumed part
// of the text then, so a false ends the fast path (the caller never tries
// another reader at the same place).
class FastReader {
 public:
  explicit FastReader(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  bool eat(char c) {
    skip_space();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool at_end() {
    skip_space();
    return p_ == end_;
  }
  // The next character after whitespace ('\0' at the end), not consumed.
  char peek() {
    skip_space();
    return p_ == end_ ? '\0' : *p_;
  }
  // A string of printable ASCII without escapes.
  bool string(std::string_view& out) {
    if (!eat('"')) return false;
    const char* start = p_;
    for (; p_ != end_; ++p_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c < 0x20 || c > 0x7e || c == '\\') return false;
    }
    return false;
  }
  // An integer as JSON writes it (-?(0|[1-9][0-9]*)) with at most 18 digits,
  // so that it fits int64_t; not followed by a fraction or an exponent.
  bool integer(int64_t& out) {
    skip_space();
    const char* start = p_;
    if (p_ != end_ && *p_ == '-') ++p_;
    const char* digits = p_;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    const size_t n = static_cast<size_t>(p_ - digits);
    if (n == 0 || n > 18 || (n > 1 && *digits == '0')) return false;
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    const auto r = std::from_chars(start, p_, out);
    return r.ec == std::errc() && r.ptr == p_;
  }
  bool word(std::string_view w) {
    skip_space();
    if (static_cast<size_t>(end_ - p_) < w.size() || std::memcmp(p_, w.data(), w.size()) != 0)
      return false;
    p_ += w.size();
    return true;
  }

 private:
  void skip_space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) ++p_;
  }
  const char* p_;
  const char* end_;
};

// [{"name": ..., "dtype": ..., "shape": [...]}, ...] after the key.
bool fast_tensors(FastReader& r, std::vector<WireTensorSpec>& out) {
  if (!r.eat('[')) return false;
  if (r.eat(']')) return true;
  for (;;) {
    if (!r.eat('{')) return false;
    WireTensorSpec& t = out.emplace_back();
    bool name = false, dtype = false, shape = false;
    for (;;) {
      std::string_view key, value;
      if (!r.string(key) || !r.eat(':')) return false;
      if (key == "name" && !name) {
        if (!r.string(value)) return false;
        t.name.assign(value);
        name = true;
      } else if (key == "dtype" && !dtype) {
        if (!r.string(value)) return false;
        t.dtype.assign(value);
        dtype = true;
      } else if (key == "shape" && !shape) {
        if (!r.eat('[')) return false;
        if (!r.eat(']')) {
          for (;;) {
            int64_t s = 0;
            if (!r.integer(s)) return false;
            t.shape.push_back(s);
            if (r.eat(',')) continue;
            if (r.eat(']')) break;
            return false;
          }
        }
        shape = true;
      } else {
        return false;
      }
      if (r.eat(',')) continue;
      if (r.eat('}')) break;
      return false;
    }
    if (!name || !dtype || !shape) return false;
    if (r.eat(',')) continue;
    if (r.eat(']')) return true;
    return false;
  }
}

std::string shown_line(std::string_view line) {
  return line.size() > 120 ? std::string(line.substr(0, 120)) + "..." : std::string(line);
}

}  // namespace

const WireField* WireHeader::field(std::string_view key) const {
  for (const auto& f : fields)
    if (f.key == key) return &f;
  return nullptr;
}

void WireHeader::clear() {
  type.clear();
  fields.clear();
  tensors.clear();
}

void read_wire_header_dom(std::string_view line, std::string_view expecting, WireHeader& out) {
  out.clear();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const std::exception&) {
    throw WireHeaderError("the agent sent malformed JSON while the harness waited for " +
                          std::string(expecting) + ": '" + shown_line(line) + "'");
  }
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    throw WireHeaderError(
        "the agent sent a message without a string \"type\" while the harness "
        "waited for " +
        std::string(expecting) + ": " + j.dump());
  out.type = j["type"].get<std::string>();
  for (const auto& [key, value] : j.items()) {
    if (key == "type" || key == "tensors") continue;
    WireField& f = out.fields.emplace_back();
    f.key = key;
    if (value.is_number_unsigned()) {
      const auto u = value.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        f.kind = WireField::Kind::kInteger;
        f.integer = static_cast<int64_t>(u);
      }
    } else if (value.is_number_integer()) {
      f.kind = WireField::Kind::kInteger;
      f.integer = value.get<int64_t>();
    } else if (value.is_string()) {
      f.kind = WireField::Kind::kString;
      f.text = value.get<std::string>();
    }
  }
  if (!j.contains("tensors")) return;
  const auto& list = j["tensors"];
  if (!list.is_array())
    throw WireHeaderError("message '" + out.type + "': \"tensors\" must be a list");
  for (const auto& d : list) {
    WireTensorSpec t;
    try {
      t.name = d.at("name").get<std::string>();
      t.dtype = d.at("dtype").get<std::string>();
      t.shape = d.at("shape").get<std::vector<int64_t>>();
    } catch (const std::exception&) {
      throw WireHeaderError("message '" + out.type +
                            "': a tensor must be {\"name\", \"dtype\", \"shape\"}, got " +
                            d.dump());
    }
    out.tensors.push_back(std::move(t));
  }
}

bool read_wire_header_fast(std::string_view line, WireHeader& out) {
  out.clear();
  FastReader r(line);
  if (!r.eat('{')) return false;
  bool type = false, tensors = false;
  if (!r.eat('}')) {
    for (;;) {
      std::string_view key, text;
      if (!r.string(key) || !r.eat(':')) return false;
      if (key == "type") {
        if (type || !r.string(text)) return false;
        out.type.assign(text);
        type = true;
      } else if (key == "tensors") {
        if (tensors || !fast_tensors(r, out.tensors)) return false;
        tensors = true;
      } else {
        if (out.field(key)) return false;  // a duplicate: nlohmann keeps the last one
        WireField& f = out.fields.emplace_back();
        f.key.assign(key);
        // The first character decides what the value must be: a reader that
        // fails part-way has consumed input, so no second reader may try.
        const char c = r.peek();
        if (c == '"') {
          if (!r.string(text)) return false;
          f.kind = WireField::Kind::kString;
          f.text.assign(text);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
          if (!r.integer(f.integer)) return false;
          f.kind = WireField::Kind::kInteger;
        } else if (!(c == 't' && r.word("true")) && !(c == 'f' && r.word("false")) &&
                   !(c == 'n' && r.word("null"))) {
          return false;
        }
      }
      if (r.eat(',')) continue;
      if (r.eat('}')) break;
      return false;
    }
  }
  return r.at_end() && type;
}

void read_wire_header(std::string_view line, std::string_view expecting, WireHeader& out) {
  if (!read_wire_header_fast(line, out)) read_wire_header_dom(line, expecting, out);
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

WireHeaderWriter::WireHeaderWriter(std::string& out, std::string_view type) : out_(out) {
  out_.assign("{\"type\":");
  append_json_string(out_, type);
  empty_ = false;
}

WireHeaderWriter WireHeaderWriter::from_object(std::string& out, std::string_view object_text) {
  if (object_text.size() < 2 || object_text.front() != '{' || object_text.back() != '}')
    throw std::logic_error("WireHeaderWriter::from_object: not a JSON object's text");
  WireHeaderWriter w(out);
  out.assign(object_text.substr(0, object_text.size() - 1));
  size_t i = 1;
  while (i < out.size() && (out[i] == ' ' || out[i] == '\t' || out[i] == '\r' || out[i] == '\n'))
    ++i;
  w.empty_ = i == out.size();
  return w;
}

void WireHeaderWriter::key(std::string_view k) {
  if (!empty_) out_.push_back(',');
  empty_ = false;
  append_json_string(out_, k);
  out_.push_back(':');
}

void WireHeaderWriter::integer(std::string_view k, int64_t value) {
  if (tensors_ || finished_)
    throw std::logic_error("WireHeaderWriter: integer fields come before the tensors");
  key(k);
  char digits[24];
  const auto r = std::to_chars(digits, digits + sizeof digits, value);
  out_.append(digits, r.ptr);
}

void WireHeaderWriter::tensor(std::string_view name, std::string_view dtype, const int64_t* shape,
                              size_t dims) {
  if (finished_) throw std::logic_error("WireHeaderWriter: tensor after finish");
  if (!tensors_) {
    key("tensors");
    out_.push_back('[');
    tensors_ = true;
  } else {
    out_.push_back(',');
  }
  out_.append("{\"name\":");
  append_json_string(out_, name);
  out_.append(",\"dtype\":");
  append_json_string(out_, dtype);
  out_.append(",\"shape\":[");
  char digits[24];
  for (size_t i = 0; i < dims; ++i) {
    if (i) out_.push_back(',');
    const auto r = std::to_chars(digits, digits + sizeof digits, shape[i]);
    out_.append(digits, r.ptr);
  }
  out_.append("]}");
}

void WireHeaderWriter::finish() {
  if (finished_) return;
  if (tensors_) out_.push_back(']');
  out_.append("}\n");
  finished_ = true;
}

}  // namespace hg
