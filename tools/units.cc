// ParseBandwidth / ParseDurationMs: a number followed by an optional unit,
// case-insensitive; anything else is an error naming the text.
#include "tools/units.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace seam::cli {
namespace {

bool SplitNumber(const std::string& text, double* value, std::string* unit) {
  const char* begin = text.c_str();
  char* end = nullptr;
  *value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(*value)) return false;
  unit->clear();
  for (const char* p = end; *p; ++p) {
    if (*p != ' ') unit->push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(*p))));
  }
  return true;
}

}  // namespace

Status ParseBandwidth(const std::string& text, double* bits_per_second) {
  double v;
  std::string unit;
  if (!SplitNumber(text, &v, &unit) || v <= 0) {
    return InvalidArgument("bandwidth '" + text +
                           "' is not a positive number with a unit (e.g. 5.85Mbit)");
  }
  double scale;
  if (unit.empty() || unit == "bit" || unit == "bps" || unit == "bit/s") {
    scale = 1;
  } else if (unit == "kbit" || unit == "kbps" || unit == "kbit/s") {
    scale = 1e3;
  } else if (unit == "mbit" || unit == "mbps" || unit == "mbit/s") {
    scale = 1e6;
  } else if (unit == "gbit" || unit == "gbps" || unit == "gbit/s") {
    scale = 1e9;
  } else {
    return InvalidArgument("bandwidth '" + text + "': unknown unit '" + unit +
                           "' (use bit, kbit, Mbit or Gbit per second)");
  }
  *bits_per_second = v * scale;
  return Status::Ok();
}

Status ParseDurationMs(const std::string& text, double* milliseconds) {
  double v;
  std::string unit;
  if (!SplitNumber(text, &v, &unit) || v < 0) {
    return InvalidArgument("duration '" + text +
                           "' is not a non-negative number with a unit (e.g. 30ms)");
  }
  if (unit.empty() || unit == "ms") {
    *milliseconds = v;
  } else if (unit == "s") {
    *milliseconds = v * 1e3;
  } else if (unit == "us") {
    *milliseconds = v * 1e-3;
  } else {
    return InvalidArgument("duration '" + text + "': unknown unit '" + unit +
                           "' (use us, ms or s)");
  }
  return Status::Ok();
}

std::string FormatBandwidth(double bps) {
  char buf[64];
  if (bps >= 1e9) {
    std::snprintf(buf, sizeof(buf), "%.3g Gbit/s", bps / 1e9);
  } else if (bps >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.3g Mbit/s", bps / 1e6);
  } else if (bps >= 1e3) {
    std::snprintf(buf, sizeof(buf), "%.3g kbit/s", bps / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.3g bit/s", bps);
  }
  return buf;
}

}  // namespace seam::cli
