// The JSON line of a `hourglass.agent/1` message (docs/agent-protocol.md),
// read and written without building a JSON document: on the hot messages
// (`draw`, `step`, `data`, `transition`, `predict`, `act`) a line costs a
// few hundred nanoseconds instead of the microseconds a DOM costs.
//
// Reading is exact: read_wire_header() accepts the lines nlohmann::json::parse
// accepts, refuses the others with the harness's messages, and gives the same
// values. Its fast path (read_wire_header_fast) reads a strict subset of JSON,
// what agents send: one object whose keys and string values are printable
// ASCII without escapes, whose other values are integers that fit 64 bits,
// true, false or null, and whose "tensors" is a list of {"name", "dtype",
// "shape"} objects (each key once, no other key). Any other line (an escape,
// a fraction, an exponent, a nested object, a duplicate key, a byte outside
// printable ASCII, malformed JSON) is parsed by nlohmann::json, as every line
// was before the fast path existed, and converted to the same WireHeader.
//
// Writing (WireHeaderWriter) produces {"type": ..., integer fields...,
// "tensors": [...]} with the keys in that order, then the newline.
//
// Torch-free: also built with the sanitizers (tests/CMakeLists.txt).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hg {

// One tensor that a line declares; its bytes follow the line.
struct WireTensorSpec {
  std::string name;
  std::string dtype;  // as written ("float32", ...): the caller checks it
  std::vector<int64_t> shape;
};

// A top-level field of a line other than "type" and "tensors".
struct WireField {
  // kOther: true, false, null, a fraction, a list, an object, an integer
  // outside int64_t.
  enum class Kind { kInteger, kString, kOther };
  std::string key;
  Kind kind = Kind::kOther;
  int64_t integer = 0;  // kInteger
  std::string text;     // kString: the decoded string
};

struct WireHeader {
  std::string type;
  std::vector<WireField> fields;  // in no particular order
  std::vector<WireTensorSpec> tensors;

  // The field called `key`, or nullptr.
  const WireField* field(std::string_view key) const;
  void clear();
};

// A line that is not a message: the message says why, as the harness
// reports it ("the agent sent malformed JSON while the harness waited for
// ...").
class WireHeaderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads `line` (without its newline) into `out`. `expecting` names what the
// harness waits for, for the messages. Throws WireHeaderError when the line is
// not JSON, not an object with a string "type", or its "tensors" is not a
// list of {"name": string, "dtype": string, "shape": [integers]}.
void read_wire_header(std::string_view line, std::string_view expecting, WireHeader& out);

// The fast path alone: true when `line` is in the subset above (and then
// `out` holds it); false otherwise, `out` then unspecified. For tests.
bool read_wire_header_fast(std::string_view line, WireHeader& out);
// The slow path alone: nlohmann::json's DOM, checked as the harness always
// did (the errors of read_wire_header). For tests.
void read_wire_header_dom(std::string_view line, std::string_view expecting, WireHeader& out);

// Writes one line into a string whose capacity is kept between messages:
//   WireHeaderWriter w(buffer, "transition");
//   w.integer("remaining", 936);
//   w.tensor("obs", "float32", shape, 3);
//   w.finish();   // buffer: {"type":"transition","remaining":936,"tensors":[...]}\n
// Integer fields come before the tensors (std::logic_error otherwise).
class WireHeaderWriter {
 public:
  WireHeaderWriter(std::string& out, std::string_view type);
  // Starts from the text of a JSON object (nlohmann::json::dump()), which
  // must not hold "tensors": its fields, then the tensors added here.
  static WireHeaderWriter from_object(std::string& out, std::string_view object_text);

  void integer(std::string_view key, int64_t value);
  void tensor(std::string_view name, std::string_view dtype, const int64_t* shape, size_t dims);
  // Closes the tensors' list (if any) and the object, and adds the newline.
  void finish();

 private:
  explicit WireHeaderWriter(std::string& out) : out_(out) {}
  void key(std::string_view k);
  std::string& out_;
  bool empty_ = true;     // no field written yet
  bool tensors_ = false;  // the tensors' list is open
  bool finished_ = false;
};

// Appends `s` to `out` as a JSON string (quotes, escapes).
void append_json_string(std::string& out, std::string_view s);

}  // namespace hg
