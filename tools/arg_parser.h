// ArgParser: the small command-line flag parser behind every `seam` subcommand.
//
// Flags are declared with a pointer to where their value goes, then Parse()
// fills them in. Accepted forms: `--flag value`, `--flag=value`, `-f value`,
// booleans (`--json`, `--json=false`), repeated flags (each occurrence is
// appended), positionals, and `--` to end flag parsing. `-h`/`--help` is
// always declared. The --help text is generated from the declarations.
// Errors name the flag: "unknown flag '--foo'", "flag '--output' needs a value".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "seam/status.h"

namespace seam::cli {

class ArgParser {
 public:
  // `command` is what the user typed, e.g. "seam inspect"; `summary` is the
  // one-paragraph description shown under the usage line.
  ArgParser(std::string command, std::string summary);
  ArgParser(const ArgParser&) = delete;
  ArgParser& operator=(const ArgParser&) = delete;

  // --- declarations --------------------------------------------------------
  // `short_name` is 0 for none. `value_name` appears in the help ("FILE").
  void AddString(const std::string& name, char short_name, const std::string& value_name,
                 const std::string& help, std::string* out);
  // An integer in [min, max].
  void AddInt(const std::string& name, char short_name, const std::string& value_name,
              const std::string& help, int64_t* out, int64_t min, int64_t max);
  void AddBool(const std::string& name, char short_name, const std::string& help, bool* out);
  // Every occurrence is appended to `out`.
  void AddRepeated(const std::string& name, char short_name, const std::string& value_name,
                   const std::string& help, std::vector<std::string>* out);
  // Positionals are filled in declaration order; required ones must come first.
  void AddPositional(const std::string& name, const std::string& help, std::string* out,
                     bool required = true);
  // Positionals after the declared ones go here instead of being an error
  // (`seam sweep A.seam B.seam ...`); the usage line shows "NAME...".
  void SetExtraPositionals(std::vector<std::string>* out) { extra_positionals_ = out; }
  // Extra text appended to the help (examples, notes).
  void SetEpilog(const std::string& text) { epilog_ = text; }

  // --- parsing -------------------------------------------------------------
  enum class Result { kOk, kHelp, kError };
  // Parses `args` (without the program and subcommand names). On kError,
  // error() says what is wrong, naming the flag or argument.
  Result Parse(const std::vector<std::string>& args);
  const std::string& error() const { return error_; }

  // Parses and reports: prints the help to stdout (exit code 0) or the error
  // to stderr (exit code 2) and returns false; returns true when the command
  // should go on.
  bool ParseOrReport(const std::vector<std::string>& args, int* exit_code);

  // True when the flag appeared on the command line.
  bool Seen(const std::string& name) const;
  std::string Help() const;
  const std::string& command() const { return command_; }

 private:
  enum class Kind { kString, kInt, kBool, kRepeated };
  struct Flag {
    std::string name;
    char short_name = 0;
    std::string value_name;
    std::string help;
    Kind kind = Kind::kString;
    void* out = nullptr;
    int64_t min = 0, max = 0;
    bool seen = false;
  };
  struct Positional {
    std::string name;
    std::string help;
    std::string* out = nullptr;
    bool required = true;
  };

  Flag* FindLong(const std::string& name);
  Flag* FindShort(char c);
  bool Assign(Flag* flag, const std::string& shown, const std::string& value);
  bool Fail(std::string message);
  void AddFlag(Flag flag);

  std::string command_;
  std::string summary_;
  std::string epilog_;
  std::vector<Flag> flags_;
  std::vector<Positional> positionals_;
  std::vector<std::string>* extra_positionals_ = nullptr;
  bool help_ = false;
  std::string error_;
};

}  // namespace seam::cli
