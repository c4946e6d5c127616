// A recursive-descent JSON parser with line/column errors and a depth limit.
#include "tools/json_reader.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace seam::cli {

const JsonValue& JsonValue::Get(const std::string& key) const {
  static const JsonValue kNullValue;
  auto it = object.find(key);
  return it == object.end() ? kNullValue : it->second;
}

namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  Status Parse(JsonValue* out) {
    SEAM_RETURN_IF_ERROR(Value(out, 0));
    Skip();
    if (pos_ != s_.size()) return Error("unexpected text after the JSON value");
    return Status::Ok();
  }

 private:
  Status Error(const std::string& what) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return InvalidArgument("JSON line " + std::to_string(line) + ", column " + std::to_string(col) +
                           ": " + what);
  }
  void Skip() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  bool Literal(const char* word) {
    const std::string w = word;
    if (s_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }

  Status Value(JsonValue* out, int depth) {
    if (depth > kMaxDepth) return Error("nesting deeper than " + std::to_string(kMaxDepth));
    Skip();
    if (pos_ >= s_.size()) return Error("unexpected end of input");
    const char c = s_[pos_];
    if (c == '{') return Object(out, depth);
    if (c == '[') return Array(out, depth);
    if (c == '"') {
      out->type = JsonValue::kString;
      return String(&out->string);
    }
    if (Literal("true")) {
      out->type = JsonValue::kBool;
      out->boolean = true;
      return Status::Ok();
    }
    if (Literal("false")) {
      out->type = JsonValue::kBool;
      return Status::Ok();
    }
    if (Literal("null")) {
      out->type = JsonValue::kNull;
      return Status::Ok();
    }
    return Number(out);
  }

  Status Number(JsonValue* out) {
    const size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size() &&
           (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.' ||
            s_[pos_] == 'e' || s_[pos_] == 'E' || s_[pos_] == '+' || s_[pos_] == '-')) {
      ++pos_;
    }
    if (pos_ == start) return Error("expected a value");
    const std::string text = s_.substr(start, pos_ - start);
    char* end = nullptr;
    out->number = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) {
      pos_ = start;
      return Error("malformed number '" + text + "'");
    }
    out->type = JsonValue::kNumber;
    return Status::Ok();
  }

  Status String(std::string* out) {
    ++pos_;  // opening quote
    out->clear();
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return Status::Ok();
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in string");
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          *out += '"';
          break;
        case '\\':
          *out += '\\';
          break;
        case '/':
          *out += '/';
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return Error("truncated \\u escape");
          const unsigned code =
              static_cast<unsigned>(std::strtoul(s_.substr(pos_, 4).c_str(), nullptr, 16));
          pos_ += 4;
          // Basic multilingual plane only; enough for names seam writes.
          if (code < 0x80) {
            *out += static_cast<char>(code);
          } else if (code < 0x800) {
            *out += static_cast<char>(0xC0 | (code >> 6));
            *out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            *out += static_cast<char>(0xE0 | (code >> 12));
            *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            *out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default:
          return Error(std::string("bad escape \\") + e);
      }
    }
    return Error("unterminated string");
  }

  Status Array(JsonValue* out, int depth) {
    ++pos_;
    out->type = JsonValue::kArray;
    Skip();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return Status::Ok();
    }
    for (;;) {
      out->array.emplace_back();
      SEAM_RETURN_IF_ERROR(Value(&out->array.back(), depth + 1));
      Skip();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return Status::Ok();
      }
      return Error("expected ',' or ']'");
    }
  }

  Status Object(JsonValue* out, int depth) {
    ++pos_;
    out->type = JsonValue::kObject;
    Skip();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return Status::Ok();
    }
    for (;;) {
      Skip();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Error("expected a member name");
      std::string key;
      SEAM_RETURN_IF_ERROR(String(&key));
      Skip();
      if (pos_ >= s_.size() || s_[pos_] != ':') return Error("expected ':'");
      ++pos_;
      SEAM_RETURN_IF_ERROR(Value(&out->object[key], depth + 1));
      Skip();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return Status::Ok();
      }
      return Error("expected ',' or '}'");
    }
  }

  const std::string& s_;
  size_t pos_ = 0;
};

}  // namespace

Status ParseJson(const std::string& text, JsonValue* out) {
  *out = JsonValue();
  return Parser(text).Parse(out);
}

Status ReadJsonFile(const std::string& path, JsonValue* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot open '" + path + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (buffer.str().size() > (size_t{256} << 20))
    return InvalidArgument("'" + path + "' is too large");
  Status s = ParseJson(buffer.str(), out);
  if (!s.ok()) return Status(s.code(), "'" + path + "': " + s.message());
  return s;
}

}  // namespace seam::cli
