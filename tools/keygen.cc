// `seam keygen NAME [--dir DIR] [--force]`: makes a CURVE key pair for the
// zeromq transport: DIR/NAME.key (public, give it to the peer that must trust
// you) and DIR/NAME.key_secret (mode 0600, never leaves this machine).
#include <cstdio>
#include <string>
#include <vector>

#include "tools/arg_parser.h"
#include "tools/cli_common.h"
#ifdef SEAM_HAVE_CURVE_KEYS
#include "transport/curve_keys.h"
#endif

namespace seam::cli {

int KeygenMain(const std::vector<std::string>& args) {
  constexpr char kCommand[] = "seam keygen";
  std::string name, dir = ".";
  bool force = false;
  ArgParser parser(
      kCommand,
      "Make a CURVE key pair for encrypted, authenticated links (seam serve --curve-secret "
      "--allow-keys, seam edge --curve-secret --server-key).");
  parser.AddPositional("NAME", "key name: writes NAME.key and NAME.key_secret", &name);
  parser.AddString("dir", 'd', "DIR", "where to write the key files (default: current directory)",
                   &dir);
  parser.AddBool("force", 'f', "overwrite existing key files", &force);
  parser.SetEpilog(
      "Example:\n"
      "  seam keygen server && seam keygen edge1 && mkdir allowed && cp edge1.key allowed/\n"
      "  seam serve m.seam --bind tcp://0.0.0.0:5555 --curve-secret server.key_secret --allow-keys "
      "allowed\n"
      "  seam edge m.seam --connect tcp://HOST:5555 --policy dads-light --synthetic 10 \\\n"
      "      --curve-secret edge1.key_secret --server-key server.key");
  int code = kExitOk;
  if (!parser.ParseOrReport(args, &code)) return code;
#ifdef SEAM_HAVE_CURVE_KEYS
  std::string error;
  if (!GenerateCurveKeyFiles(dir, name, force, nullptr, &error))
    return ReportError(kCommand, error);
  std::printf("wrote %s and %s\n", CurvePublicKeyPath(dir, name).c_str(),
              CurveSecretKeyPath(dir, name).c_str());
  return kExitOk;
#else
  return ReportError(kCommand, "this build has no ZeroMQ (CURVE keys need libzmq3-dev)");
#endif
}

}  // namespace seam::cli
