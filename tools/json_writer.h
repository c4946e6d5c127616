// JsonWriter: a minimal streaming JSON writer for the CLI's --json output.
//
// Call Begin/End for objects and arrays, Key() before each member value, and
// the value functions in between; commas, indentation and string escaping
// are handled here. Invalid UTF-8 in strings becomes U+FFFD and non-finite
// numbers become null, so the output is always valid JSON. Misuse (a value
// without a key inside an object, unbalanced End) is a programming error and
// is caught by assertions in debug builds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seam::cli {

class JsonWriter {
 public:
  // Appends to `out`. `pretty` indents by two spaces per level.
  explicit JsonWriter(std::string* out, bool pretty = true);

  void BeginObject();
  void EndObject();
  // `single_line`: keep the array on one line when pretty-printing (shapes).
  void BeginArray(bool single_line = false);
  void EndArray();
  void Key(std::string_view key);

  void String(std::string_view value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  void Double(double value);
  void Bool(bool value);
  void Null();

  // Key + value shorthands.
  void Field(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }
  void Field(std::string_view key, const char* value) {
    Key(key);
    String(value);
  }
  void Field(std::string_view key, int64_t value) {
    Key(key);
    Int(value);
  }
  void Field(std::string_view key, int value) {
    Key(key);
    Int(value);
  }
  void Field(std::string_view key, uint64_t value) {
    Key(key);
    Uint(value);
  }
  void Field(std::string_view key, double value) {
    Key(key);
    Double(value);
  }
  void Field(std::string_view key, bool value) {
    Key(key);
    Bool(value);
  }

  // True when every container has been closed.
  bool done() const { return stack_.empty() && wrote_root_; }

  // Escapes `s` as a JSON string literal, quotes included.
  static std::string Quote(std::string_view s);

 private:
  struct Level {
    bool is_object;
    bool empty;
    bool single_line;
  };
  void BeforeValue();
  void Newline();

  std::string* out_;
  bool pretty_;
  std::vector<Level> stack_;
  int single_line_depth_ = 0;  // open single-line containers
  bool after_key_ = false;
  bool wrote_root_ = false;
};

}  // namespace seam::cli
