// CURVE key generation and key files (see curve_keys.h for the format).
#include "transport/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

namespace seam {
namespace {

std::string Trim(const std::string& text) {
  size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return text.substr(b, e - b);
}

bool Fail(std::string* error, const std::string& message) {
  if (error != nullptr) *error = message;
  return false;
}

// The two keys a file holds (either may be empty).
struct ParsedKeys {
  std::string public_key;
  std::string secret_key;
};

bool ReadWhole(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(error, "cannot open key file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Fail(error, "error reading key file " + path);
  *out = text.str();
  // Key files are a few hundred bytes; a huge file is not a key file, and
  // refusing it keeps a misconfigured path (a log, a model) from being slurped.
  if (out->size() > 64 * 1024) return Fail(error, "key file " + path + " is too large");
  return true;
}

bool ParseKeyFile(const std::string& path, ParsedKeys* out, std::string* error) {
  std::string text;
  if (!ReadWhole(path, &text, error)) return false;
  // The bare form: the whole file is one public key.
  const std::string whole = Trim(text);
  if (whole.size() == kCurveKeyZ85Length && whole.find('\n') == std::string::npos &&
      IsCurveKeyZ85(whole)) {
    out->public_key = whole;
    return true;
  }
  std::istringstream lines(text);
  std::string line;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    const std::string t = Trim(line);
    if (t.empty() || t[0] == '#') continue;
    const size_t eq = t.find('=');
    if (eq == std::string::npos) continue;  // a section name ("curve") or similar
    const std::string key = Trim(t.substr(0, eq));
    std::string value = Trim(t.substr(eq + 1));
    if (key != "public-key" && key != "secret-key") continue;  // other metadata
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    const std::string where = "key file " + path + ", line " + std::to_string(line_no);
    if (!IsCurveKeyZ85(value)) {
      return Fail(error, where + ": " + key + " is not a 40-character Z85 CURVE key");
    }
    std::string& slot = key == "public-key" ? out->public_key : out->secret_key;
    if (!slot.empty()) return Fail(error, where + ": " + key + " given twice");
    slot = value;
  }
  return true;
}

// Writes `content` to `path`, created with `mode`; O_EXCL unless overwrite.
bool WriteFile(const std::string& path, const std::string& content, mode_t mode, bool overwrite,
               std::string* error) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    if (errno == EEXIST) return Fail(error, path + " already exists (refusing to overwrite a key)");
    return Fail(error, "cannot create " + path + ": " + std::strerror(errno));
  }
  // An existing file keeps its old mode through O_TRUNC; force ours, so an
  // overwritten secret file cannot stay world-readable.
  bool ok = ::fchmod(fd, mode) == 0;
  size_t done = 0;
  while (ok && done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  const int saved = errno;
  if (::close(fd) != 0) ok = false;
  if (!ok) return Fail(error, "cannot write " + path + ": " + std::strerror(saved));
  return true;
}

}  // namespace

bool IsCurveKeyZ85(const std::string& text) {
  if (text.size() != kCurveKeyZ85Length) return false;
  uint8_t binary[32];
  return zmq_z85_decode(binary, text.c_str()) != nullptr;
}

bool GenerateCurveKeyPair(CurveKeyPair* out, std::string* error) {
  char pub[kCurveKeyZ85Length + 1] = {};
  char sec[kCurveKeyZ85Length + 1] = {};
  if (zmq_curve_keypair(pub, sec) != 0) {
    return Fail(error, std::string("zmq_curve_keypair failed: ") + zmq_strerror(zmq_errno()) +
                           " (is libzmq built with CURVE support?)");
  }
  out->public_key = pub;
  out->secret_key = sec;
  return true;
}

std::string CurvePublicKeyPath(const std::string& dir, const std::string& name) {
  return (dir.empty() ? std::string(".") : dir) + "/" + name + ".key";
}

std::string CurveSecretKeyPath(const std::string& dir, const std::string& name) {
  return (dir.empty() ? std::string(".") : dir) + "/" + name + ".key_secret";
}

bool WriteCurveKeyFiles(const std::string& dir, const std::string& name, const CurveKeyPair& pair,
                        bool overwrite, std::string* error) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return Fail(error, "key name '" + name + "' must be a plain file name");
  }
  if (!IsCurveKeyZ85(pair.public_key) || !IsCurveKeyZ85(pair.secret_key)) {
    return Fail(error, "the key pair is not two 40-character Z85 CURVE keys");
  }
  const std::string pub_path = CurvePublicKeyPath(dir, name);
  const std::string sec_path = CurveSecretKeyPath(dir, name);
  const std::string pub_text =
      "#   seam CURVE public key \"" + name + "\" (ZeroMQ certificate format, `seam keygen`)\n" +
      "#   Give this file to the peer that must trust this key: a server's allow_keys_dir,\n" +
      "#   or a client's curve_server_key_file.\n\n" + "metadata\n" + "curve\n" +
      "    public-key = \"" + pair.public_key + "\"\n";
  const std::string sec_text =
      "#   seam CURVE **secret** key \"" + name +
      "\" (ZeroMQ certificate format, `seam keygen`)\n" +
      "#   DO NOT share this file or loosen its permissions (0600). Its public half is\n" + "#   " +
      name + ".key.\n\n" + "metadata\n" + "curve\n" + "    public-key = \"" + pair.public_key +
      "\"\n" + "    secret-key = \"" + pair.secret_key + "\"\n";
  if (!overwrite) {
    // Check both before creating either, so a half-written pair is rare.
    struct stat st;
    if (::stat(pub_path.c_str(), &st) == 0) {
      return Fail(error, pub_path + " already exists (refusing to overwrite a key)");
    }
    if (::stat(sec_path.c_str(), &st) == 0) {
      return Fail(error, sec_path + " already exists (refusing to overwrite a key)");
    }
  }
  if (!WriteFile(sec_path, sec_text, 0600, overwrite, error)) return false;
  if (!WriteFile(pub_path, pub_text, 0644, overwrite, error)) {
    ::unlink(sec_path.c_str());  // no secret without its public half
    return false;
  }
  return true;
}

bool GenerateCurveKeyFiles(const std::string& dir, const std::string& name, bool overwrite,
                           CurveKeyPair* out, std::string* error) {
  CurveKeyPair pair;
  if (!GenerateCurveKeyPair(&pair, error)) return false;
  if (!WriteCurveKeyFiles(dir, name, pair, overwrite, error)) return false;
  if (out != nullptr) *out = pair;
  return true;
}

bool ReadCurvePublicKeyFile(const std::string& path, std::string* public_key, std::string* error) {
  ParsedKeys keys;
  if (!ParseKeyFile(path, &keys, error)) return false;
  if (keys.public_key.empty()) {
    return Fail(error, "key file " + path +
                           " has no public-key line (expected `public-key = \"<40 "
                           "Z85 characters>\"` or just the bare key)");
  }
  *public_key = keys.public_key;
  return true;
}

bool ReadCurveSecretKeyFile(const std::string& path, CurveKeyPair* out, std::string* error) {
  ParsedKeys keys;
  if (!ParseKeyFile(path, &keys, error)) return false;
  if (keys.secret_key.empty()) {
    return Fail(error, "key file " + path +
                           " has no secret-key line (is it the public .key file instead of the "
                           ".key_secret file?)");
  }
  char derived[kCurveKeyZ85Length + 1] = {};
  if (zmq_curve_public(derived, keys.secret_key.c_str()) != 0) {
    return Fail(
        error, "key file " + path + ": cannot derive the public key: " + zmq_strerror(zmq_errno()));
  }
  if (!keys.public_key.empty() && keys.public_key != derived) {
    return Fail(error, "key file " + path +
                           ": its public-key does not belong to its secret-key (edited or mixed "
                           "up files?)");
  }
  out->public_key = derived;
  out->secret_key = keys.secret_key;
  return true;
}

}  // namespace seam
