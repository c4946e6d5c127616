// JsonValue / ParseJson: a small strict JSON reader for files seam itself
// writes and users edit (profiles, sweep results). Errors give the line and
// column. Depth and size are bounded so hostile files cannot exhaust memory.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "seam/status.h"

namespace seam::cli {

struct JsonValue {
  enum Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;

  bool Has(const std::string& key) const { return type == kObject && object.count(key) != 0; }
  // The member, or a null value when absent.
  const JsonValue& Get(const std::string& key) const;
};

Status ParseJson(const std::string& text, JsonValue* out);
Status ReadJsonFile(const std::string& path, JsonValue* out);

}  // namespace seam::cli
