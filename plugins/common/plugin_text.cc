// Text helpers shared by the bundled plugins.
#include "plugins/common/plugin_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace seam_plugin {

void WriteError(char* error, size_t error_size, const std::string& message) {
  if (error == nullptr || error_size == 0) return;
  const size_t n = message.size() < error_size - 1 ? message.size() : error_size - 1;
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

std::string Trim(const std::string& text) {
  const char* ws = " \t\r\n\f\v";
  const size_t begin = text.find_first_not_of(ws);
  if (begin == std::string::npos) return "";
  const size_t end = text.find_last_not_of(ws);
  return text.substr(begin, end - begin + 1);
}

bool ParseDouble(const std::string& text, double* out) {
  // from_chars is locale-independent: a host that called setlocale() with a
  // comma decimal separator must not change how "0.3" parses.
  const std::string t = Trim(text);
  if (t.empty()) return false;
  const char* begin = t.data();
  const char* end = t.data() + t.size();
  if (*begin == '+') ++begin;  // from_chars rejects a leading '+'; people write it
  double value = 0.0;
  const auto result = std::from_chars(begin, end, value);
  if (result.ec != std::errc() || result.ptr != end || !std::isfinite(value)) return false;
  *out = value;
  return true;
}

std::string FormatDouble(double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", value);
  return buf;
}

}  // namespace seam_plugin
