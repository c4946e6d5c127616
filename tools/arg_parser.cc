// ArgParser: declaration, parsing and help generation (see arg_parser.h).
#include "tools/arg_parser.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace seam::cli {
namespace {

// A token that starts a flag rather than being a value: "-x", "--xyz", "--".
// Negative numbers ("-1", "-.5") are values.
bool LooksLikeFlag(const std::string& s) {
  if (s.size() < 2 || s[0] != '-') return false;
  const char c = s[1];
  return !((c >= '0' && c <= '9') || c == '.');
}

bool ParseInt64(const std::string& text, int64_t* out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0') return false;
  *out = static_cast<int64_t>(v);
  return true;
}

// Wraps `text` to `width` columns, each continuation line indented by `indent`.
std::string Wrap(const std::string& text, size_t indent, size_t width) {
  std::string out;
  size_t col = indent;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\n') {
      out += '\n' + std::string(indent, ' ');
      col = indent;
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\n') ++j;
    const std::string word = text.substr(i, j - i);
    if (col > indent && col + 1 + word.size() > width) {
      out += '\n' + std::string(indent, ' ');
      col = indent;
    } else if (col > indent) {
      out += ' ';
      ++col;
    }
    out += word;
    col += word.size();
    i = j;
    while (i < text.size() && text[i] == ' ') ++i;
  }
  return out;
}

}  // namespace

ArgParser::ArgParser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {
  Flag help;
  help.name = "help";
  help.short_name = 'h';
  help.help = "show this help and exit";
  help.kind = Kind::kBool;
  help.out = &help_;
  flags_.push_back(std::move(help));
}

void ArgParser::AddFlag(Flag flag) {
  // Keep --help last in the listing.
  flags_.insert(flags_.end() - 1, std::move(flag));
}

void ArgParser::AddString(const std::string& name, char short_name, const std::string& value_name,
                          const std::string& help, std::string* out) {
  Flag f;
  f.name = name;
  f.short_name = short_name;
  f.value_name = value_name;
  f.help = help;
  f.kind = Kind::kString;
  f.out = out;
  AddFlag(std::move(f));
}

void ArgParser::AddInt(const std::string& name, char short_name, const std::string& value_name,
                       const std::string& help, int64_t* out, int64_t min, int64_t max) {
  Flag f;
  f.name = name;
  f.short_name = short_name;
  f.value_name = value_name;
  f.help = help;
  f.kind = Kind::kInt;
  f.out = out;
  f.min = min;
  f.max = max;
  AddFlag(std::move(f));
}

void ArgParser::AddBool(const std::string& name, char short_name, const std::string& help,
                        bool* out) {
  Flag f;
  f.name = name;
  f.short_name = short_name;
  f.help = help;
  f.kind = Kind::kBool;
  f.out = out;
  AddFlag(std::move(f));
}

void ArgParser::AddRepeated(const std::string& name, char short_name, const std::string& value_name,
                            const std::string& help, std::vector<std::string>* out) {
  Flag f;
  f.name = name;
  f.short_name = short_name;
  f.value_name = value_name;
  f.help = help;
  f.kind = Kind::kRepeated;
  f.out = out;
  AddFlag(std::move(f));
}

void ArgParser::AddPositional(const std::string& name, const std::string& help, std::string* out,
                              bool required) {
  positionals_.push_back(Positional{name, help, out, required});
}

ArgParser::Flag* ArgParser::FindLong(const std::string& name) {
  for (Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

ArgParser::Flag* ArgParser::FindShort(char c) {
  for (Flag& f : flags_) {
    if (f.short_name != 0 && f.short_name == c) return &f;
  }
  return nullptr;
}

bool ArgParser::Seen(const std::string& name) const {
  for (const Flag& f : flags_) {
    if (f.name == name) return f.seen;
  }
  return false;
}

bool ArgParser::Fail(std::string message) {
  error_ = std::move(message);
  return false;
}

bool ArgParser::Assign(Flag* flag, const std::string& shown, const std::string& value) {
  flag->seen = true;
  switch (flag->kind) {
    case Kind::kString:
      *static_cast<std::string*>(flag->out) = value;
      return true;
    case Kind::kRepeated:
      static_cast<std::vector<std::string>*>(flag->out)->push_back(value);
      return true;
    case Kind::kInt: {
      int64_t v = 0;
      if (!ParseInt64(value, &v)) {
        return Fail("flag '" + shown + "' expects an integer, got '" + value + "'");
      }
      if (v < flag->min || v > flag->max) {
        return Fail("flag '" + shown + "' must be in [" + std::to_string(flag->min) + ", " +
                    std::to_string(flag->max) + "], got " + value);
      }
      *static_cast<int64_t*>(flag->out) = v;
      return true;
    }
    case Kind::kBool:
      if (value == "true" || value == "1" || value == "yes") {
        *static_cast<bool*>(flag->out) = true;
      } else if (value == "false" || value == "0" || value == "no") {
        *static_cast<bool*>(flag->out) = false;
      } else {
        return Fail("flag '" + shown + "' is a boolean: expected true or false, got '" + value +
                    "'");
      }
      return true;
  }
  return true;
}

ArgParser::Result ArgParser::Parse(const std::vector<std::string>& args) {
  error_.clear();
  help_ = false;
  // --help anywhere (before "--") wins over every other problem.
  for (const std::string& arg : args) {
    if (arg == "--") break;
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      return Result::kHelp;
    }
  }
  size_t next_positional = 0;
  bool flags_done = false;
  auto take_positional = [&](const std::string& value) -> bool {
    if (next_positional >= positionals_.size()) {
      if (extra_positionals_ != nullptr) {
        extra_positionals_->push_back(value);
        return true;
      }
      if (positionals_.empty()) {
        return Fail("unexpected argument '" + value + "' (" + command_ + " takes no arguments)");
      }
      return Fail("unexpected extra argument '" + value + "'");
    }
    *positionals_[next_positional++].out = value;
    return true;
  };

  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || !LooksLikeFlag(arg)) {
      if (!take_positional(arg)) return Result::kError;
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    Flag* flag = nullptr;
    std::string shown;
    std::string inline_value;
    bool has_inline = false;
    if (arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2);
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_inline = true;
      }
      shown = "--" + name;
      flag = FindLong(name);
    } else {
      // "-o", "-o=value" or "-ovalue".
      shown = arg.substr(0, 2);
      flag = FindShort(arg[1]);
      if (arg.size() > 2) {
        has_inline = true;
        inline_value = arg[2] == '=' ? arg.substr(3) : arg.substr(2);
        if (flag != nullptr && flag->kind == Kind::kBool && arg[2] != '=') {
          // "-vx" style bundles are not supported; report the whole token.
          flag = nullptr;
          shown = arg;
        }
      }
    }
    if (flag == nullptr) {
      Fail("unknown flag '" + shown + "' (see '" + command_ + " --help')");
      return Result::kError;
    }
    if (flag->kind == Kind::kBool) {
      if (!Assign(flag, shown, has_inline ? inline_value : "true")) return Result::kError;
      continue;
    }
    if (!has_inline) {
      if (i + 1 >= args.size() || LooksLikeFlag(args[i + 1])) {
        Fail("flag '" + shown + "' needs a value (" + shown + " " + flag->value_name + ")");
        return Result::kError;
      }
      inline_value = args[++i];
    }
    if (!Assign(flag, shown, inline_value)) return Result::kError;
  }
  if (help_) return Result::kHelp;
  for (size_t p = next_positional; p < positionals_.size(); ++p) {
    if (positionals_[p].required) {
      Fail("missing argument " + positionals_[p].name + " (see '" + command_ + " --help')");
      return Result::kError;
    }
  }
  return Result::kOk;
}

bool ArgParser::ParseOrReport(const std::vector<std::string>& args, int* exit_code) {
  switch (Parse(args)) {
    case Result::kOk:
      return true;
    case Result::kHelp:
      std::fputs(Help().c_str(), stdout);
      *exit_code = 0;
      return false;
    case Result::kError:
      std::fprintf(stderr, "%s: %s\n", command_.c_str(), error_.c_str());
      *exit_code = 2;
      return false;
  }
  return false;
}

std::string ArgParser::Help() const {
  constexpr size_t kWidth = 100;
  constexpr size_t kHelpColumn = 26;
  std::string usage = "Usage: " + command_;
  if (flags_.size() > 1) usage += " [options]";
  for (const Positional& p : positionals_) {
    usage += p.required ? " " + p.name : " [" + p.name + "]";
  }
  if (extra_positionals_ != nullptr && !positionals_.empty()) usage += "...";
  std::string out = usage + "\n\n" + Wrap(summary_, 0, kWidth) + "\n";

  auto add_row = [&](const std::string& left, const std::string& help) {
    std::string row = "  " + left;
    if (row.size() + 2 > kHelpColumn) {
      row += "\n" + std::string(kHelpColumn, ' ');
    } else {
      row += std::string(kHelpColumn - row.size(), ' ');
    }
    out += row + Wrap(help, kHelpColumn, kWidth) + "\n";
  };

  if (!positionals_.empty()) {
    out += "\nArguments:\n";
    for (const Positional& p : positionals_) add_row(p.name, p.help);
  }
  out += "\nOptions:\n";
  for (const Flag& f : flags_) {
    std::string left = f.short_name != 0 ? std::string("-") + f.short_name + ", " : "    ";
    left += "--" + f.name;
    if (f.kind != Kind::kBool) left += " " + f.value_name;
    std::string help = f.help;
    if (f.kind == Kind::kInt) {
      help += " (default " + std::to_string(*static_cast<const int64_t*>(f.out)) + ")";
    } else if (f.kind == Kind::kString && !static_cast<const std::string*>(f.out)->empty()) {
      help += " (default " + *static_cast<const std::string*>(f.out) + ")";
    } else if (f.kind == Kind::kRepeated) {
      help += " (repeatable)";
    }
    add_row(left, help);
  }
  if (!epilog_.empty()) out += "\n" + epilog_ + (epilog_.back() == '\n' ? "" : "\n");
  return out;
}

}  // namespace seam::cli
