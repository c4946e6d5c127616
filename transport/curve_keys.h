// CURVE key pairs and key files for the zeromq transport (and `seam keygen`).
//
// A key pair is two Z85 strings of 40 characters (32-byte Curve25519 keys).
// Key files use the ZeroMQ certificate layout (czmq's zcert / ZPL), so keys
// made by czmq's tools can be used too, and ours by them:
//
//   NAME.key         (mode 0644; give it to the peer that must trust you)
//       #   seam CURVE public key ...comment lines...
//
//       metadata
//       curve
//           public-key = "<40 Z85 characters>"
//
//   NAME.key_secret  (mode 0600; never leaves the machine)
//       #   seam CURVE **secret** key ...comment lines...
//
//       metadata
//       curve
//           public-key = "<40 Z85 characters>"
//           secret-key = "<40 Z85 characters>"
//
// Reading: lines whose first non-blank character is '#' are comments (not
// '#' anywhere: it is a Z85 digit); `public-key` and `secret-key` lines give
// the keys, the value optionally in double or single quotes; other lines
// (section names, metadata) are ignored. A public key file may instead hold
// just the bare 40-character key. Every key is checked to be valid Z85, and a
// secret file's public key must be the one its secret key derives.
//
// Functions return false and set *error on failure (no exceptions, no seam
// Status: this library is linked into the zeromq plugin, which must not
// depend on the runtime).
#pragma once

#include <cstddef>
#include <string>

namespace seam {

constexpr size_t kCurveKeyZ85Length = 40;

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters
};

// True when `text` is 40 characters of Z85 that decode to a 32-byte key.
bool IsCurveKeyZ85(const std::string& text);

// A fresh key pair from libzmq (zmq_curve_keypair, libsodium's RNG).
bool GenerateCurveKeyPair(CurveKeyPair* out, std::string* error);

// DIR/NAME.key and DIR/NAME.key_secret.
std::string CurvePublicKeyPath(const std::string& dir, const std::string& name);
std::string CurveSecretKeyPath(const std::string& dir, const std::string& name);

// Writes both files of `pair` into `dir` (which must exist). NAME must be a
// plain file name (no '/'). Refuses to replace existing files unless
// `overwrite`; the secret file is created with mode 0600 from the start (it
// is never world-readable, not even briefly). On failure nothing is left
// behind that this call created.
bool WriteCurveKeyFiles(const std::string& dir, const std::string& name, const CurveKeyPair& pair,
                        bool overwrite, std::string* error);

// GenerateCurveKeyPair + WriteCurveKeyFiles; *out (optional) gets the pair.
bool GenerateCurveKeyFiles(const std::string& dir, const std::string& name, bool overwrite,
                           CurveKeyPair* out, std::string* error);

// Reads a public key file (NAME.key, or a secret file: its public-key line).
bool ReadCurvePublicKeyFile(const std::string& path, std::string* public_key, std::string* error);

// Reads a secret key file (NAME.key_secret) and checks that its public key
// matches its secret key.
bool ReadCurveSecretKeyFile(const std::string& path, CurveKeyPair* out, std::string* error);

}  // namespace seam
