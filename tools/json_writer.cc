// JsonWriter: separators, indentation, escaping and number formatting.
#include "tools/json_writer.h"

#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace seam::cli {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  size_t len = 0;
  uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

JsonWriter::JsonWriter(std::string* out, bool pretty) : out_(out), pretty_(pretty) {}

std::string JsonWriter::Quote(std::string_view s) {
  std::string q;
  q.reserve(s.size() + 2);
  q += '"';
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        q += "\\\"";
        ++i;
        continue;
      case '\\':
        q += "\\\\";
        ++i;
        continue;
      case '\n':
        q += "\\n";
        ++i;
        continue;
      case '\r':
        q += "\\r";
        ++i;
        continue;
      case '\t':
        q += "\\t";
        ++i;
        continue;
      case '\b':
        q += "\\b";
        ++i;
        continue;
      case '\f':
        q += "\\f";
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      q += buf;
      ++i;
      continue;
    }
    const size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      q += "\\ufffd";
      ++i;
      continue;
    }
    q.append(s.data() + i, len);
    i += len;
  }
  q += '"';
  return q;
}

void JsonWriter::Newline() {
  if (!pretty_) return;
  if (single_line_depth_ > 0) {
    *out_ += ' ';
    return;
  }
  *out_ += '\n';
  out_->append(2 * stack_.size(), ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) {
    assert(!wrote_root_ && "JsonWriter: more than one root value");
    wrote_root_ = true;
    return;
  }
  Level& top = stack_.back();
  assert(!top.is_object && "JsonWriter: value in an object needs a Key() first");
  if (!top.empty) {
    *out_ += ',';
    Newline();
  } else if (single_line_depth_ == 0) {
    Newline();
  }
  top.empty = false;
}

void JsonWriter::Key(std::string_view key) {
  assert(!stack_.empty() && stack_.back().is_object && !after_key_);
  Level& top = stack_.back();
  if (!top.empty) *out_ += ',';
  top.empty = false;
  Newline();
  *out_ += Quote(key);
  *out_ += pretty_ ? ": " : ":";
  after_key_ = true;
}

void JsonWriter::BeginObject() {
  BeforeValue();
  *out_ += '{';
  stack_.push_back(Level{true, true, false});
}

void JsonWriter::BeginArray(bool single_line) {
  BeforeValue();
  *out_ += '[';
  stack_.push_back(Level{false, true, single_line});
  if (single_line) ++single_line_depth_;
}

void JsonWriter::EndObject() {
  assert(!stack_.empty() && stack_.back().is_object && !after_key_);
  const bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) Newline();
  *out_ += '}';
  if (stack_.empty() && pretty_) *out_ += '\n';
}

void JsonWriter::EndArray() {
  assert(!stack_.empty() && !stack_.back().is_object);
  const bool empty = stack_.back().empty;
  const bool single_line = stack_.back().single_line;
  stack_.pop_back();
  if (single_line) {
    --single_line_depth_;
  } else if (!empty) {
    Newline();
  }
  *out_ += ']';
  if (stack_.empty() && pretty_) *out_ += '\n';
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  *out_ += Quote(value);
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  *out_ += std::to_string(value);
}

void JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  *out_ += std::to_string(value);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    *out_ += "null";
    return;
  }
  // Shortest of %.{6..17}g that reads back to the same double.
  char buf[32];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  *out_ += buf;
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  *out_ += value ? "true" : "false";
}

void JsonWriter::Null() {
  BeforeValue();
  *out_ += "null";
}

}  // namespace seam::cli
