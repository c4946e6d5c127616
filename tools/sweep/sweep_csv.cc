// Sweep results CSV: formatting, parsing, and the append-and-fsync file.
#include "tools/sweep/sweep_csv.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "seam/model.h"

namespace seam::sweep {
namespace {

std::string Num(double v, const char* format = "%.6g") {
  if (!std::isfinite(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

bool ToDouble(const std::string& s, double* out) {
  if (s.empty()) {
    *out = NAN;  // an unknown value is written as an empty field
    return true;
  }
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0';
}

bool ToInt(const std::string& s, int64_t* out) {
  char* end = nullptr;
  *out = std::strtoll(s.c_str(), &end, 10);
  return !s.empty() && *end == '\0';
}

struct Column {
  const char* name;
  std::function<std::string(const SweepRow&)> get;
  std::function<bool(const std::string&, SweepRow*)> set;
};

#define SEAM_STR_COLUMN(field)                                           \
  Column {                                                               \
#field, [](const SweepRow& r) { return r.field; },                     \
        [](const std::string& v, SweepRow* r) {                            \
          r->field = v;                                                    \
          return true;                                                     \
        } \
  }
#define SEAM_NUM_COLUMN(field, format)                                                            \
  Column {                                                                                        \
#field, [](const SweepRow&                                                                    \
                   r) { return Num(r.field, format); },                                           \
                                                     [](const std::string& v,                     \
                                                        SweepRow*                                 \
                                                            r) { return ToDouble(v, &r->field); } \
  }
#define SEAM_INT_COLUMN(field)                                           \
  Column {                                                               \
#field, [](const SweepRow& r) { return std::to_string(r.field); },     \
        [](const std::string& v, SweepRow* r) {                            \
          int64_t x = 0;                                                   \
          if (!ToInt(v, &x)) return false;                                 \
          r->field = static_cast<decltype(r->field)>(x);                   \
          return true;                                                     \
        } \
  }

const std::vector<Column>& Columns() {
  static const std::vector<Column> kColumns = {
      SEAM_STR_COLUMN(kind),
      SEAM_STR_COLUMN(model),
      SEAM_STR_COLUMN(model_hash),
      SEAM_STR_COLUMN(topology),
      SEAM_NUM_COLUMN(cpu_stress, "%.6g"),
      SEAM_NUM_COLUMN(mem_stress, "%.6g"),
      SEAM_STR_COLUMN(link),
      SEAM_NUM_COLUMN(bandwidth_mbps, "%.6g"),
      SEAM_NUM_COLUMN(rtt_ms, "%.6g"),
      SEAM_STR_COLUMN(policy),
      SEAM_STR_COLUMN(point),
      SEAM_INT_COLUMN(cut_index),
      SEAM_INT_COLUMN(edge_nodes),
      SEAM_INT_COLUMN(boundary_bytes),
      SEAM_INT_COLUMN(frames),
      SEAM_NUM_COLUMN(latency_ms, "%.3f"),
      SEAM_NUM_COLUMN(latency_p90_ms, "%.3f"),
      SEAM_NUM_COLUMN(latency_mean_ms, "%.3f"),
      SEAM_NUM_COLUMN(pipelined_ms, "%.3f"),
      SEAM_NUM_COLUMN(frames_per_s, "%.4g"),
      SEAM_NUM_COLUMN(edge_ms, "%.3f"),
      SEAM_NUM_COLUMN(link_ms, "%.3f"),
      SEAM_NUM_COLUMN(server_ms, "%.3f"),
      SEAM_INT_COLUMN(sent_bytes),
      SEAM_INT_COLUMN(fallbacks),
      SEAM_INT_COLUMN(recuts),
      SEAM_INT_COLUMN(cuts_seen),
      SEAM_STR_COLUMN(chosen_cut),
      SEAM_NUM_COLUMN(slowdown, "%.6g"),
      SEAM_STR_COLUMN(edge_cpus),
      SEAM_STR_COLUMN(server_cpus),
      SEAM_INT_COLUMN(mem_stress_bytes),
      SEAM_STR_COLUMN(finished),
  };
  return kColumns;
}

// A field quoted only when it has to be (RFC 4180).
std::string Quote(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Splits one CSV record (RFC 4180 quoting; a record never spans lines here,
// because the writer never puts a newline in a field).
bool SplitRecord(const std::string& line, std::vector<std::string>* fields) {
  fields->clear();
  std::string cur;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"' && cur.empty() && !quoted) {
      in_quotes = quoted = true;
    } else if (c == ',') {
      fields->push_back(cur);
      cur.clear();
      quoted = false;
    } else if (c == '\r' && i + 1 == line.size()) {
      // tolerate CRLF
    } else {
      cur += c;
    }
  }
  if (in_quotes) return false;
  fields->push_back(cur);
  return true;
}

std::string Percent(double v) { return Num(v, "%.6g"); }

}  // namespace

std::string SweepRow::Key() const {
  std::string key = kind + "|" + model + "|" + model_hash + "|" + Percent(cpu_stress) + "|" +
                    Percent(mem_stress) + "|" + link + "|" + policy + "|" + Num(slowdown);
  if (kind == "cut") key += "|" + point;
  return key;
}

const std::vector<std::string>& SweepColumns() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const Column& c : Columns()) names.push_back(c.name);
    return names;
  }();
  return kNames;
}

std::string FormatRow(const SweepRow& row) {
  std::string line;
  for (const Column& c : Columns()) {
    if (!line.empty()) line += ',';
    line += Quote(c.get(row));
  }
  return line + "\n";
}

Status ParseSweepCsv(const std::string& text, const std::string& source,
                     std::vector<SweepRow>* rows, bool* dropped_partial) {
  rows->clear();
  *dropped_partial = false;
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      *dropped_partial = true;  // a write cut short
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (lines.empty()) return InvalidArgument(source + ": empty file (no header row)");
  std::vector<std::string> header;
  if (!SplitRecord(lines[0], &header)) return InvalidArgument(source + ":1: bad header row");
  const std::vector<Column>& columns = Columns();
  std::vector<int> where(columns.size(), -1);
  for (size_t c = 0; c < columns.size(); ++c) {
    for (size_t h = 0; h < header.size(); ++h) {
      if (header[h] == columns[c].name) where[c] = static_cast<int>(h);
    }
    if (where[c] < 0) {
      return InvalidArgument(source + ":1: no column '" + columns[c].name +
                             "' (not a seam sweep results file, or from another seam version)");
    }
  }
  std::vector<std::string> fields;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string where_text = source + ":" + std::to_string(i + 1);
    if (lines[i].empty()) continue;
    if (!SplitRecord(lines[i], &fields))
      return InvalidArgument(where_text + ": unterminated quote");
    if (fields.size() != header.size()) {
      return InvalidArgument(where_text + ": " + std::to_string(fields.size()) +
                             " fields, the header has " + std::to_string(header.size()));
    }
    SweepRow row;
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string& value = fields[static_cast<size_t>(where[c])];
      if (!columns[c].set(value, &row)) {
        return InvalidArgument(where_text + ": column " + columns[c].name + ": bad value '" +
                               value + "'");
      }
    }
    if (row.kind != "cut" && row.kind != "policy")
      return InvalidArgument(where_text + ": kind must be cut or policy, got '" + row.kind + "'");
    rows->push_back(std::move(row));
  }
  return Status::Ok();
}

Status ReadSweepCsv(const std::string& path, std::vector<SweepRow>* rows) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read '" + path + "': " + std::strerror(errno));
  std::stringstream s;
  s << in.rdbuf();
  bool partial = false;
  return ParseSweepCsv(s.str(), path, rows, &partial);
}

SweepCsv::~SweepCsv() {
  if (fd_ >= 0) close(fd_);
}

Status SweepCsv::Open(const std::string& path, std::unique_ptr<SweepCsv>* out) {
  std::unique_ptr<SweepCsv> csv(new SweepCsv());
  csv->path_ = path;
  std::ifstream in(path, std::ios::binary);
  std::string text;
  if (in) {
    std::stringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  if (text.empty()) {
    std::string header;
    for (const std::string& name : SweepColumns()) header += (header.empty() ? "" : ",") + name;
    header += "\n";
    SEAM_RETURN_IF_ERROR(WriteFileAtomically(path, header.data(), header.size()));
  } else {
    bool partial = false;
    SEAM_RETURN_IF_ERROR(ParseSweepCsv(text, path, &csv->rows_, &partial));
    if (partial) {
      // Keep every complete line; the cell of the cut-short one runs again.
      const std::string kept = text.substr(0, text.rfind('\n') + 1);
      SEAM_RETURN_IF_ERROR(WriteFileAtomically(path, kept.data(), kept.size()));
    }
  }
  for (size_t i = 0; i < csv->rows_.size(); ++i) csv->keys_[csv->rows_[i].Key()] = i;
  csv->fd_ = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (csv->fd_ < 0)
    return IoError("cannot open '" + path + "' for appending: " + std::strerror(errno));
  *out = std::move(csv);
  return Status::Ok();
}

Status SweepCsv::Append(const SweepRow& row) {
  const std::string line = FormatRow(row);
  // One write() of the whole line: with O_APPEND a reader never sees half a
  // row unless the machine dies mid-write, which Open() repairs.
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot append to '" + path_ + "': " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  if (fsync(fd_) != 0) return IoError("cannot fsync '" + path_ + "': " + std::strerror(errno));
  keys_[row.Key()] = rows_.size();
  rows_.push_back(row);
  return Status::Ok();
}

}  // namespace seam::sweep
